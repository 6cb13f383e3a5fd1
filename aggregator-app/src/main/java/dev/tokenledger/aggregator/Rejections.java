package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.RejectedRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * How the aggregator's processors send a record to {@code tokens.rejected}: as it came, with the
 * reason ({@link RejectedRecord}), stamped with the routing time, counted by reason.
 */
final class Rejections {

  static final String METRIC = "tokenledger.aggregator.events.rejected";

  /** Why: the {@code tl.error.category} header and the metric's {@code reason}. */
  enum Reason {
    INVALID, UNDECODABLE, FUTURE, OVERFLOW;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String application;
  private final Counter rejected;
  private final Map<Reason, Counter> byReason = new EnumMap<>(Reason.class);

  Rejections(String application, MeterRegistry registry) {
    this.application = application;
    this.rejected = registry.counter("tokenledger.aggregator.events", "outcome", "rejected");
    // Every reason from the start at 0, so a dashboard shows the series before the first rejection.
    for (Reason reason : Reason.values()) {
      // A name of its own: Prometheus drops a meter whose tag keys differ from another of the same name.
      byReason.put(reason, registry.counter(METRIC, "reason", reason.tag()));
    }
  }

  /**
   * The rejected copy of the record being processed (read at {@code context}'s record metadata),
   * counted: the caller forwards it, stamped with the routing time.
   */
  RejectedRecord reject(ProcessorContext<?, ?> context, byte[] key, byte[] value, Headers headers, long timestamp,
      Reason reason, String why) {
    rejected.increment();
    byReason.get(reason).increment();
    RejectedRecord.Source source = context.recordMetadata()
        .map(meta -> new RejectedRecord.Source(meta.topic(), meta.partition(), meta.offset(), timestamp))
        .orElse(new RejectedRecord.Source(null, -1, -1, timestamp));
    return RejectedRecord.of(key, value, headers, source, application, reason.tag(), why);
  }

  /** Forwards the rejected copy of the record being processed, as an {@link Intake.Rejected}. */
  void route(ProcessorContext<String, Intake> context, byte[] key, byte[] value, Headers headers, long timestamp,
      Reason reason, String why) {
    RejectedRecord copy = reject(context, key, value, headers, timestamp, reason, why);
    context.forward(new Record<>(null, new Intake.Rejected(copy), context.currentSystemTimeMs(), copy.headers()));
  }
}
