package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.aggregator.AggregatorApp;
import dev.tokenledger.alerting.AlertingApp;
import dev.tokenledger.ingest.IngestApp;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline as a user runs it, on a real Kafka broker: events posted to ingest-app,
 * exact totals read from aggregator-app, and a quota alert fired once by alerting-app.
 */
class PipelineEndToEndTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String PUBLISH_KEY = "tl_pub_" + UUID.randomUUID();
  private static final String READ_KEY = "tl_read_" + UUID.randomUUID();
  private static final String ADMIN_KEY = "tl_admin_" + UUID.randomUUID();

  @TempDir static Path workDir;

  private static Map<String, String> settings;
  private static RunningApp ingest;
  private static RunningApp aggregator;
  private static RunningApp alerting;

  @BeforeAll
  static void startTheApps() throws IOException {
    Path keys = workDir.resolve("keys.properties");
    Files.write(keys, List.of(
        ApiKeys.entry("billing-service", Role.PUBLISH, PUBLISH_KEY),
        ApiKeys.entry("dashboard", Role.READ, READ_KEY),
        ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    settings = new HashMap<>(KAFKA.isolatedTopics("e2e"));
    String run = UUID.randomUUID().toString().substring(0, 8);
    settings.putAll(Map.of(
        "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "tokenledger.auth.keys-file", keys.toString(),
        "tokenledger.http.port", "0",
        "tokenledger.aggregator.application-id", "e2e-aggregator-" + run,
        "tokenledger.alerting.application-id", "e2e-alerting-" + run));
    aggregator = AggregatorApp.start(Settings.of("/aggregator-app.properties",
        with("tokenledger.state.dir", workDir.resolve("aggregator").toString())));
    alerting = AlertingApp.start(Settings.of("/alerting-app.properties",
        with("tokenledger.state.dir", workDir.resolve("alerting").toString())));
    ingest = IngestApp.start(Settings.of("/ingest-app.properties", settings));
    await().atMost(Duration.ofSeconds(60)).until(() ->
        get(aggregator.httpPort(), "/ready", null).statusCode() == 200
            && get(alerting.httpPort(), "/ready", null).statusCode() == 200
            && get(ingest.httpPort(), "/ready", null).statusCode() == 200);
  }

  @AfterAll
  static void stopTheApps() {
    for (AutoCloseable app : new AutoCloseable[] {ingest, alerting, aggregator}) {
      try {
        if (app != null) {
          app.close();
        }
      } catch (Exception e) {
        // closing the others matters more
      }
    }
  }

  @Test
  void shouldCountPostedEventsExactlyAndAlertOnceWhenAQuotaIsCrossed() throws Exception {
    HttpResponse<String> quota = send(alerting.httpPort(), "PUT", "/v1/quotas/alice-daily", ADMIN_KEY, """
        {"subject":"user:alice","metric":"tokens","period":"day","limit":10000,"action":"block"}""");
    assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);

    // One minute ago, so every event is in the same calendar day whenever the test runs.
    Instant occurredAt = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
    List<Map<String, Object>> events = new ArrayList<>();
    long aliceTokens = 0;
    for (int i = 0; i < 12; i++) {
      long input = 700 + i * 10;
      long output = 150 + i;
      events.add(event("alice-" + i, "alice", occurredAt, input, output));
      aliceTokens += input + output;
    }
    events.add(event("bob-0", "bob", occurredAt, 400, 100));
    HttpResponse<String> posted = send(ingest.httpPort(), "POST", "/v1/events", PUBLISH_KEY,
        JSON.writeValueAsString(Map.of("events", events)));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
    assertThat(JSON.readTree(posted.body()).get("accepted").asInt()).isEqualTo(13);
    // A retry of an event already accepted: accepted again by ingest, counted once downstream.
    HttpResponse<String> retried = send(ingest.httpPort(), "POST", "/v1/events", PUBLISH_KEY,
        JSON.writeValueAsString(events.get(0)));
    assertThat(retried.statusCode()).isEqualTo(202);

    long expectedAliceTokens = aliceTokens;
    assertThat(expectedAliceTokens).as("the events cross the 10 000-token quota").isGreaterThan(10_000);
    String day = LocalDate.ofInstant(occurredAt, ZoneOffset.UTC).toString();
    String usagePath = "/v1/usage?dimension=user&key=alice&period=day&from=" + day;
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode usage = JSON.readTree(get(aggregator.httpPort(), usagePath, READ_KEY).body());
      assertThat(usage.path("windows")).hasSize(1);
      JsonNode window = usage.path("windows").get(0);
      assertThat(window.get("requests").asLong()).isEqualTo(12);
      assertThat(window.get("totalTokens").asLong()).isEqualTo(expectedAliceTokens);
      assertThat(window.get("start").asText()).isEqualTo(day + "T00:00:00Z");
    });
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonNode all = JSON.readTree(get(aggregator.httpPort(), "/v1/usage?dimension=all&period=day&from=" + day, READ_KEY).body());
      // The shared subjects' totals come a commit later: through the repartition to their own task.
      assertThat(all.path("windows").path(0).path("totalTokens").asLong()).isEqualTo(expectedAliceTokens + 500);
    });

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode alerts = JSON.readTree(get(alerting.httpPort(), "/v1/alerts?subject=user:alice", READ_KEY).body());
      assertThat(alerts.path("alerts")).extracting(a -> a.get("threshold").asText())
          .containsExactlyInAnyOrder("0.8", "0.9", "1");
    });
    // More usage in the same day crosses no new threshold: still exactly one alert per threshold.
    HttpResponse<String> more = send(ingest.httpPort(), "POST", "/v1/events", PUBLISH_KEY,
        JSON.writeValueAsString(event("alice-extra", "alice", occurredAt, 5_000, 0)));
    assertThat(more.statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode usage = JSON.readTree(get(aggregator.httpPort(), usagePath, READ_KEY).body());
      assertThat(usage.path("windows").path(0).path("requests").asLong()).isEqualTo(13);
    });
    assertThat(alertsOnTopic()).extracting(UsageAlert::getThresholdBasisPoints)
        .containsExactlyInAnyOrder(8_000, 9_000, 10_000);
  }

  @Test
  void shouldRefuseQueriesWithoutAKeyOrWithTheWrongRole() throws Exception {
    assertThat(get(aggregator.httpPort(), "/v1/usage?dimension=user&key=alice", null).statusCode()).isEqualTo(401);
    assertThat(get(aggregator.httpPort(), "/v1/usage?dimension=user&key=alice", PUBLISH_KEY).statusCode()).isEqualTo(403);
    assertThat(send(alerting.httpPort(), "PUT", "/v1/quotas/x", READ_KEY, "{}").statusCode()).isEqualTo(403);
    HttpResponse<String> badPeriod = get(aggregator.httpPort(), "/v1/usage?dimension=user&key=alice&period=fortnight", READ_KEY);
    assertThat(badPeriod.statusCode()).isEqualTo(400);
    assertThat(badPeriod.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(JSON.readTree(badPeriod.body()).at("/errors/0/field").asText()).isEqualTo("period");
  }

  private static List<UsageAlert> alertsOnTopic() {
    TopicCatalog topics = TopicCatalog.create(settings);
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "e2e-alert-reader-" + UUID.randomUUID(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        topics.usageAlerts().keySerde().deserializer(), topics.usageAlerts().valueSerde().deserializer())) {
      consumer.subscribe(List.of(topics.usageAlerts().name()));
      List<UsageAlert> alerts = new ArrayList<>();
      // Read until the end of the topic: every committed alert, not just the first few.
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> alerts.add(record.value()));
        return !consumer.assignment().isEmpty()
            && consumer.assignment().stream().allMatch(tp -> consumer.position(tp) >= consumer.endOffsets(List.of(tp)).get(tp));
      });
      return alerts;
    }
  }

  private static Map<String, Object> event(String id, String user, Instant occurredAt, long input, long output) {
    return Map.of("eventId", id, "userId", user, "occurredAt", occurredAt.toString(), "provider", "openai",
        "model", "gpt-4o", "feature", "chat", "inputTokens", input, "outputTokens", output);
  }

  private static Map<String, String> with(String key, String value) {
    Map<String, String> copy = new HashMap<>(settings);
    copy.put(key, value);
    return copy;
  }

  private static HttpResponse<String> get(int port, String path, String key) throws Exception {
    return send(port, "GET", path, key, null);
  }

  private static HttpResponse<String> send(int port, String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
