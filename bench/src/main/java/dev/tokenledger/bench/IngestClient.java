package dev.tokenledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Posts batches to ingest-app's {@code POST /v1/events}. A batch that could not be delivered
 * (503, 502/504, connection refused, timeout) is retried with backoff, byte for byte the same:
 * its eventIds don't change, so a batch that did reach Kafka before the failure is still counted
 * once downstream. Other answers are returned to the caller, who decides what to print.
 */
public final class IngestClient {

  /**
   * What ingest-app answered for one batch, after any retries.
   *
   * @param status the final HTTP status
   * @param accepted events accepted (from the body; the whole batch on a 2xx without counts)
   * @param rejected events the server rejected item by item (0 for a problem+json answer)
   * @param body the response body, for printing a problem
   */
  public record Result(int status, int accepted, int rejected, String body) {
    public boolean ok() {
      return status / 100 == 2;
    }
  }

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final URI eventsUri;
  private final String publishKey;
  private final HttpClient http;
  private final Backoff backoff;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Consumer<String> onRetry;

  /**
   * @param ingestBaseUrl e.g. {@code http://127.0.0.1:8081}
   * @param onRetry told the reason of each failed attempt before its retry (for progress output)
   */
  public IngestClient(URI ingestBaseUrl, String publishKey, HttpClient http, Backoff backoff,
      Consumer<String> onRetry) {
    this.eventsUri = ingestBaseUrl.resolve("/v1/events");
    this.publishKey = publishKey;
    this.http = http;
    this.backoff = backoff;
    this.onRetry = onRetry;
  }

  /**
   * Sends one batch (≤ 1000 events, the contract's limit), retrying until it is delivered or
   * the calling thread is interrupted.
   */
  public Result send(List<TrafficEvent> batch) throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(eventsUri)
        .timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + publishKey)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body(batch)))
        .build();
    for (int attempt = 1; ; attempt++) {
      Duration retryAfter = null;
      String failure;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status != 502 && status != 503 && status != 504) {
          return result(status, response.body(), batch.size());
        }
        failure = "HTTP " + status;
        retryAfter = response.headers().firstValue("Retry-After")
            .map(IngestClient::seconds).orElse(null);
      } catch (ConnectException e) {
        failure = "connection refused";
      } catch (HttpTimeoutException e) {
        failure = "timeout";
      } catch (IOException e) {
        failure = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      onRetry.accept(failure);
      Thread.sleep(backoff.delay(attempt, retryAfter).toMillis());
    }
  }

  private String body(List<TrafficEvent> batch) {
    ObjectNode root = mapper.createObjectNode();
    ArrayNode events = root.putArray("events");
    batch.forEach(event -> events.add(event.toJson()));
    try {
      return mapper.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serializes", e);
    }
  }

  private Result result(int status, String body, int batchSize) {
    JsonNode json = parse(body);
    boolean ok = status / 100 == 2;
    // 400 with per-item results carries counts too; a problem+json answer (401, 413, …) has none,
    // and then nothing was accepted and no item was judged.
    int accepted = json.path("accepted").asInt(ok ? batchSize : 0);
    int rejected = json.path("rejected").asInt(0);
    return new Result(status, accepted, rejected, body);
  }

  private JsonNode parse(String body) {
    try {
      return mapper.readTree(body == null || body.isBlank() ? "{}" : body);
    } catch (JsonProcessingException e) {
      return mapper.createObjectNode();
    }
  }

  private static Duration seconds(String retryAfter) {
    try {
      return Duration.ofSeconds(Long.parseLong(retryAfter.trim()));
    } catch (NumberFormatException e) {
      return null; // an HTTP-date: fall back to our own backoff
    }
  }
}
