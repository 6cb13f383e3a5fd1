package dev.tokenledger.faults;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * A service posting batches to {@code POST /v1/events} as the README tells it to: on a 503 or
 * no answer it retries the same batch (same eventIds) until it is accepted.
 */
final class IngestPoster {

  /** How one batch went: attempts made and seconds from the first attempt to the 202. */
  record Delivery(int attempts, double seconds) {}

  private static final Duration GIVE_UP = Duration.ofMinutes(3);

  private final IntSupplier port;
  private final String publishKey;

  /** {@code port} is asked on every attempt: the ingest instance may be replaced in between. */
  IngestPoster(IntSupplier port, String publishKey) {
    this.port = port;
    this.publishKey = publishKey;
  }

  Delivery post(List<TokensConsumed> batch) {
    String body = json(batch);
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      Http.Answer answer = Http.send(port.getAsInt(), "POST", "/v1/events", publishKey, body, "application/json");
      if (answer.status() == 202) {
        return new Delivery(attempt, (System.nanoTime() - start) / 1e9);
      }
      if (answer.status() != 503 && answer.status() != 0) {
        throw new IllegalStateException("ingest answered " + answer.status() + ": " + answer.body());
      }
      if (System.nanoTime() - start > GIVE_UP.toNanos()) {
        throw new IllegalStateException("ingest did not accept a batch within " + GIVE_UP + "; last answer "
            + answer.status() + ": " + answer.body());
      }
      // A client's retry backoff: short, since the point is to measure how long ingestion stalls.
      LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
  }

  static String json(List<TokensConsumed> batch) {
    ArrayNode events = Http.JSON.createArrayNode();
    for (TokensConsumed e : batch) {
      ObjectNode event = events.addObject()
          .put("eventId", e.getEventId()).put("occurredAt", e.getOccurredAt().toString())
          .put("userId", e.getUserId()).put("provider", e.getProvider()).put("model", e.getModel())
          .put("inputTokens", e.getInputTokens()).put("outputTokens", e.getOutputTokens());
      if (e.getTenantId() != null) {
        event.put("tenantId", e.getTenantId());
      }
      if (e.getFeature() != null) {
        event.put("feature", e.getFeature());
      }
      if (e.getCostNanos() != null) {
        event.put("costUsd", Usd.format(e.getCostNanos()));
      }
    }
    return events.toString();
  }
}
