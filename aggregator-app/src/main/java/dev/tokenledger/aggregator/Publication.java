package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.time.ZoneId;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What a fold publishes to {@code usage.aggregates} as its stores' record caches flush: each
 * bucket that changed since the last flush, once, and a tombstone for each bucket purged.
 */
final class Publication {

  private final ProcessorContext<String, Fold> context;
  private final BucketWriter buckets;
  private final ZoneId zone;

  Publication(ProcessorContext<String, Fold> context, BucketWriter buckets, ZoneId zone) {
    this.context = context;
    this.buckets = buckets;
    this.zone = zone;
  }

  /**
   * A subject's entry as flushed, against what it was: every window it holds with new totals is
   * published; a window it no longer holds was either pushed out into the history store (already
   * published, as it was) or purged past its retention (a tombstone).
   */
  void entryFlushed(String subjectKey, SubjectBuckets now, SubjectBuckets before) {
    Subject subject = Subject.parse(subjectKey);
    long at = context.currentSystemTimeMs();
    if (now != null) {
      for (SubjectBuckets.Window window : now.windows()) {
        Totals previous = before == null ? null : before.get(window.period(), window.start());
        if (!window.totals().sameAs(previous)) {
          CalendarWindow calendar = buckets.window(SubjectBuckets.PERIODS.get(window.period()), window.start());
          publish(AggregateKey.of(subjectKey, calendar.period(), calendar.start()),
              window.totals().toAggregate(subject, calendar, zone), at);
        }
      }
    }
    if (before != null) {
      for (SubjectBuckets.Window window : before.windows()) {
        if (now == null || now.get(window.period(), window.start()) == null) {
          CalendarWindow calendar = buckets.window(SubjectBuckets.PERIODS.get(window.period()), window.start());
          if (buckets.expired(calendar, Instant.ofEpochMilli(at))) {
            publish(AggregateKey.of(subjectKey, calendar.period(), calendar.start()), null, at);
          }
        }
      }
    }
  }

  /** A history bucket as flushed: its totals, or its tombstone. */
  void historyFlushed(BucketKey key, UsageAggregate now) {
    publish(AggregateKey.of(key.subject().toString(), key.period(), key.start()), now, context.currentSystemTimeMs());
  }

  private void publish(String key, UsageAggregate totals, long at) {
    context.forward(new Record<>(key, new Fold.Bucket(totals), at));
  }
}
