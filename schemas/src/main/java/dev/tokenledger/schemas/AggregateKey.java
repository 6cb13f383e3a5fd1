package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.util.Locale;

/**
 * The key of a {@code usage.aggregates} record: one bucket, {@code subject|period|windowStart}
 * ({@code user:alice|day|2026-12-07T00:00:00Z}), so that compaction keeps the latest total of every
 * bucket, not only a subject's newest one. Records are partitioned by the subject alone, the
 * default partitioner's hash of {@code user:alice}: every bucket of a subject is in one partition,
 * in the order it was updated. A bucket the aggregator purges gets a tombstone.
 */
public final class AggregateKey {

  private static final char SEPARATOR = '|';

  private AggregateKey() {}

  /** The subject as the aggregator names it: {@code dimension:key}, lower-case dimension. */
  public static String subject(UsageAggregate bucket) {
    return bucket.getDimension().name().toLowerCase(Locale.ROOT) + ":" + bucket.getKey();
  }

  public static String of(String subject, Period period, Instant windowStart) {
    return subject + SEPARATOR + period.name().toLowerCase(Locale.ROOT) + SEPARATOR + windowStart;
  }

  public static String of(UsageAggregate bucket) {
    return of(subject(bucket), bucket.getPeriod(), bucket.getWindowStart());
  }

  /** The subject of a key (a subject may itself contain the separator: the last two parts are the bucket's). */
  public static String subjectOf(String key) {
    int last = key.lastIndexOf(SEPARATOR);
    int beforeLast = last <= 0 ? -1 : key.lastIndexOf(SEPARATOR, last - 1);
    if (beforeLast <= 0) {
      throw new IllegalArgumentException("a usage.aggregates key is subject|period|windowStart (got " + key + ")");
    }
    return key.substring(0, beforeLast);
  }

  /** The partition of every bucket of {@code subject}: what the default partitioner picks for the subject as key. */
  public static int partition(String subject, int partitions) {
    return KeyPartitioner.partition(subject, partitions);
  }
}
