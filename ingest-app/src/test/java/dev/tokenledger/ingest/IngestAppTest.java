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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import dev.tokenledger.schemas.avro.TokenSource;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
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
  private static Path keysFile;

  /** The tests use fixed event times in the past: a topic that keeps records forever accepts them. */
  private static void keepForever(String topicName) throws Exception {
    try (Admin admin = KAFKA.admin()) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topicName),
          List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"), AlterConfigOp.OpType.SET))))
          .all().get(30, TimeUnit.SECONDS);
      // The broker applies the change from the metadata log a moment later: wait until it answers with it.
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topicName);
      await().atMost(Duration.ofSeconds(30)).until(() -> "-1".equals(admin.describeConfigs(List.of(resource)).all()
          .get(10, TimeUnit.SECONDS).get(resource).get(TopicConfig.RETENTION_MS_CONFIG).value()));
    }
  }

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
    keepForever(topic.name());
    keysFile = keys;
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
  void shouldCountAcceptedEventsAndRejectedOnesByReasonInTheScrape() throws Exception {
    String accepted = "tokenledger_ingest_events_accepted_total{app=\"ingest-app\"}";
    String rejected = "tokenledger_ingest_events_rejected_total{app=\"ingest-app\",field=\"inputTokens\",reason=\"invalid\"}";
    Map<String, Double> before = samples(scrape());

    post(PUBLISH_KEY, "[" + event(newUser(), 1) + "," + event(newUser(), 2) + "," + event(newUser(), 3) + ","
        + event(newUser(), -1) + "]");

    String metrics = scrape();
    Map<String, Double> after = samples(metrics);
    assertThat(after.get(accepted) - before.getOrDefault(accepted, 0.0)).isEqualTo(3);
    assertThat(after.get(rejected) - before.getOrDefault(rejected, 0.0)).isEqualTo(1);
    assertThat(metrics)
        .contains("tokenledger_ingest_batches_total{app=\"ingest-app\",outcome=\"partial\"}")
        .contains("tokenledger_ingest_produce_latency_seconds_count{app=\"ingest-app\",outcome=\"acked\"}")
        // The Kafka client binders: the producer's and the readiness probe's own metrics.
        .containsPattern("kafka_producer_record_send_total\\{app=\"ingest-app\",client_id=\"ingest-app-producer\"")
        .containsPattern("kafka_admin_client_request_total\\{app=\"ingest-app\",client_id=\"ingest-app-probe\"");
  }

  /** A scrape's samples by name and labels, as written: {@code name{labels}} → value. */
  private static Map<String, Double> samples(String scrape) {
    Map<String, Double> samples = new HashMap<>();
    scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(line -> {
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    });
    return samples;
  }

  private static String scrape() throws Exception {
    return HTTP.send(request("/metrics").GET().build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static Stream<ProviderFixtures.Fixture> fixtures() {
    return ProviderFixtures.ALL.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void shouldWriteWhatTheProviderBilledForEachFixture(ProviderFixtures.Fixture fixture) throws Exception {
    String user = newUser();

    HttpResponse<String> response = post(PUBLISH_KEY, fixture.event(user));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    List<TokensConsumed> events = recordsFor(user, 1 + fixture.alsoBilledModels().size()).stream()
        .map(ConsumerRecord::value).toList();
    TokensConsumed event = events.get(0);
    assertThat(events.subList(1, events.size())).extracting(TokensConsumed::getModel)
        .containsExactlyElementsOf(fixture.alsoBilledModels());
    assertThat(event.getProvider()).isEqualTo(fixture.expectedProvider());
    assertThat(event.getModel()).isEqualTo(fixture.expectedModel());
    assertThat(List.of(event.getInputTokens(), event.getOutputTokens(), event.getCachedInputTokens(),
        event.getCacheWriteTokens(), event.getReasoningTokens()))
        .containsExactly(fixture.input(), fixture.output(), fixture.cachedInput(), fixture.cacheWrite(),
            fixture.reasoning());
    assertThat(event.getTokenSource()).isEqualTo(TokenSource.REPORTED);
  }

  @Test
  void shouldCountPromptAndCompletionTextAndMarkItEstimated() throws Exception {
    String user = newUser();

    HttpResponse<String> response = post(PUBLISH_KEY, """
        {"occurredAt":"2026-01-15T08:30:00Z","userId":"%s","provider":"anthropic","model":"claude-sonnet-4",
         "prompt":"Hello, world!","completion":"Hi there."}""".formatted(user));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    TokensConsumed event = recordsFor(user, 1).get(0).value();
    assertThat(event.getTokenSource()).isEqualTo(TokenSource.ESTIMATED);
    assertThat(event.getTokenizer()).isEqualTo(TokenCounter.ESTIMATE);
    assertThat(event.getInputTokens()).isEqualTo(4);
    assertThat(event.getOutputTokens()).isEqualTo(3);
  }

  @Test
  void shouldTokenizeWithAReadKey() throws Exception {
    HttpResponse<String> response = post(READ_KEY, "/v1/tokenize", "{\"model\":\"gpt-4o\",\"text\":\"Hello, world!\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("""
        {"model":"gpt-4o","tokenizer":"o200k_base","tokens":4,"estimated":false,"contextWindow":128000,
         "fitsContext":true}"""));
  }

  @Test
  void shouldTokenizeAnUnknownModelAsAnEstimateWithoutAContextWindow() throws Exception {
    HttpResponse<String> response = post(PUBLISH_KEY, "/v1/tokenize", "{\"model\":\"acme-1\",\"text\":\"Hello, world!\"}");

    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("""
        {"model":"acme-1","tokenizer":"cl100k_base-estimate","tokens":4,"estimated":true}"""));
  }

  @Test
  void shouldAnswer400NamingTheFieldForABadTokenizeRequest() throws Exception {
    HttpResponse<String> response = post(READ_KEY, "/v1/tokenize", "{\"model\":\"gpt-4o\",\"text\":42}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).get("errors")).isEqualTo(JSON.readTree(
        "[{\"field\":\"text\",\"message\":\"must be a string (got 42)\"}]"));
  }

  @Test
  void shouldAnswerEveryKindOfBadItemWithItsFieldAndReason() throws Exception {
    String batch = "[" + String.join(",",
        "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":\"12\"}",
        "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"outputTokens\":-3}",
        "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":99999999999999999999}",
        "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"usage\":{\"tokens\":3}}",
        "{\"userId\":\"u\",\"provider\":\"anthropic\",\"model\":\"claude\",\"usage\":{\"input_tokens\":9223372036854775807,"
            + "\"output_tokens\":1,\"cache_read_input_tokens\":1}}",
        "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":1,\"usage\":{\"prompt_tokens\":1}}",
        "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"prompt\":7}") + "]";

    HttpResponse<String> response = post(PUBLISH_KEY, batch);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode results = JSON.readTree(response.body()).get("results");
    List<String> fields = new ArrayList<>();
    results.forEach(r -> fields.add(r.at("/errors/0/field").asText() + ": " + r.at("/errors/0/message").asText()));
    assertThat(fields).containsExactly(
        "inputTokens: must be a whole number (got \"12\")",
        "outputTokens: must be ≥ 0 (got -3)",
        "inputTokens: must be at most 1000000000000 (10^12: no real call has more tokens) (got 99999999999999999999)",
        "usage: " + results.at("/3/errors/0/message").asText(),
        "usage.input_tokens: must be at most 1000000000000 (10^12: no real call has more tokens) (got 9223372036854775807)",
        "usage: is ambiguous together with inputTokens: report the tokens one way only (the normalized counts, the"
            + " provider's usage object, OpenTelemetry attributes, or prompt/completion text to be counted)",
        "prompt: must be a string (got 7)");
    assertThat(results.at("/3/errors/0/message").asText()).startsWith("is not a usage shape TokenLedger reads");
  }

  @Test
  void shouldAcceptAKeyAddedToTheKeysFileWithoutARestart() throws Exception {
    String newKey = "publish-" + UUID.randomUUID();
    String before = Files.readString(keysFile);
    assertThat(post(newKey, event(newUser(), 1)).statusCode()).isEqualTo(401);

    Files.writeString(keysFile, before + ApiKeys.entry("batch-jobs", Role.PUBLISH, newKey) + "\n");
    Files.setLastModifiedTime(keysFile, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(post(newKey, event(newUser(), 1)).statusCode()).isEqualTo(202));
    assertThat(post(PUBLISH_KEY, event(newUser(), 1)).statusCode()).isEqualTo(202);
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
    return post(key, "/v1/events", body);
  }

  private static HttpResponse<String> post(String key, String path, String body) throws Exception {
    return HTTP.send(request(path)
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
