package dev.tokenledger.aggregator;

import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.OpenApiContract;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * aggregator-app's OpenAPI document against the started app on a real broker, with usage counted:
 * a valid document, served at /openapi.json, listing exactly the routes the app serves with the
 * roles they need, and real answers that fit its schemas.
 */
class AggregatorOpenApiTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static final String READ_KEY = "read-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final String PUBLISH_KEY = "publish-" + UUID.randomUUID();

  private static RunningApp app;
  private static OpenApiContract contract;
  private static Map<String, String> settings;

  @BeforeAll
  static void startApp() throws Exception {
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("reader", Role.READ, READ_KEY), ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY),
        ApiKeys.entry("chat-api", Role.PUBLISH, PUBLISH_KEY)));
    settings = new HashMap<>(KAFKA.isolatedTopics("aggregator-openapi"));
    settings.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    settings.put("tokenledger.auth.keys-file", keys.toString());
    settings.put("tokenledger.http.port", "0");
    settings.put("tokenledger.state.dir", dir.resolve("state").toString());
    settings.put("tokenledger.aggregator.application-id", "aggregator-openapi-" + UUID.randomUUID().toString().substring(0, 8));
    publishUsage(settings);
    app = AggregatorApp.start(Settings.of("/aggregator-app.properties", settings));
    contract = OpenApiContract.servedAt(app.httpPort(), "aggregator-app.openapi.json");
    // Both folds have the calls: alice's in her partition's task, the models' after the repartition.
    await().atMost(Duration.ofSeconds(60)).until(() -> contract.call("GET", "/v1/usage?dimension=user&key=alice", READ_KEY, null)
        .body().contains("\"requests\":2")
        && contract.call("GET", "/v1/usage?dimension=all", READ_KEY, null).body().contains("\"requests\":2"));
  }

  @AfterAll
  static void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  /** Two of alice's calls a minute ago: one priced by the catalogue, one failed with the caller's cost. */
  private static void publishUsage(Map<String, String> settings) {
    Instant at = Instant.now().minus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MILLIS);
    publish(settings, List.of(
        TokensConsumed.newBuilder().setEventId("e-1").setOccurredAt(at).setUserId("alice").setService("chat-api")
            .setFeature("chat").setProvider("openai").setModel("gpt-4o").setInputTokens(1200).setOutputTokens(300)
            .setCachedInputTokens(1000).setLatencyMs(850L).build(),
        TokensConsumed.newBuilder().setEventId("e-2").setOccurredAt(at).setUserId("alice").setService("chat-api")
            .setProvider("anthropic").setModel("claude-haiku-4-5").setInputTokens(500).setOutputTokens(0)
            .setSuccess(false).setErrorType("timeout").setCostNanos(1_000_000L).build()));
  }

  private static void publish(Map<String, String> settings, List<TokensConsumed> events) {
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      String topic = TopicCatalog.create(settings).tokensConsumed().name();
      for (TokensConsumed event : events) {
        producer.send(new ProducerRecord<>(topic, event.getUserId().getBytes(StandardCharsets.UTF_8),
            AvroSerdes.tokensConsumed().encode(event)));
      }
    }
  }

  @Test
  void shouldAnswerFiguresPastALongAndRefuseInstantsOutsideTheCalendar() throws Exception {
    // Ten calls at the most one call may cost with no tokens, then one token: each total fits a
    // long, the cost per 1k tokens (10^19 nano-USD) does not. Any publisher can send these.
    Instant at = Instant.now().minus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MILLIS);
    List<TokensConsumed> calls = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      calls.add(TokensConsumed.newBuilder().setEventId("m-" + i).setOccurredAt(at).setUserId("mallory")
          .setService("chat-api").setProvider("acme").setModel("m").setInputTokens(i == 10 ? 1 : 0).setOutputTokens(0)
          .setCostNanos(i == 10 ? 0L : EventRules.MAX_COST_NANOS).build());
    }
    publish(settings, calls);
    await().atMost(Duration.ofSeconds(60)).until(() -> contract.call("GET", "/v1/usage?dimension=user&key=mallory",
        READ_KEY, null).body().contains("\"requests\":11"));

    assertThat(contract.assertFitsDocument("GET", "/v1/efficiency?dimension=user&key=mallory", READ_KEY, null, 200).body())
        .contains("\"costPer1kTokensUsd\":\"10000000000.000000000\"");
    contract.assertFitsDocument("GET", "/v1/top?dimension=user&by=tokens", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/forecast?dimension=user&key=mallory&period=month", READ_KEY, null, 200);

    // Past what calendar arithmetic and epoch milliseconds hold: a 400 naming the parameter, not a 500.
    for (String request : List.of("/v1/top?at=%2B999999999-12-31T12:00:00Z", "/v1/efficiency?dimension=all&at=%2B999999999-12-31T12:00:00Z",
        "/v1/usage?dimension=all&from=%2B999999999-12-31T00:00:00Z&to=%2B999999999-12-31T23:00:00Z")) {
      String field = request.contains("from=") ? "from" : "at";
      contract.assertAnswerFitsDocument("GET", request, READ_KEY, null, 400);
      assertThat(contract.call("GET", request, READ_KEY, null).body())
          .contains("\"field\":\"" + field + "\"", "between 1970-01-01 and 9999-12-31");
    }
    String farPrice = "{\"effectiveFrom\":\"+999999999-12-31T00:00:00Z\",\"inputPerMillionUsd\":\"1\","
        + "\"outputPerMillionUsd\":\"1\"}";
    contract.assertAnswerFitsDocument("PUT", "/v1/pricing/example/far-model", ADMIN_KEY, farPrice, 400);
    assertThat(contract.call("PUT", "/v1/pricing/example/far-model", ADMIN_KEY, farPrice).body())
        .contains("\"field\":\"effectiveFrom\"");
  }

  @Test
  void shouldServeItsOpenApiDocumentWithoutAKey() throws Exception {
    contract.assertServedWithoutAKey("TokenLedger aggregator-app");
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
    contract.assertFitsDocument("GET", "/v1/usage?dimension=user&key=alice&period=day", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/usage?dimension=all&period=hour&from=2026-01-01&to=2030-01-01T00:00:00Z",
        READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/top?dimension=model&period=day&by=tokens&limit=5", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/top?dimension=user_model&prefix=alice/", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/stats?range=7d", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/efficiency?dimension=user&key=alice", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/efficiency?dimension=user&key=nobody&period=month", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/forecast?dimension=user&key=alice&period=day", READ_KEY, null, 200);
    contract.assertFitsDocument("GET", "/v1/pricing?provider=openai", READ_KEY, null, 200);
    // A Bedrock inference profile of a dated Claude id prices as the shipped catalogue's Claude entry.
    String resolved = contract.assertFitsDocument("GET",
        "/v1/pricing/resolve?provider=bedrock&model=us.anthropic.claude-sonnet-4-5-20250929-v1:0", READ_KEY, null, 200).body();
    assertThat(resolved).contains("\"pricedAs\":\"anthropic/claude-sonnet-4-5\"", "\"rule\":\"vendor\"");
    // A model's usage says which catalogue entry its id prices as.
    assertThat(contract.assertFitsDocument("GET", "/v1/usage?dimension=model&key=openai/gpt-4o-2024-08-06", READ_KEY, null,
        200).body()).contains("\"pricedAs\":\"openai/gpt-4o\"", "\"pricedBy\":\"provider-id\"");
    assertThat(contract.assertFitsDocument("GET", "/v1/pricing/resolve?provider=acme&model=unknown-1", READ_KEY, null, 200)
        .body()).contains("\"pricedAs\":null");
    contract.assertFitsDocument("PUT", "/v1/pricing/example/test-model", ADMIN_KEY,
        "{\"effectiveFrom\":\"2026-12-01T00:00:00Z\",\"inputPerMillionUsd\":\"2.00\",\"outputPerMillionUsd\":\"8.00\","
            + "\"contextWindow\":128000,\"source\":\"test\",\"cacheWrite1hPerMillionUsd\":\"4.00\",\"inputAudioPerMillionUsd\":\"40\","
            + "\"promptTiers\":[{\"aboveInputTokens\":200000,\"inputPerMillionUsd\":\"4.00\"}],"
            + "\"serviceTiers\":{\"batch\":{\"multiplier\":\"0.5\"},\"priority\":{\"inputPerMillionUsd\":\"3.50\"}}}", 200);
    String liteLlm = new String(AggregatorOpenApiTest.class.getResourceAsStream("/pricing/litellm-excerpt-00035b69.json")
        .readAllBytes(), StandardCharsets.UTF_8);
    String preview = contract.assertFitsDocument("POST", "/v1/pricing/import?dryRun=true", ADMIN_KEY, liteLlm, 200).body();
    assertThat(preview).contains("\"entry\":\"1024-x-1024/dall-e-2\"", "\"liteLlmKey\":\"gpt-4o-mini-tts\"", "\"unchanged\":9");
    contract.assertFitsDocument("POST", "/v1/pricing/import?provider=mistral&effectiveFrom=2030-01-01&source=test",
        ADMIN_KEY, liteLlm, 200);
    assertThat(contract.assertFitsDocument("GET", "/v1/pricing?provider=mistral&model=mistral-embed", READ_KEY, null, 200)
        .body()).contains("\"effectiveFrom\":\"2030-01-01T00:00:00Z\"", "\"source\":\"test (mistral/mistral-embed)\"");
    // A whole LiteLLM file is far over the 64 KiB other requests may have.
    StringBuilder big = new StringBuilder("{");
    for (int i = 0; i < 2_000; i++) {
      big.append(i == 0 ? "" : ",").append("\"acme/model-").append(i)
          .append("\":{\"litellm_provider\":\"acme\",\"input_cost_per_token\":1e-06,\"output_cost_per_token\":2e-06}");
    }
    assertThat(contract.assertFitsDocument("POST", "/v1/pricing/import?dryRun=true", ADMIN_KEY, big.append("}").toString(), 200)
        .body()).contains("acme/model-1999");
    for (String path : List.of("/health", "/ready", "/metrics", "/openapi.json")) {
      contract.assertFitsDocument("GET", path, null, null, 200);
    }
    // Requests the document does not allow: only the answers are checked.
    contract.assertAnswerFitsDocument("GET", "/v1/usage?dimension=user&key=alice&period=fortnight", READ_KEY, null, 400);
    contract.assertAnswerFitsDocument("PUT", "/v1/pricing/example/test-model", ADMIN_KEY, "{\"inputPerMillionUsd\":\"-1\"}", 400);
    contract.assertAnswerFitsDocument("GET", "/v1/pricing/resolve?provider=openai", READ_KEY, null, 400);
    contract.assertAnswerFitsDocument("POST", "/v1/pricing/import?effectiveFrom=2020-01-01", ADMIN_KEY, "{}", 400);
    contract.assertAnswerFitsDocument("GET", "/v1/stats", null, null, 401);
    contract.assertAnswerFitsDocument("GET", "/v1/stats", PUBLISH_KEY, null, 403);
  }
}
