package dev.tokenledger.alerting;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.OpenApiContract;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * alerting-app's OpenAPI document against the started app on a real broker, with quotas and fired
 * alerts: a valid document, served at /openapi.json, listing exactly the routes the app serves with
 * the roles they need, and real answers that fit its schemas.
 */
class AlertingOpenApiTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static final String READ_KEY = "read-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, String> settings;
  private static RunningApp app;
  private static OpenApiContract contract;

  @BeforeAll
  static void startApp() throws Exception {
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("reader", Role.READ, READ_KEY), ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    settings = new HashMap<>(KAFKA.isolatedTopics("alerting-openapi"));
    settings.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    settings.put("tokenledger.auth.keys-file", keys.toString());
    settings.put("tokenledger.http.port", "0");
    settings.put("tokenledger.state.dir", dir.resolve("state").toString());
    settings.put("tokenledger.alerting.application-id", "alerting-openapi-" + UUID.randomUUID().toString().substring(0, 8));
    app = AlertingApp.start(Settings.of("/alerting-app.properties", settings));
    contract = OpenApiContract.servedAt(app.httpPort(), "alerting-app.openapi.json");
    await().atMost(Duration.ofSeconds(60)).until(() -> contract.call("GET", "/ready", null, null).statusCode() == 200);
  }

  @AfterAll
  static void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void shouldServeItsOpenApiDocumentWithoutAKey() throws Exception {
    contract.assertServedWithoutAKey("TokenLedger alerting-app");
  }

  @Test
  void shouldBeAValidOpenApiDocument() {
    contract.assertValidDocument();
  }

  @Test
  void shouldDocumentExactlyTheRoutesTheAppServes() {
    contract.assertServesExactly(app.httpRoutes());
  }

  @Test
  void shouldAnswerAsDocumented() throws Exception {
    contract.assertFitsDocument("PUT", "/v1/quotas/erin-daily", ADMIN_KEY,
        "{\"subject\":\"user:erin\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":1000,\"action\":\"block\"}", 200);
    contract.assertFitsDocument("PUT", "/v1/quotas/erin-cost", ADMIN_KEY,
        "{\"subject\":\"user:erin\",\"metric\":\"cost\",\"period\":\"month\",\"limit\":\"25.00\",\"thresholds\":[0.5,1]}", 200);
    contract.assertFitsDocument("PUT", "/v1/quotas/erin-request", ADMIN_KEY,
        "{\"subject\":\"user:erin\",\"metric\":\"tokens\",\"rule\":\"request\",\"limit\":5000}", 200);
    publishDayTotal("erin", 950);
    await().atMost(Duration.ofSeconds(30)).until(() ->
        JSON.readTree(contract.call("GET", "/v1/alerts?subject=user:erin", READ_KEY, null).body()).get("alerts").size() == 2);
    String alertId = JSON.readTree(contract.call("GET", "/v1/alerts?subject=user:erin&severity=critical", READ_KEY, null).body())
        .at("/alerts/0/alertId").asText();

    contract.assertFitsDocument("GET", "/v1/quotas", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/quotas/erin-daily", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/quotas/status?subject=user:erin", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/admission?subject=user:erin&tokens=100&costUsd=0.05", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/alerts?subject=user:erin&since=24h&status=open", READ_KEY, null, 200);
    contract.assertFitsDocument("POST", "/v1/alerts/" + alertId + "/ack", ADMIN_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/alerts?subject=user:erin&status=acknowledged", READ_KEY, null, 200);
    contract.assertFitsDocument("POST", "/v1/alerts/" + alertId + "/dismiss", ADMIN_KEY, null, 200);
    contract.assertFitsDocument("DELETE", "/v1/quotas/erin-cost", ADMIN_KEY, null, 204);
    contract.assertFitsDocument("GET", "/v1/quotas/no-such-quota", READ_KEY, null, 404);
    contract.assertFitsDocument("POST", "/v1/alerts/no-such-alert/ack", ADMIN_KEY, null, 404);
    contract.assertFitsDocument("DELETE", "/v1/quotas/erin-daily", READ_KEY, null, 403);
    for (String path : List.of("/health", "/ready", "/metrics", "/openapi.json")) {
      contract.assertFitsDocument("GET", path, null, null, 200);
    }
    // Requests the document does not allow: only the answers are checked.
    contract.assertAnswerFitsDocument("PUT", "/v1/quotas/erin-daily", ADMIN_KEY,
        "{\"subject\":\"erin\",\"metric\":\"joules\"}", 400);
    contract.assertAnswerFitsDocument("GET", "/v1/alerts?severity=fatal", READ_KEY, null, 400);
    contract.assertAnswerFitsDocument("GET", "/v1/quotas", null, null, 401);
  }

  /** Erin's day total as the aggregator would publish it. */
  private static void publishDayTotal(String user, long tokens) {
    Instant now = Instant.now();
    CalendarWindow window = CalendarWindow.containing(Period.DAY, now, ZoneId.of("UTC"));
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), new StringSerializer(), AvroSerdes.usageAggregate().serializer())) {
      UsageAggregate bucket = UsageAggregate.newBuilder().setDimension(Dimension.USER).setKey(user).setPeriod(Period.DAY)
          .setZone("UTC").setWindowStart(window.start()).setWindowEnd(window.end()).setRequests(1).setInputTokens(tokens)
          .setLastEventAt(now).build();
      var topic = TopicCatalog.create(settings).usageAggregates();
      producer.send(new ProducerRecord<>(topic.name(), AggregateKey.partition("user:" + user, topic.partitions()),
          AggregateKey.of(bucket), bucket));
    }
  }
}
