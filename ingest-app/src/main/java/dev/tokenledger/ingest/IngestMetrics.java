package dev.tokenledger.ingest;

import dev.tokenledger.runtime.Problem.FieldError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What ingest counts: events accepted, events rejected by reason (and the first field in error),
 * batches by outcome, and how long Kafka takes to acknowledge a batch; for {@code POST /v1/traces}
 * also exports by outcome and spans by what became of them. An event made of a span counts as an
 * event too.
 */
final class IngestMetrics {

  static final String EVENTS_ACCEPTED = "tokenledger.ingest.events.accepted";
  static final String EVENTS_REJECTED = "tokenledger.ingest.events.rejected";
  static final String BATCHES = "tokenledger.ingest.batches";
  static final String PRODUCE_LATENCY = "tokenledger.ingest.produce.latency";
  static final String TRACE_EXPORTS = "tokenledger.ingest.trace.exports";
  static final String TRACE_SPANS = "tokenledger.ingest.trace.spans";

  /** Why an event was not accepted: an item in error, or a valid one Kafka did not acknowledge. */
  enum Reason { INVALID, KAFKA_UNAVAILABLE }

  /** How a request ended: all accepted, some, none, the body unreadable or too large, or Kafka unavailable. */
  enum Outcome {
    ACCEPTED, PARTIAL, REJECTED, INVALID, TOO_LARGE, UNAVAILABLE;

    /** The outcome of a request answered with an error {@code status}. */
    static Outcome ofError(int status) {
      return status == 503 ? UNAVAILABLE : status == 413 ? TOO_LARGE : INVALID;
    }
  }

  /**
   * A span of an export: its event acknowledged, refused (counted in {@code partialSuccess}), sent
   * but not acknowledged (503), or skipped for carrying no GenAI usage.
   */
  enum SpanOutcome { ACCEPTED, REJECTED, UNAVAILABLE, SKIPPED }

  /** The {@code field} tag of an event rejected as a whole, not for one of its fields. */
  private static final String NO_FIELD = "none";

  private final MeterRegistry registry;
  private final Counter accepted;

  IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.accepted = Counter.builder(EVENTS_ACCEPTED).description("events acknowledged by Kafka").register(registry);
    // Present from the start at 0, so a dashboard and an alert rule see the series before the first failure.
    rejectedCounter(Reason.KAFKA_UNAVAILABLE, NO_FIELD);
    for (Outcome outcome : Outcome.values()) {
      batchCounter(outcome);
      exportCounter(outcome);
    }
    for (SpanOutcome outcome : SpanOutcome.values()) {
      spanCounter(outcome);
    }
  }

  /** The wait from the first send of a batch to its last acknowledgement (or to giving up). */
  void produced(long nanos, boolean acked) {
    Timer.builder(PRODUCE_LATENCY).description("send-to-ack wait of one batch, by outcome")
        .tag("outcome", acked ? "acked" : "failed")
        .publishPercentiles(0.5, 0.99)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void accepted(int events) {
    accepted.increment(events);
  }

  /** An item answered with errors: counted by its first field in error. */
  void rejected(List<FieldError> errors) {
    rejectedCounter(Reason.INVALID, tagOf(errors.get(0).field())).increment();
  }

  /** A batch answered 503: its valid events were sent but not acknowledged (its invalid ones count as invalid). */
  void unavailable(int events) {
    rejectedCounter(Reason.KAFKA_UNAVAILABLE, NO_FIELD).increment(events);
  }

  void batch(Outcome outcome) {
    batchCounter(outcome).increment();
  }

  /** A {@code POST /v1/traces} request, by outcome as {@link #batch} counts {@code POST /v1/events}. */
  void export(Outcome outcome) {
    exportCounter(outcome).increment();
  }

  void spans(SpanOutcome outcome, int spans) {
    spanCounter(outcome).increment(spans);
  }

  private Counter exportCounter(Outcome outcome) {
    return Counter.builder(TRACE_EXPORTS).description("POST /v1/traces requests, by outcome")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry);
  }

  private Counter spanCounter(SpanOutcome outcome) {
    return Counter.builder(TRACE_SPANS)
        .description("spans of POST /v1/traces: with GenAI usage accepted, rejected or unavailable; skipped without")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry);
  }

  private Counter rejectedCounter(Reason reason, String field) {
    return Counter.builder(EVENTS_REJECTED).description("events not accepted, by reason and the first field in error")
        .tag("reason", reason.name().toLowerCase(Locale.ROOT))
        .tag("field", field)
        .register(registry);
  }

  private Counter batchCounter(Outcome outcome) {
    return Counter.builder(BATCHES).description("POST /v1/events requests, by outcome")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry);
  }

  /** A misspelt field name comes from the client: one tag for all of them keeps the series bounded. */
  private static String tagOf(String field) {
    if (EventParser.FIELDS.contains(field) || field.equals(EventParser.EVENT)) {
      return field;
    }
    // usage.prompt_tokens, attributes.gen_ai.usage.input_tokens: the part the client chose, by its root.
    int dot = field.indexOf('.');
    String root = dot < 0 ? field : field.substring(0, dot);
    return root.equals(ProviderUsage.FIELD) || root.equals(OtelAttributes.FIELD) ? root : "unknown-field";
  }
}
