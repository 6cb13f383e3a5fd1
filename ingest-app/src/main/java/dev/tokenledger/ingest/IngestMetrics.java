package dev.tokenledger.ingest;

import dev.tokenledger.runtime.Problem.FieldError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** What ingest counts: events accepted, events rejected by their first failing field, batches by outcome. */
final class IngestMetrics {

  static final String EVENTS_ACCEPTED = "tokenledger.ingest.events.accepted";
  static final String EVENTS_REJECTED = "tokenledger.ingest.events.rejected";
  static final String BATCHES = "tokenledger.ingest.batches";
  static final String PRODUCE_LATENCY = "tokenledger.ingest.produce.latency";

  /** How a request ended: all accepted, some, none, or the body or Kafka failed it as a whole. */
  enum Outcome { ACCEPTED, PARTIAL, REJECTED, INVALID, UNAVAILABLE }

  private final MeterRegistry registry;
  private final Counter accepted;

  IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.accepted = Counter.builder(EVENTS_ACCEPTED).description("events acknowledged by Kafka").register(registry);
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
    if (EventParser.FIELDS.contains(field) || field.equals(EventParser.EVENT)) {
      return field;
    }
    // usage.prompt_tokens, attributes.gen_ai.usage.input_tokens: the part the client chose, by its root.
    int dot = field.indexOf('.');
    String root = dot < 0 ? field : field.substring(0, dot);
    return root.equals(ProviderUsage.FIELD) || root.equals(OtelAttributes.FIELD) ? root : "unknown-field";
  }
}
