package dev.tokenledger.ingest;

import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.OpenApiContract;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ingest-app's OpenAPI document against the started app on a real broker: a valid document,
 * served at /openapi.json, listing exactly the routes the app serves with the roles they need,
 * and real answers that fit its schemas.
 */
class IngestOpenApiTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static final String PUBLISH_KEY = "publish-" + UUID.randomUUID();
  private static final String READ_KEY = "read-" + UUID.randomUUID();

  private static RunningApp app;
  private static OpenApiContract contract;

  @BeforeAll
  static void startApp() throws Exception {
    Path keys = Files.writeString(dir.resolve("keys.properties"),
        ApiKeys.entry("chat-api", Role.PUBLISH, PUBLISH_KEY) + "\n" + ApiKeys.entry("dashboard", Role.READ, READ_KEY) + "\n");
    Map<String, String> overrides = new HashMap<>(KAFKA.isolatedTopics("ingest-openapi"));
    overrides.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    overrides.put("tokenledger.http.port", "0");
    overrides.put("tokenledger.auth.keys-file", keys.toString());
    app = IngestApp.start(Settings.of("/ingest-app.properties", overrides));
    contract = OpenApiContract.servedAt(app.httpPort(), "ingest-app.openapi.json");
  }

  @AfterAll
  static void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void shouldServeItsOpenApiDocumentWithoutAKey() throws Exception {
    contract.assertServedWithoutAKey("TokenLedger ingest-app");
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
    String event = """
        {"userId":"alice","provider":"openai","model":"gpt-4o","inputTokens":1200,"outputTokens":300,"costUsd":"0.0045"}""";
    contract.assertFitsDocument("POST", "/v1/events", PUBLISH_KEY, event, 202);
    contract.assertFitsDocument("POST", "/v1/events", PUBLISH_KEY, "{\"events\":[" + event + "," + """
        {"userId":"bob","provider":"anthropic","model":"claude-haiku-4-5",
         "usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":100}}]}""", 202);
    contract.assertFitsDocument("POST", "/v1/tokenize", READ_KEY, "{\"model\":\"gpt-4o\",\"text\":\"Hello, world\"}", 200);
    contract.assertFitsDocument("POST", "/v1/tokenize", PUBLISH_KEY, "{\"model\":\"unknown-model\",\"text\":\"Hello\"}", 200);
    long end = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    String spans = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"chat-api"}}]},
          "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"%s","name":"chat gpt-4o",
            "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s
              {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
              {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}]}]}]}]}""";
    String user = "{\"key\":\"user.id\",\"value\":{\"stringValue\":\"alice\"}},";
    contract.assertFitsDocument("POST", "/v1/traces", PUBLISH_KEY, spans.formatted("eee19b7ec3c1b174", end - 1, end, user), 200);
    // A span with usage but no user: refused in partialSuccess.
    contract.assertFitsDocument("POST", "/v1/traces", PUBLISH_KEY, spans.formatted("eee19b7ec3c1b175", end - 1, end, ""), 200);
    for (String path : List.of("/health", "/ready", "/metrics", "/openapi.json")) {
      contract.assertFitsDocument("GET", path, null, null, 200);
    }
    // Requests the document does not allow: only the answers are checked.
    contract.assertAnswerFitsDocument("POST", "/v1/events", PUBLISH_KEY, "[{\"userId\":\"alice\",\"inputTokens\":-5}]", 400);
    contract.assertAnswerFitsDocument("POST", "/v1/events", PUBLISH_KEY, "{\"userId\":", 400);
    contract.assertAnswerFitsDocument("POST", "/v1/tokenize", READ_KEY, "{\"model\":\"gpt-4o\"}", 400);
    contract.assertAnswerFitsDocument("POST", "/v1/traces", PUBLISH_KEY, "{\"resourceSpans\":", 400);
    contract.assertAnswerFitsDocument("POST", "/v1/events", null, event, 401);
    contract.assertAnswerFitsDocument("POST", "/v1/events", READ_KEY, event, 403);
  }
}
