package dev.tokenledger.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerting app on a real broker, fed bucket updates as the aggregator publishes them: a
 * daily block quota for one user and a burst limit for every user, pushed past both.
 */
class AlertingAppTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String READ_KEY = "read-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final ZoneId UTC = ZoneId.of("UTC");

  @TempDir static Path dir;
  private static HttpServer receiver;
  private static final List<JsonNode> delivered = new CopyOnWriteArrayList<>();
  private static Map<String, String> settings;
  private static RunningApp app;

  @BeforeAll
  static void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      delivered.add(JSON.readTree(exchange.getRequestBody()));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("reader", Role.READ, READ_KEY), ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    settings = new HashMap<>(KAFKA.isolatedTopics("alerting"));
    settings.putAll(Map.of(
        "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "tokenledger.auth.keys-file", keys.toString(),
        "tokenledger.http.port", "0",
        "tokenledger.state.dir", dir.resolve("state").toString(),
        "tokenledger.alerting.application-id", "alerting-" + UUID.randomUUID().toString().substring(0, 8),
        "tokenledger.alerting.webhook.urls", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"));
    app = AlertingApp.start(Settings.of("/alerting-app.properties", settings));
    await().atMost(Duration.ofSeconds(60)).until(() -> call("GET", "/ready", null, null).statusCode() == 200);
  }

  @AfterAll
  static void stop() {
    app.close();
    receiver.stop(0);
  }

  private static HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode read(String path) throws Exception {
    HttpResponse<String> response = call("GET", path, READ_KEY, null);
    assertThat(response.statusCode()).as(path + " → " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static void publish(String user, Period period, Instant at, long tokens) {
    CalendarWindow window = CalendarWindow.containing(period, at, UTC);
    TopicCatalog topics = TopicCatalog.create(settings);
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), new StringSerializer(), AvroSerdes.usageAggregate().serializer())) {
      UsageAggregate bucket = UsageAggregate.newBuilder()
          .setDimension(Dimension.USER).setKey(user).setPeriod(period).setZone("UTC")
          .setWindowStart(window.start()).setWindowEnd(window.end()).setRequests(1).setInputTokens(tokens)
          .setLastEventAt(at).build();
      // As the aggregator publishes it: keyed by the bucket, in the subject's partition.
      producer.send(new ProducerRecord<>(topics.usageAggregates().name(),
          AggregateKey.partition("user:" + user, topics.usageAggregates().partitions()), AggregateKey.of(bucket), bucket));
    }
  }

  private static boolean allowed(String subject, long tokens) throws Exception {
    return read("/v1/admission?subject=" + subject + "&tokens=" + tokens).get("allowed").asBoolean();
  }

  @Test
  void shouldDenyTheUserPastABlockQuotaAlertOnceAndDeliverTheWebhook() throws Exception {
    assertThat(call("PUT", "/v1/quotas/alice-daily", ADMIN_KEY,
        "{\"subject\":\"user:alice\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":1000,\"action\":\"block\"}").statusCode())
        .isEqualTo(200);
    assertThat(call("PUT", "/v1/quotas/everyone-burst", ADMIN_KEY,
        "{\"subject\":\"user:*\",\"metric\":\"tokens\",\"period\":\"minute\",\"limit\":500,\"action\":\"throttle\"}").statusCode())
        .isEqualTo(200);
    assertThat(allowed("user:alice", 100)).isTrue();

    Instant now = Instant.now();
    publish("alice", Period.DAY, now, 1_000);
    publish("alice", Period.MINUTE, now, 600);
    publish("bob", Period.DAY, now, 200);
    publish("bob", Period.MINUTE, now, 600);
    // A huge total from yesterday: a rolled-over window does not count.
    publish("carol", Period.DAY, now.minus(Duration.ofDays(1)), 1_000_000);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(allowed("user:alice", 1)).isFalse());
    JsonNode admission = read("/v1/admission?subject=user:alice&tokens=1");
    assertThat(admission.at("/decisions")).anySatisfy(d -> {
      assertThat(d.get("quotaId").asText()).isEqualTo("alice-daily");
      assertThat(d.get("allowed").asBoolean()).isFalse();
      assertThat(d.get("remaining").asLong()).isZero();
      assertThat(d.get("reason").asText()).startsWith("limit reached");
    });
    JsonNode bob = read("/v1/admission?subject=user:bob&tokens=1");
    assertThat(bob.get("allowed").asBoolean()).as("bob is only throttled").isTrue();
    assertThat(bob.at("/decisions/0/retryAfterMs").asLong()).isPositive();
    assertThat(allowed("user:carol", 999)).isTrue();

    // 3 thresholds for each of alice's daily quota, alice's burst and bob's burst.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(read("/v1/alerts?subject=user:alice").get("alerts")).hasSize(6);
      assertThat(read("/v1/alerts?subject=user:bob").get("alerts")).hasSize(3);
    });
    JsonNode status = read("/v1/quotas/status?subject=user:alice");
    assertThat(status.get("quotas")).extracting(q -> q.get("id").asText() + "=" + q.get("state").asText())
        .containsExactlyInAnyOrder("alice-daily=exceeded", "everyone-burst=exceeded");

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(delivered)
        .filteredOn(alert -> List.of("user:alice", "user:bob").contains(alert.get("subject").asText())).hasSize(9));
    assertThat(delivered).extracting(alert -> alert.get("alertId").asText()).doesNotHaveDuplicates();
    assertThat(delivered.get(0).get("text").asText()).startsWith("[");

    // What the scrape shows: alice denied twice (the wait's last read and the one after), bob throttled
    // (and alice too, if her burst total arrived before her daily one).
    String metrics = call("GET", "/metrics", null, null).body();
    assertThat(metrics).containsPattern(
        "tokenledger_alerting_admission_decisions_total\\{app=\"alerting-app\",outcome=\"throttled\"} [1-9]");
    assertThat(metrics).contains(
        "tokenledger_alerting_admission_decisions_total{app=\"alerting-app\",outcome=\"denied\"} 2.0",
        "tokenledger_alerting_alerts_total{app=\"alerting-app\",severity=\"critical\",type=\"token_quota\"} 2.0",
        "tokenledger_alerting_alerts_total{app=\"alerting-app\",severity=\"warning\",type=\"burst\"} 2.0",
        "tokenledger_alerting_quota_exceeded_total{app=\"alerting-app\",type=\"token_quota\"} 1.0",
        "tokenledger_alerting_quota_exceeded_total{app=\"alerting-app\",type=\"burst\"} 2.0")
        // The Kafka client binders on the webhook dispatcher's consumer and the quota writer's producer.
        .containsPattern("kafka_consumer_fetch_manager_records_consumed_total\\{app=\"alerting-app\",client_id=\"alerting-app-webhooks\"")
        .containsPattern("kafka_producer_record_send_total\\{app=\"alerting-app\",client_id=\"alerting-app-quota-admin\"");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(call("GET", "/metrics", null, null).body())
        .contains("tokenledger_alerting_webhook_deliveries_total{app=\"alerting-app\",outcome=\"delivered\"} "
            + delivered.size() + ".0"));
  }

  @Test
  void shouldShowAnAcknowledgementInLaterReads() throws Exception {
    call("PUT", "/v1/quotas/dave-hourly", ADMIN_KEY,
        "{\"subject\":\"user:dave\",\"metric\":\"tokens\",\"period\":\"hour\",\"limit\":10,\"action\":\"warn\"}");
    publish("dave", Period.HOUR, Instant.now(), 50);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(read("/v1/alerts?subject=user:dave").get("alerts")).hasSize(3));
    String alertId = read("/v1/alerts?subject=user:dave&severity=warning").at("/alerts/0/alertId").asText();

    assertThat(call("POST", "/v1/alerts/" + alertId + "/ack", READ_KEY, null).statusCode()).isEqualTo(403);
    HttpResponse<String> acked = call("POST", "/v1/alerts/" + alertId + "/ack", ADMIN_KEY, null);
    assertThat(acked.statusCode()).as(acked.body()).isEqualTo(200);
    assertThat(call("POST", "/v1/alerts/no-such-alert/dismiss", ADMIN_KEY, null).statusCode()).isEqualTo(404);

    JsonNode acknowledged = read("/v1/alerts?subject=user:dave&status=acknowledged");
    assertThat(acknowledged.get("alerts")).singleElement().satisfies(alert -> {
      assertThat(alert.get("alertId").asText()).isEqualTo(alertId);
      assertThat(alert.get("statusBy").asText()).isEqualTo("ops");
    });
    assertThat(read("/v1/alerts?subject=user:dave&status=open").get("alerts")).hasSize(2);
    assertThat(read("/v1/alerts?subject=user:dave&limit=1").get("alerts")).hasSize(1);
    assertThat(read("/v1/alerts/" + alertId).get("status").asText()).isEqualTo("acknowledged");
    assertThat(call("GET", "/v1/alerts/no-such-alert", READ_KEY, null).statusCode()).isEqualTo(404);
  }

  @Test
  void shouldSayHowFreshAnAdmissionIsAndKeepAFailClosedQuota() throws Exception {
    HttpResponse<String> put = call("PUT", "/v1/quotas/erin-daily", ADMIN_KEY, "{\"subject\":\"user:erin\",\"metric\":"
        + "\"tokens\",\"period\":\"day\",\"limit\":1000,\"action\":\"block\",\"staleAfter\":\"30s\",\"onStale\":\"deny\"}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(read("/v1/quotas/erin-daily").get("staleAfter").asText()).isEqualTo("30s");
    Instant eventTime = Instant.now();

    publish("erin", Period.DAY, eventTime, 10);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(read("/v1/admission?subject=user:erin&tokens=1").at("/decisions/0/used").asLong()).isEqualTo(10));
    JsonNode admission = read("/v1/admission?subject=user:erin&tokens=1");
    assertThat(Instant.parse(admission.get("asOf").asText())).isAfterOrEqualTo(eventTime.truncatedTo(ChronoUnit.MILLIS));
    assertThat(admission.get("lagMs").asLong()).isBetween(0L, 30_000L);
    assertThat(admission.get("allowed").asBoolean()).isTrue();
    assertThat(admission.at("/decisions/0/stale").asBoolean()).isFalse();
    assertThat(call("PUT", "/v1/quotas/erin-bad", ADMIN_KEY, "{\"subject\":\"user:erin\",\"metric\":\"tokens\","
        + "\"period\":\"day\",\"limit\":1,\"onStale\":\"deny\"}").body()).contains("staleAfter", "is required with onStale");
  }

  @Test
  void shouldListQuotasAPageAtATimeInIdOrder() throws Exception {
    for (String id : List.of("page-c", "page-a", "page-b")) {
      assertThat(call("PUT", "/v1/quotas/" + id, ADMIN_KEY, "{\"subject\":\"user:" + id + "\",\"metric\":\"tokens\","
          + "\"period\":\"day\",\"limit\":100}").statusCode()).isEqualTo(200);
    }
    // Other tests' quotas share the store: page through from just before "page-".
    List<String> ids = new ArrayList<>();
    String after = "page";
    List<Integer> pageSizes = new ArrayList<>();
    while (after != null) {
      JsonNode page = read("/v1/quotas?limit=2&after=" + after);
      pageSizes.add(page.get("quotas").size());
      page.get("quotas").forEach(quota -> ids.add(quota.get("id").asText()));
      after = page.has("next") ? page.get("next").asText() : null;
    }

    assertThat(ids).containsSubsequence("page-a", "page-b", "page-c").isSorted();
    assertThat(pageSizes).allMatch(size -> size <= 2);
    assertThat(call("GET", "/v1/quotas?limit=0", READ_KEY, null).body()).contains("limit", "from 1 to 10000");
  }

  @Test
  void shouldRefuseALookBackOutsideTheCalendarWithA400() throws Exception {
    for (String since : List.of("%2B999999999-12-31T00:00:00Z", "-999999999-01-01T00:00:00Z", "1969-12-31T00:00:00Z")) {
      HttpResponse<String> response = call("GET", "/v1/alerts?since=" + since, READ_KEY, null);
      assertThat(response.statusCode()).as(since).isEqualTo(400);
      assertThat(response.body()).contains("\"field\":\"since\"", "between 1970-01-01 and 9999-12-31");
    }
  }

  @Test
  void shouldExplainAnInvalidQuota() throws Exception {
    HttpResponse<String> response = call("PUT", "/v1/quotas/bad", ADMIN_KEY,
        "{\"subject\":\"alice\",\"metric\":\"tokens\",\"period\":\"fortnight\",\"limit\":-5}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).get("errors")).extracting(e -> e.get("field").asText())
        .containsExactlyInAnyOrder("subject", "period", "limit");
  }
}
