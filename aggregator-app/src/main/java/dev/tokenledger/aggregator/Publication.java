package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** What a fold publishes to {@code usage.aggregates}: a bucket's latest totals, or a purged bucket's tombstone. */
final class Publication {

  private final ProcessorContext<String, Fold> context;

  Publication(ProcessorContext<String, Fold> context) {
    this.context = context;
  }

  void publish(Subject subject, CalendarWindow window, UsageAggregate totals) {
    forward(AggregateKey.of(subject.toString(), window.period(), window.start()), totals);
  }

  void tombstone(String subjectKey, Period period, Instant start) {
    forward(AggregateKey.of(subjectKey, period, start), null);
  }

  private void forward(String key, UsageAggregate totals) {
    context.forward(new Record<>(key, new Fold.Bucket(totals), context.currentSystemTimeMs()));
  }
}
