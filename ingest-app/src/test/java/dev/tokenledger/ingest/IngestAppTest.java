package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The started app against a real in-JVM broker, over real HTTP with API keys. */
class IngestAppTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static final String PUBLISH_KEY = "publish-" + UUID.randomUUID();
  private static final String READ_KEY = "read-" + UUID.randomUUID();
  private static final Instant OCCURRED_AT = Instant.parse("2026-01-15T08:30:00Z");
  private static final ObjectMapper JSON = Json.newMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static RunningApp app;
  private static Topic<String, TokensConsumed> topic;

  @BeforeAll
  static void startApp() throws Exception {
    Path keys = Files.writeString(dir.resolve("keys.properties"),
        ApiKeys.entry("chat-api", Role.PUBLISH, PUBLISH_KEY) + "\n" + ApiKeys.entry("dashboard", Role.READ, READ_KEY) + "\n");
    Map<String, String> overrides = new HashMap<>(KAFKA.isolatedTopics("ingest"));
    overrides.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    overrides.put("tokenledger.http.port", "0");
    overrides.put("tokenledger.auth.keys-file", keys.toString());
    Settings settings = Settings.of("/ingest-app.properties", overrides);
    topic = TopicCatalog.create(settings.asMap()).tokensConsumed();
    app = IngestApp.start(settings);
  }

  @AfterAll
  static void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void shouldAcceptOneEventAndWriteItKeyedByUserId() throws Exception {
    String user = newUser();

    HttpResponse<String> response = post(PUBLISH_KEY, """
        {"eventId":"evt-%s","occurredAt":"2026-01-15T08:30:00Z","userId":"%s","tenantId":"acme",
         "feature":"chat","provider":"OpenAI","model":"gpt-4o","inputTokens":1200,"outputTokens":300,
         "cachedInputTokens":1000,"reasoningTokens":100,"costUsd":"0.001234500","latencyMs":850,
         "labels":{"env":"prod"}}""".formatted(user, user));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree(
        "{\"accepted\":1,\"rejected\":0,\"results\":[{\"index\":0,\"eventId\":\"evt-" + user + "\",\"status\":\"accepted\"}]}"));
    ConsumerRecord<String, TokensConsumed> record = recordsFor(user, 1).get(0);
    assertThat(record.key()).isEqualTo(user);
    assertThat(record.timestamp()).isEqualTo(OCCURRED_AT.toEpochMilli());
    TokensConsumed event = record.value();
    assertThat(event.getEventId()).isEqualTo("evt-" + user);
    assertThat(event.getOccurredAt()).isEqualTo(OCCURRED_AT);
    assertThat(event.getService()).isEqualTo("chat-api");
    assertThat(event.getProvider()).isEqualTo("openai");
    assertThat(event.getInputTokens()).isEqualTo(1200);
    assertThat(event.getCachedInputTokens()).isEqualTo(1000);
    assertThat(event.getReasoningTokens()).isEqualTo(100);
    assertThat(event.getCostNanos()).isEqualTo(1_234_500L);
    assertThat(event.getLabels()).containsEntry("env", "prod");
  }

  @Test
  void shouldAcceptAnArray() throws Exception {
    String user = newUser();

    HttpResponse<String> response = post(PUBLISH_KEY, "[" + event(user, 10) + "," + event(user, 20) + "]");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(JSON.readTree(response.body()).get("accepted").asInt()).isEqualTo(2);
    assertThat(recordsFor(user, 2)).extracting(r -> r.value().getInputTokens()).containsExactly(10L, 20L);
  }

  @Test
  void shouldAcceptAWrappedBatch() throws Exception {
    String user = newUser();

    HttpResponse<String> response = post(PUBLISH_KEY, "{\"events\":[" + event(user, 1) + "," + event(user, 2) + "]}");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(recordsFor(user, 2)).extracting(r -> r.value().getInputTokens()).containsExactly(1L, 2L);
  }

  @Test
  void shouldAnswerPerItemResultsForAMixedBatch() throws Exception {
    String user = newUser();

    HttpResponse<String> response = post(PUBLISH_KEY, "[" + event(user, 5) + "," + event(user, -5) + "]");

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("accepted").asInt()).isEqualTo(1);
    assertThat(body.get("rejected").asInt()).isEqualTo(1);
    assertThat(body.at("/results/0/status").asText()).isEqualTo("accepted");
    assertThat(body.at("/results/1")).isEqualTo(JSON.readTree("""
        {"index":1,"status":"rejected","errors":[{"field":"inputTokens","message":"must be ≥ 0 (got -5)"}]}"""));
    assertThat(recordsFor(user, 1)).extracting(r -> r.value().getInputTokens()).containsExactly(5L);
  }

  @Test
  void shouldAnswer400WithTheResultsWhenNothingIsAccepted() throws Exception {
    HttpResponse<String> response = post(PUBLISH_KEY, "{\"userId\":\"x\",\"provider\":\"openai\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("""
        {"accepted":0,"rejected":1,"results":[{"index":0,"status":"rejected",
         "errors":[{"field":"model","message":"is required"}]}]}"""));
  }

  @Test
  void shouldAnswer401WithoutAKey() throws Exception {
    HttpResponse<String> response = HTTP.send(request().POST(HttpRequest.BodyPublishers.ofString(event("u", 1))).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
  }

  @Test
  void shouldAnswer403WithAReadKey() throws Exception {
    assertThat(post(READ_KEY, event("u", 1)).statusCode()).isEqualTo(403);
  }

  @Test
  void shouldAnswer413OverAThousandEvents() throws Exception {
    String batch = "[" + String.join(",", Collections.nCopies(1001, event("u", 1))) + "]";

    HttpResponse<String> response = post(PUBLISH_KEY, batch);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(response.body()).get("detail").asText())
        .isEqualTo("the batch holds 1001 events; send at most 1000 per request");
  }

  @Test
  void shouldAnswer413OverOneMebibyte() throws Exception {
    String padding = "x".repeat(EventBatch.MAX_BODY_BYTES);

    HttpResponse<String> response = post(PUBLISH_KEY, "{\"feature\":\"" + padding + "\"}");

    assertThat(response.statusCode()).isEqualTo(413);
  }

  @Test
  void shouldAnswer400ProblemForMalformedJson() throws Exception {
    HttpResponse<String> response = post(PUBLISH_KEY, "{\"userId\": }");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(JSON.readTree(response.body()).get("detail").asText())
        .startsWith("the body is not valid JSON at line 1, column 12");
  }

  @Test
  void shouldBeReadyOnceTheTopicIsReachable() throws Exception {
    HttpResponse<String> response = HTTP.send(request("/ready").GET().build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void shouldCountAcceptedAndRejectedEvents() throws Exception {
    post(PUBLISH_KEY, "[" + event(newUser(), 1) + "," + event(newUser(), -1) + "]");

    String metrics = HTTP.send(request("/metrics").GET().build(), HttpResponse.BodyHandlers.ofString()).body();

    assertThat(metrics)
        .contains("tokenledger_ingest_events_accepted_total{app=\"ingest-app\"}")
        .contains("tokenledger_ingest_events_rejected_total{app=\"ingest-app\",field=\"inputTokens\"}")
        .contains("tokenledger_ingest_batches_total{app=\"ingest-app\",outcome=\"partial\"}");
  }

  private static String event(String user, long inputTokens) {
    return """
        {"occurredAt":"2026-01-15T08:30:00Z","userId":"%s","provider":"anthropic","model":"claude-sonnet-4",\
        "inputTokens":%d,"outputTokens":1}""".formatted(user, inputTokens);
  }

  private static String newUser() {
    return "user-" + UUID.randomUUID();
  }

  private static HttpResponse<String> post(String key, String body) throws Exception {
    return HTTP.send(request()
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request() {
    return request("/v1/events");
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
  }

  /** The user's records on the topic, read from the beginning until there are {@code count}. */
  private static List<ConsumerRecord<String, TokensConsumed>> recordsFor(String user, int count) {
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      consumer.assign(consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
      consumer.seekToBeginning(consumer.assignment());
      List<ConsumerRecord<String, TokensConsumed>> records = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.key().equals(user)) {
            records.add(r);
          }
        });
        assertThat(records).hasSize(count);
      });
      return records;
    }
  }
}
