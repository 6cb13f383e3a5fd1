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
import java.util.Map;
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

  @Test
  void shouldAnswer503WithRetryAfterWithinTheSendTimeout() throws Exception {
    long started = System.nanoTime();

    HttpResponse<String> response = HTTP.send(request("/v1/events")
        .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"alice\",\"provider\":\"openai\",\"model\":\"gpt-4o\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
    JsonNode problem = Json.newMapper().readTree(response.body());
    assertThat(problem.get("detail").asText()).startsWith("Kafka did not acknowledge the events (")
        .endsWith("); none was accepted, retry later with the same eventIds");
    String metrics = HTTP.send(request("/metrics").GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics)
        .contains("tokenledger_ingest_events_rejected_total{app=\"ingest-app\",field=\"none\",reason=\"kafka_unavailable\"} 1.0")
        .contains("tokenledger_ingest_batches_total{app=\"ingest-app\",outcome=\"unavailable\"} 1.0");
  }

  @Test
  void shouldNotBeReady() throws Exception {
    HttpResponse<String> response = HTTP.send(request("/ready").GET().build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(503);
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
  }
}
