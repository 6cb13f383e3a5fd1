package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A running app held to the OpenAPI document it serves at {@code /openapi.json} without a key: the
 * document is valid, lists exactly the routes the app serves with the roles they need, and real
 * requests and answers fit its schemas. Every app's OpenAPI test checks these the same way, so they
 * live here once (published in service-runtime's test-jar); the tests only start their app, name
 * its title and routes, and send their requests.
 */
public final class OpenApiContract {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final int port;
  private final String name;
  private final SwaggerParseResult parsed;
  private final OpenApiInteractionValidator validator;

  private OpenApiContract(int port, String name, String document) throws IOException {
    this.port = port;
    this.name = name;
    this.parsed = new OpenAPIParser().readContents(document, null, null);
    this.validator = OpenApiInteractionValidator.createForInlineApiSpecification(closed(document)).build();
  }

  /**
   * The contract of the app listening on {@code port}, with the document it serves there.
   *
   * @param name the document's file, as failures name it (e.g. {@code ingest-app.openapi.json})
   */
  public static OpenApiContract servedAt(int port, String name) throws IOException, InterruptedException {
    return new OpenApiContract(port, name, call(port, "GET", "/openapi.json", null, null).body());
  }

  /** The app serves its document at {@code /openapi.json} without a key, as JSON with this title. */
  public void assertServedWithoutAKey(String title) throws IOException, InterruptedException {
    HttpResponse<String> response = call("GET", "/openapi.json", null, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    assertThat(JSON.readTree(response.body()).at("/info/title").asText()).isEqualTo(title);
  }

  /** The document parses without a message, as OpenAPI 3.0.3. */
  public void assertValidDocument() {
    assertThat(parsed.getMessages()).as("parser messages").isEmpty();
    assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.0.3");
  }

  /** The document lists exactly these routes, each with the roles in its {@code x-tokenledger-roles}. */
  public void assertServesExactly(Collection<HttpServer.Route> routes) {
    Set<HttpServer.Route> documented = documentedRoutes();
    Set<HttpServer.Route> served = Set.copyOf(routes);

    assertSoftly(softly -> {
      softly.assertThat(difference(served, documented)).as("served but not in " + name).isEmpty();
      softly.assertThat(difference(documented, served)).as("in " + name + " but not served").isEmpty();
    });
  }

  /** Sends the request and checks both it and the answer against the document; the answer. */
  public HttpResponse<String> assertFitsDocument(String method, String pathAndQuery, String key, String body, int status)
      throws IOException, InterruptedException {
    HttpResponse<String> response = call(method, pathAndQuery, key, body);
    assertThat(response.statusCode()).as(method + " " + pathAndQuery + " → " + response.body()).isEqualTo(status);
    String[] parts = pathAndQuery.split("\\?", 2);
    SimpleRequest.Builder request = new SimpleRequest.Builder(method, parts[0]).withBody(body);
    if (parts.length == 2) {
      for (String pair : parts[1].split("&")) {
        String[] nameValue = pair.split("=", 2);
        request.withQueryParam(nameValue[0], URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8));
      }
    }
    if (key != null) {
      request.withAuthorization("Bearer " + key);
    }
    if (body != null) {
      request.withContentType("application/json");
    }
    assertValid(method + " " + pathAndQuery, validator.validate(request.build(), answer(response)));
    return response;
  }

  /** Sends a request the document does not allow and checks only the answer against the document. */
  public void assertAnswerFitsDocument(String method, String pathAndQuery, String key, String body, int status)
      throws IOException, InterruptedException {
    HttpResponse<String> response = call(method, pathAndQuery, key, body);
    assertThat(response.statusCode()).as(method + " " + pathAndQuery + " → " + response.body()).isEqualTo(status);
    assertValid(method + " " + pathAndQuery + " → " + status, validator.validateResponse(
        pathAndQuery.split("\\?", 2)[0], Request.Method.valueOf(method), answer(response)));
  }

  /** Sends a request to the app, with {@code key} as its bearer token and {@code body} as JSON when not null. */
  public HttpResponse<String> call(String method, String pathAndQuery, String key, String body)
      throws IOException, InterruptedException {
    return call(port, method, pathAndQuery, key, body);
  }

  private static HttpResponse<String> call(int port, String method, String pathAndQuery, String key, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SimpleResponse answer(HttpResponse<String> response) {
    SimpleResponse.Builder answer = SimpleResponse.Builder.status(response.statusCode()).withBody(response.body());
    response.headers().map().forEach(answer::withHeader);
    return answer.build();
  }

  private static void assertValid(String exchange, ValidationReport report) {
    assertThat(report.hasErrors()).as(exchange + ":\n" + SimpleValidationReportFormat.getInstance().apply(report)).isFalse();
  }

  /**
   * The document with every object schema that names its properties closed to them, wherever it
   * sits (components, inline request and answer bodies, nested properties, items, allOf/oneOf/anyOf
   * members, map values), so an answer carrying an undocumented field fails here. The served
   * document stays open, for clients' forward compatibility. The validator's own
   * {@code validation.schema.additionalProperties} does not reach map values, hence this walk.
   */
  private static String closed(String document) throws IOException {
    JsonNode api = JSON.readTree(document);
    close(api);
    return JSON.writeValueAsString(api);
  }

  private static void close(JsonNode node) {
    if (node.isArray()) {
      node.forEach(OpenApiContract::close);
    } else if (node.isObject()) {
      if (node.path("properties").isObject() && !node.has("additionalProperties")) {
        ((ObjectNode) node).put("additionalProperties", false);
      }
      node.fields().forEachRemaining(field -> {
        switch (field.getKey()) {
          case "example", "examples", "default", "enum" -> { } // values, not schemas
          case "properties" -> field.getValue().forEach(OpenApiContract::close); // names, each to a schema
          default -> close(field.getValue());
        }
      });
    }
  }

  @SuppressWarnings("unchecked")
  private Set<HttpServer.Route> documentedRoutes() {
    Set<HttpServer.Route> routes = new HashSet<>();
    parsed.getOpenAPI().getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
      Object roles = operation.getExtensions() == null ? null : operation.getExtensions().get("x-tokenledger-roles");
      routes.add(new HttpServer.Route(method.name(), path, roles == null ? Set.of() : Set.copyOf((List<String>) roles)));
    }));
    return routes;
  }

  private static Set<HttpServer.Route> difference(Set<HttpServer.Route> from, Set<HttpServer.Route> remove) {
    Set<HttpServer.Route> rest = new HashSet<>(from);
    rest.removeAll(remove);
    return rest;
  }
}
