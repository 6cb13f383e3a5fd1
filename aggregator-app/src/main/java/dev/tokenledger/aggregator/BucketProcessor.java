package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds each minute's totals of one subject (from {@link DeltaProcessor}) to its MINUTE, HOUR, DAY
 * and MONTH buckets and publishes every updated bucket. The bucket start is part of the store key, so there is no grace period and no
 * stream time that could run ahead and close a window: an event lands in its bucket whatever the
 * order it arrives in, as long as the bucket is within its period's retention.
 */
final class BucketProcessor implements Processor<String, UsageAggregate, String, UsageAggregate> {

  static final String BUCKET_STORE = "usage-buckets";
  private static final Duration PURGE_INTERVAL = Duration.ofMinutes(10);

  private final AggregatorConfig config;
  private final MeterRegistry registry;
  private ProcessorContext<String, UsageAggregate> context;
  private KeyValueStore<BucketKey, UsageAggregate> buckets;

  BucketProcessor(AggregatorConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, UsageAggregate> context) {
    this.context = context;
    this.buckets = context.getStateStore(BUCKET_STORE);
    context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::purgeExpiredBuckets);
  }

  @Override
  public void process(Record<String, UsageAggregate> record) {
    Subject subject = Subject.parse(record.key());
    UsageAggregate minuteDelta = record.value();
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    for (Period period : AggregatorConfig.PERIODS) {
      CalendarWindow window = CalendarWindow.containing(period, minuteDelta.getWindowStart(), config.zone());
      if (window.end().isBefore(now.minus(config.retention().get(period)))) {
        // Already purged: the longer periods still count the events (an event past every
        // period's retention never gets here, it went to tokens.late).
        registry.counter("tokenledger.aggregator.expired.bucket.updates", "period", period.name().toLowerCase())
            .increment(minuteDelta.getRequests());
        continue;
      }
      BucketKey key = BucketKey.of(subject, period, window.start());
      UsageAggregate current = buckets.get(key);
      UsageAggregate updated = current == null ? UsageTotals.empty(subject, window, config.zone()) : current;
      UsageTotals.addInto(updated, minuteDelta);
      buckets.put(key, updated);
      context.forward(record.withValue(updated));
    }
  }

  private void purgeExpiredBuckets(long wallClockMs) {
    Instant now = Instant.ofEpochMilli(wallClockMs);
    List<BucketKey> expired = new ArrayList<>();
    for (Dimension dimension : Dimension.values()) {
      for (Period period : AggregatorConfig.PERIODS) {
        Instant cutoff = now.minus(config.retention().get(period));
        // Keys are in time order within a dimension and period: only the old ones are read.
        try (KeyValueIterator<BucketKey, UsageAggregate> old = buckets.range(
            BucketKey.first(dimension, period, Instant.ofEpochMilli(Long.MIN_VALUE)), BucketKey.first(dimension, period, cutoff))) {
          old.forEachRemaining(entry -> {
            if (entry.value.getWindowEnd().isBefore(cutoff)) {
              expired.add(entry.key);
            }
          });
        }
      }
    }
    expired.forEach(buckets::delete);
  }
}
