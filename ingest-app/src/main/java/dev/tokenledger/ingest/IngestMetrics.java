package dev.tokenledger.ingest;

import dev.tokenledger.runtime.Problem.FieldError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;

/** What ingest counts: events accepted, events rejected by their first failing field, batches by outcome. */
final class IngestMetrics {

  static final String EVENTS_ACCEPTED = "tokenledger.ingest.events.accepted";
  static final String EVENTS_REJECTED = "tokenledger.ingest.events.rejected";
  static final String BATCHES = "tokenledger.ingest.batches";

  /** How a request ended: all accepted, some, none, or the body or Kafka failed it as a whole. */
  enum Outcome { ACCEPTED, PARTIAL, REJECTED, INVALID, UNAVAILABLE }

  private final MeterRegistry registry;
  private final Counter accepted;

  IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.accepted = Counter.builder(EVENTS_ACCEPTED).description("events acknowledged by Kafka").register(registry);
  }

  void accepted(int events) {
    accepted.increment(events);
  }

  void rejected(List<FieldError> errors) {
    Counter.builder(EVENTS_REJECTED).description("events rejected, by the first field in error")
        .tag("field", tagOf(errors.get(0).field()))
        .register(registry)
        .increment();
  }

  void batch(Outcome outcome) {
    Counter.builder(BATCHES).description("POST /v1/events requests, by outcome")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  /** A misspelt field name comes from the client: one tag for all of them keeps the series bounded. */
  private static String tagOf(String field) {
    return EventParser.FIELDS.contains(field) || field.equals(EventParser.EVENT) ? field : "unknown-field";
  }
}
