package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server tells about itself: the routes it serves, and its OpenAPI document at /openapi.json. */
class HttpServerRoutesTest {

  @TempDir Path dir;

  private HttpServer start(String openApiDocument, Consumer<Javalin> routes) throws Exception {
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("ops", Role.ADMIN, "admin-key")));
    return HttpServer.start(new HttpServer.Options("127.0.0.1", 0, Optional.of(ApiKeys.load(keys)),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Optional::empty, new Liveness(), 1024, Map.of(), openApiDocument, Map::of), routes);
  }

  @Test
  void shouldListEveryRouteWithItsRolesAndParametersInOpenApiForm() throws Exception {
    try (HttpServer server = start("/test-app.openapi.json", app -> {
      app.get("/v1/things/{id}", ctx -> ctx.status(204), Role.READ, Role.PUBLISH);
      app.put("/v1/prices/{provider}/<model>", ctx -> ctx.status(204), Role.ADMIN);
      app.before(ctx -> { }); // not a route: no method of its own
    })) {
      assertThat(server.routes()).containsExactlyInAnyOrder(
          new HttpServer.Route("GET", "/health", Set.of()),
          new HttpServer.Route("GET", "/ready", Set.of()),
          new HttpServer.Route("GET", "/metrics", Set.of()),
          new HttpServer.Route("GET", "/openapi.json", Set.of()),
          new HttpServer.Route("GET", "/v1/things/{id}", Set.of("read", "publish")),
          new HttpServer.Route("PUT", "/v1/prices/{provider}/{model}", Set.of("admin")));
    }
  }

  @Test
  void shouldServeTheOpenApiDocumentWithoutAKey() throws Exception {
    try (HttpServer server = start("/test-app.openapi.json", app -> { });
        InputStream expected = getClass().getResourceAsStream("/test-app.openapi.json")) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/openapi.json")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/json"));
      assertThat(response.body()).isEqualTo(new String(expected.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void shouldRefuseToStartWithoutItsOpenApiDocument() {
    assertThatThrownBy(() -> start("/no-such-app.openapi.json", app -> { }))
        .hasMessageContaining("no OpenAPI document on the classpath at /no-such-app.openapi.json");
  }
}
