package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IngestClientTest {

  /** A canned answer; the server gives them in order and repeats the last. */
  private record Answer(int status, String body, String retryAfter) {}

  private record Received(String authorization, String contentType, JsonNode body) {}

  private final ObjectMapper mapper = new ObjectMapper();
  private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<String> retries = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private IngestClient client;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/events", this::handle);
    server.start();
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    client = new IngestClient(base, "test-publish-key", HttpClient.newHttpClient(),
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(20)), retries::add);
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] request = exchange.getRequestBody().readAllBytes();
    received.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"),
        exchange.getRequestHeaders().getFirst("Content-Type"), mapper.readTree(request)));
    Answer answer = answers.size() > 1 ? answers.poll() : answers.peek();
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    if (answer.retryAfter() != null) {
      exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
    }
    exchange.sendResponseHeaders(answer.status(), body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  private static List<TrafficEvent> batch(int size) {
    return new DemoTraffic(new SplittableRandom(1)).next(size);
  }

  private static List<String> eventIds(JsonNode body) {
    return StreamSupport.stream(body.get("events").spliterator(), false)
        .map(e -> e.get("eventId").asText()).toList();
  }

  @Test
  void shouldRetryTheSameBatchAfter503() throws InterruptedException {
    // Retry-After 1 s is longer than the test backoff's cap, so it also proves the cap holds.
    answers.add(new Answer(503, "{\"title\":\"Kafka unavailable\"}", "1"));
    answers.add(new Answer(202, "{\"accepted\":3,\"rejected\":0,\"results\":[]}", null));
    List<TrafficEvent> batch = batch(3);

    IngestClient.Result result = client.send(batch);

    assertThat(result.status()).isEqualTo(202);
    assertThat(result.accepted()).isEqualTo(3);
    assertThat(retries).containsExactly("HTTP 503");
    assertThat(received).hasSize(2);
    List<String> sentIds = batch.stream().map(e -> e.eventId().toString()).toList();
    assertThat(received).allSatisfy(r -> {
      assertThat(r.authorization()).isEqualTo("Bearer test-publish-key");
      assertThat(r.contentType()).isEqualTo("application/json");
      assertThat(eventIds(r.body())).containsExactlyElementsOf(sentIds);
    });
    assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
  }

  @Test
  void shouldReturnA4xxWithoutRetrying() throws InterruptedException {
    String problem = "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401}";
    answers.add(new Answer(401, problem, null));

    IngestClient.Result result = client.send(batch(2));

    assertThat(result.ok()).isFalse();
    assertThat(result.status()).isEqualTo(401);
    assertThat(result.accepted()).isZero();
    assertThat(result.body()).isEqualTo(problem);
    assertThat(received).hasSize(1);
    assertThat(retries).isEmpty();
  }

  @Test
  void shouldReportPerItemRejections() throws InterruptedException {
    answers.add(new Answer(202, "{\"accepted\":1,\"rejected\":1,\"results\":[]}", null));

    IngestClient.Result result = client.send(batch(2));

    assertThat(result.ok()).isTrue();
    assertThat(result.accepted()).isEqualTo(1);
    assertThat(result.rejected()).isEqualTo(1);
  }

  @Test
  void shouldRetryWhenTheConnectionIsRefused() throws Exception {
    // Take a free port and close it, so the first attempts are refused; then serve on it.
    int port;
    try (var socket = new java.net.ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    List<String> refused = new ArrayList<>();
    HttpServer[] late = new HttpServer[1];
    IngestClient refusedClient = new IngestClient(URI.create("http://127.0.0.1:" + port),
        "k", HttpClient.newHttpClient(), new Backoff(Duration.ofMillis(1), Duration.ofMillis(20)),
        why -> {
          refused.add(why);
          if (late[0] == null) {
            try {
              late[0] = HttpServer.create(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
            late[0].createContext("/v1/events", this::handle);
            late[0].start();
          }
        });
    answers.add(new Answer(202, "{\"accepted\":1,\"rejected\":0}", null));

    try {
      IngestClient.Result result = refusedClient.send(batch(1));

      assertThat(result.accepted()).isEqualTo(1);
      assertThat(refused).containsExactly("connection refused");
      assertThat(received).hasSize(1);
    } finally {
      late[0].stop(0);
    }
  }
}
