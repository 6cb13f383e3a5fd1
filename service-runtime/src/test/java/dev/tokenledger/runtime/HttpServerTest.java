package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpServerTest {

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.of("warming up"));
  private final Liveness liveness = new Liveness();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("reader", Role.READ, "read-key"), ApiKeys.entry("ops", Role.ADMIN, "admin-key")));
    server = HttpServer.start(new HttpServer.Options("127.0.0.1", 0, Optional.of(ApiKeys.load(keys)),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), notReady::get, liveness, 1024, Map.of(),
        "/test-app.openapi.json", Map::of), app -> {
          app.get("/v1/thing", ctx -> ctx.json(Map.of("by", HttpServer.principal(ctx).orElseThrow().name())), Role.READ);
          app.post("/v1/thing", ctx -> ctx.status(204), Role.ADMIN);
          app.get("/v1/bad", ctx -> {
            throw ProblemException.badRequest("size", "must be ≥ 1 (got 0)");
          }, Role.READ);
          app.get("/v1/boom", ctx -> {
            throw new IllegalStateException("secret internals");
          }, Role.READ);
        });
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> call(String method, String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldServeHealthReadinessAndMetricsWithoutAKey() throws Exception {
    assertThat(call("GET", "/health", null).statusCode()).isEqualTo(200);
    HttpResponse<String> notYet = call("GET", "/ready", null);
    assertThat(notYet.statusCode()).isEqualTo(503);
    assertThat(notYet.body()).contains("warming up");
    notReady.set(Optional.empty());
    assertThat(call("GET", "/ready", null).statusCode()).isEqualTo(200);
    call("GET", "/v1/thing", "read-key");
    assertThat(call("GET", "/metrics", null).body()).contains("http_server_requests_seconds_count");
  }

  @Test
  void shouldFailHealthOnceTheAppHasFailedForGood() throws Exception {
    liveness.fail("kafka streams stopped");

    HttpResponse<String> health = call("GET", "/health", null);
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(json.readTree(health.body()).path("detail").asText()).isEqualTo("kafka streams stopped");
  }

  @Test
  void shouldAnswer401WithoutAKnownKeyAnd403ForTheWrongRole() throws Exception {
    HttpResponse<String> noKey = call("GET", "/v1/thing", null);
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(noKey.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(call("GET", "/v1/thing", "guess").statusCode()).isEqualTo(401);
    HttpResponse<String> wrongRole = call("POST", "/v1/thing", "read-key");
    assertThat(wrongRole.statusCode()).isEqualTo(403);
    assertThat(json.readTree(wrongRole.body()).get("detail").asText())
        .isEqualTo("this endpoint needs a key with the role admin; the key 'reader' has the role read");
  }

  @Test
  void shouldLetAnAdminKeyRead() throws Exception {
    HttpResponse<String> response = call("GET", "/v1/thing", "admin-key");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).get("by").asText()).isEqualTo("ops");
  }

  @Test
  void shouldAnswerErrorsAsProblemJsonWithoutInternals() throws Exception {
    HttpResponse<String> bad = call("GET", "/v1/bad", "read-key");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(bad.body());
    assertThat(problem.at("/errors/0/field").asText()).isEqualTo("size");
    assertThat(problem.at("/errors/0/message").asText()).isEqualTo("must be ≥ 1 (got 0)");

    HttpResponse<String> boom = call("GET", "/v1/boom", "read-key");
    assertThat(boom.statusCode()).isEqualTo(500);
    assertThat(boom.body()).doesNotContain("secret internals").doesNotContain("IllegalStateException");

    HttpResponse<String> missing = call("GET", "/v1/nothing-here", "read-key");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json.readTree(missing.body()).get("status").asInt()).isEqualTo(404);
  }
}
