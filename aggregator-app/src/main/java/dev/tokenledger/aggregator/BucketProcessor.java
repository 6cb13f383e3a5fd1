package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds each minute's totals of one subject (from {@link DeltaProcessor}) to its MINUTE, HOUR, DAY
 * and MONTH buckets and publishes every updated bucket to {@code usage.aggregates} (keyed by
 * {@link AggregateKey}). The bucket start is part of the store key, so there is no grace period and
 * no stream time that could run ahead and close a window: an event lands in its bucket whatever
 * the order it arrives in, as long as the bucket is within its period's retention.
 *
 * <p>All four buckets change or none: a total that would overflow throws before any is written,
 * and the exception handler routes the minute's totals to {@code tokens.rejected} (category
 * {@code overflow}).
 *
 * <p>Buckets past their period's retention are purged a bounded number at a time ({@value
 * #PURGE_BUDGET} per run, every {@link #PURGE_INTERVAL}), each with a tombstone on {@code
 * usage.aggregates}: a purge never takes long enough to threaten the transaction timeout,
 * however many buckets expire at once (a restart after days away, a month's end).
 */
final class BucketProcessor implements Processor<String, UsageAggregate, String, UsageAggregate> {

  static final String BUCKET_STORE = "usage-buckets";
  static final Duration PURGE_INTERVAL = Duration.ofSeconds(30);
  /** Deletions per run: a RocksDB delete, a changelog tombstone and a usage.aggregates tombstone each, tens of ms in all. */
  static final int PURGE_BUDGET = 5_000;

  /** One contiguous run of keys in the store: a dimension's buckets of one period, in time order. */
  private record Range(Dimension dimension, Period period) {}

  private static final List<Range> RANGES = AggregatorConfig.PERIODS.stream()
      .flatMap(period -> Arrays.stream(Dimension.values()).map(dimension -> new Range(dimension, period)))
      .toList();

  private final AggregatorConfig config;
  private final MeterRegistry registry;
  /** Per range, the key below which every expired bucket is known to be purged (a cursor, so runs do not re-read deleted keys). */
  private final Map<Range, BucketKey> purgedBelow = new HashMap<>();
  /** The range the last run ran out of budget in, where the next one starts. */
  private int nextRange;
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
    purgedBelow.clear();
    nextRange = 0;
    context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::purgeExpiredBuckets);
  }

  @Override
  public void close() {
    purgedBelow.clear();
  }

  @Override
  public void process(Record<String, UsageAggregate> record) {
    Subject subject = Subject.parse(record.key());
    UsageAggregate minuteDelta = record.value();
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    List<Period> expired = new ArrayList<>();
    Map<BucketKey, UsageAggregate> updated = new HashMap<>();
    for (Period period : AggregatorConfig.PERIODS) {
      CalendarWindow window = CalendarWindow.containing(period, minuteDelta.getWindowStart(), config.zone());
      if (window.end().isBefore(now.minus(config.retention().get(period)))) {
        // Already purged: the longer periods still count the events (an event past every
        // period's retention never gets here, it went to tokens.late).
        expired.add(period);
        continue;
      }
      BucketKey key = BucketKey.of(subject, period, window.start());
      UsageAggregate bucket = buckets.get(key);
      bucket = bucket == null ? UsageTotals.empty(subject, window, config.zone()) : bucket;
      try {
        UsageTotals.addInto(bucket, minuteDelta);
      } catch (ArithmeticException e) {
        throw new ArithmeticException("the " + period.name().toLowerCase(Locale.ROOT) + " bucket of " + subject
            + " from " + window.start() + " refuses the totals of the minute from " + minuteDelta.getWindowStart()
            + ": " + e.getMessage());
      }
      updated.put(key, bucket);
    }
    // Every bucket fits: only now is anything written.
    updated.forEach((key, bucket) -> {
      buckets.put(key, bucket);
      context.forward(new Record<>(AggregateKey.of(subject.toString(), key.period(), key.start()), bucket,
          record.timestamp()));
    });
    for (Period period : expired) {
      registry.counter("tokenledger.aggregator.expired.bucket.updates", "period", period.name().toLowerCase(Locale.ROOT))
          .increment(minuteDelta.getRequests());
    }
  }

  private void purgeExpiredBuckets(long wallClockMs) {
    Instant now = Instant.ofEpochMilli(wallClockMs);
    int budget = PURGE_BUDGET;
    for (int i = 0; i < RANGES.size() && budget > 0; i++) {
      int index = (nextRange + i) % RANGES.size();
      Range range = RANGES.get(index);
      // Every bucket that starts before the window holding the cutoff has ended by it.
      Instant cutoff = now.minus(config.retention().get(range.period()));
      BucketKey end = BucketKey.first(range.dimension(), range.period(),
          CalendarWindow.containing(range.period(), cutoff, config.zone()).start());
      BucketKey from = purgedBelow.getOrDefault(range,
          BucketKey.first(range.dimension(), range.period(), Instant.ofEpochMilli(Long.MIN_VALUE)));
      List<BucketKey> expired = new ArrayList<>();
      boolean more;
      try (KeyValueIterator<BucketKey, UsageAggregate> old = buckets.range(from, end)) {
        while (old.hasNext() && expired.size() < budget) {
          expired.add(old.next().key);
        }
        more = old.hasNext();
      }
      for (BucketKey key : expired) {
        buckets.delete(key);
        context.forward(new Record<>(AggregateKey.of(key.subject().toString(), key.period(), key.start()), null,
            wallClockMs));
      }
      budget -= expired.size();
      registry.counter("tokenledger.aggregator.purged.buckets", "period", range.period().name().toLowerCase(Locale.ROOT))
          .increment(expired.size());
      if (more) {
        purgedBelow.put(range, expired.get(expired.size() - 1));
        nextRange = index;
      } else {
        purgedBelow.put(range, end);
      }
    }
  }
}
