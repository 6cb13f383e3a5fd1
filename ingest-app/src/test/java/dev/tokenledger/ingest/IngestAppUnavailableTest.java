package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The app with no broker behind it: not ready, and every publish answered 503 in bounded time. */
class IngestAppUnavailableTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static RunningApp app;

  @BeforeAll
  static void startWithoutABroker() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    app = IngestApp.start(Settings.of("/ingest-app.properties", Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:" + closedPort,
        "tokenledger.topics.create-on-start", "false",
        "tokenledger.auth.enabled", "false",
        "tokenledger.ingest.send-timeout", "2s",
        "tokenledger.shutdown.timeout", "1s",
        "tokenledger.http.port", "0")));
  }

  @AfterAll
  static void stopApp() {
    if (app != null) {
      app.close();
    }
  }

  private static final String UNAVAILABLE =
      "tokenledger_ingest_events_rejected_total{app=\"ingest-app\",field=\"none\",reason=\"kafka_unavailable\"}";
  private static final String INVALID_INPUT_TOKENS =
      "tokenledger_ingest_events_rejected_total{app=\"ingest-app\",field=\"inputTokens\",reason=\"invalid\"}";
  private static final String UNAVAILABLE_BATCHES = "tokenledger_ingest_batches_total{app=\"ingest-app\",outcome=\"unavailable\"}";

  @Test
  void shouldAnswer503WithRetryAfterWithinTheSendTimeout() throws Exception {
    Map<String, Double> before = samples();
    long started = System.nanoTime();

    HttpResponse<String> response = post("{\"userId\":\"alice\",\"provider\":\"openai\",\"model\":\"gpt-4o\"}");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
    JsonNode problem = Json.newMapper().readTree(response.body());
    assertThat(problem.get("detail").asText()).startsWith("Kafka did not acknowledge the events (")
        .endsWith("); none was accepted, retry later with the same eventIds");
    Map<String, Double> after = samples();
    assertThat(after.get(UNAVAILABLE) - before.get(UNAVAILABLE)).isEqualTo(1);
    assertThat(after.get(UNAVAILABLE_BATCHES) - before.get(UNAVAILABLE_BATCHES)).isEqualTo(1);
  }

  @Test
  void shouldCountOnlyTheSentEventsAsKafkaUnavailableAndTheInvalidOnesByField() throws Exception {
    Map<String, Double> before = samples();

    HttpResponse<String> response = post("[" + event(5) + "," + event(7) + "," + event(-5) + "]");

    assertThat(response.statusCode()).isEqualTo(503);
    Map<String, Double> after = samples();
    assertThat(after.get(UNAVAILABLE) - before.get(UNAVAILABLE)).isEqualTo(2);
    assertThat(after.get(INVALID_INPUT_TOKENS) - before.getOrDefault(INVALID_INPUT_TOKENS, 0.0)).isEqualTo(1);
    assertThat(after.get(UNAVAILABLE_BATCHES) - before.get(UNAVAILABLE_BATCHES)).isEqualTo(1);
  }

  @Test
  void shouldAnswerAnOtlpExport503WithRetryAfterSoTheExporterRetries() throws Exception {
    String spans = "tokenledger_ingest_trace_spans_total{app=\"ingest-app\",outcome=\"unavailable\"}";
    String exports = "tokenledger_ingest_trace_exports_total{app=\"ingest-app\",outcome=\"unavailable\"}";
    Map<String, Double> before = samples();
    long end = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    String body = """
        {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
          "spanId":"eee19b7ec3c1b174","name":"chat gpt-4o","startTimeUnixNano":"%d","endTimeUnixNano":"%d",
          "attributes":[{"key":"user.id","value":{"stringValue":"alice"}},
            {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
            {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
            {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}]}]}]}]}""".formatted(end - 1_000_000, end);

    HttpResponse<String> response = HTTP.send(request("/v1/traces").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

    // OTLP/HTTP exporters retry 503, after Retry-After when it is sent.
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
    Map<String, Double> after = samples();
    assertThat(after.get(spans) - before.get(spans)).isEqualTo(1);
    assertThat(after.get(exports) - before.get(exports)).isEqualTo(1);
  }

  @Test
  void shouldNotBeReady() throws Exception {
    HttpResponse<String> response = HTTP.send(request("/ready").GET().build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(503);
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(request("/v1/events").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String event(long inputTokens) {
    return """
        {"userId":"alice","provider":"anthropic","model":"claude-sonnet-4","inputTokens":%d,"outputTokens":1}"""
        .formatted(inputTokens);
  }

  /** The scrape's samples by series, to compare before and after: the tests share the app's counters. */
  private static Map<String, Double> samples() throws Exception {
    Map<String, Double> samples = new HashMap<>();
    HTTP.send(request("/metrics").GET().build(), HttpResponse.BodyHandlers.ofString()).body().lines()
        .filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(line -> {
          int space = line.lastIndexOf(' ');
          samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        });
    return samples;
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
  }
}
