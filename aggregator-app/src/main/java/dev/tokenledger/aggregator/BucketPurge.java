package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forgets buckets past their period's retention, a bounded amount a run ({@value #BUDGET} stores
 * writes, every {@link #INTERVAL}): however many expire at once (a restart after days away, the
 * end of a month), a run takes a bounded time, far inside the transaction timeout. Each purged
 * bucket gets its tombstone on {@code usage.aggregates}. An entry the fold holds for the next
 * commit is purged there, so that the commit does not write back what the purge dropped.
 *
 * <p>History buckets are read in key order, (dimension, period, start), so only expired ones are
 * read, from a cursor per (dimension, period) that spares a run the keys the last one deleted.
 * Entries are visited round-robin from a cursor, {@value #BUDGET} a run: an idle subject's
 * windows leave its entry within one round past their retention. The cursors live in memory and
 * start over in {@code init} (a revived task's store may hold again what an aborted run deleted).
 */
final class BucketPurge {

  static final Duration INTERVAL = Duration.ofSeconds(30);
  /** Deletions and entry reads per run: tens of milliseconds in all. */
  static final int BUDGET = 5_000;

  /** One contiguous run of history keys: a dimension's buckets of one period, in time order. */
  private record Range(Dimension dimension, Period period) {}

  private final AggregatorConfig config;
  private final BucketWriter writer;
  private final KeyValueStore<String, SubjectBuckets> entries;
  private final KeyValueStore<BucketKey, UsageAggregate> history;
  private final Publication publication;
  private final List<Range> ranges;
  private final MeterRegistry registry;
  private final Map<Range, BucketKey> purgedBelow = new HashMap<>();
  private int nextRange;
  /** The entry key the next round-robin visit starts after; null: from the first. */
  private String entriesFrom;

  /**
   * @param writer the fold's writer, holding the entries of the next commit
   * @param dimensions the dimensions the stores hold
   */
  BucketPurge(AggregatorConfig config, BucketWriter writer, KeyValueStore<String, SubjectBuckets> entries,
      KeyValueStore<BucketKey, UsageAggregate> history, Publication publication, List<Dimension> dimensions,
      MeterRegistry registry) {
    this.config = config;
    this.writer = writer;
    this.entries = entries;
    this.history = history;
    this.publication = publication;
    this.registry = registry;
    this.ranges = AggregatorConfig.PERIODS.stream()
        .flatMap(period -> dimensions.stream().map(dimension -> new Range(dimension, period))).toList();
  }

  void run(long wallClockMs) {
    Instant now = Instant.ofEpochMilli(wallClockMs);
    purgeHistory(now);
    purgeEntries(now);
  }

  private void purgeHistory(Instant now) {
    int budget = BUDGET;
    for (int i = 0; i < ranges.size() && budget > 0; i++) {
      int index = (nextRange + i) % ranges.size();
      Range range = ranges.get(index);
      // Every bucket that starts before the window holding the cutoff has ended by it.
      Instant cutoff = now.minus(config.retention().get(range.period()));
      BucketKey end = BucketKey.first(range.dimension(), range.period(),
          CalendarWindow.containing(range.period(), cutoff, config.zone()).start());
      BucketKey from = purgedBelow.getOrDefault(range,
          BucketKey.first(range.dimension(), range.period(), Instant.ofEpochMilli(Long.MIN_VALUE)));
      List<BucketKey> expired = new ArrayList<>();
      boolean more;
      try (KeyValueIterator<BucketKey, UsageAggregate> old = history.range(from, end)) {
        while (old.hasNext() && expired.size() < budget) {
          expired.add(old.next().key);
        }
        more = old.hasNext();
      }
      for (BucketKey key : expired) {
        history.delete(key);
        publication.tombstone(key.subject().toString(), key.period(), key.start());
      }
      budget -= expired.size();
      count(range.period(), expired.size());
      if (more) {
        purgedBelow.put(range, expired.get(expired.size() - 1));
        nextRange = index;
      } else {
        purgedBelow.put(range, end);
      }
    }
  }

  private void purgeEntries(Instant now) {
    List<KeyValue<String, SubjectBuckets>> visited = new ArrayList<>();
    boolean wrapped;
    try (KeyValueIterator<String, SubjectBuckets> next = entriesFrom == null ? entries.all()
        : entries.range(entriesFrom, null)) {
      while (next.hasNext() && visited.size() < BUDGET) {
        KeyValue<String, SubjectBuckets> entry = next.next();
        if (!entry.key.equals(entriesFrom)) {
          visited.add(entry);
        }
      }
      wrapped = !next.hasNext();
    }
    for (KeyValue<String, SubjectBuckets> visit : visited) {
      SubjectBuckets held = writer.pendingEntry(visit.key);
      SubjectBuckets entry = held != null ? held : visit.value;
      int dropped = 0;
      for (int p = 0; p < AggregatorConfig.PERIODS.size(); p++) {
        Period period = AggregatorConfig.PERIODS.get(p);
        Instant cutoff = now.minus(config.retention().get(period));
        List<Long> starts = entry.dropStartingBefore(p,
            CalendarWindow.containing(period, cutoff, config.zone()).start().toEpochMilli());
        for (long start : starts) {
          publication.tombstone(visit.key, period, Instant.ofEpochMilli(start));
        }
        count(period, starts.size());
        dropped += starts.size();
      }
      if (dropped > 0 && held == null) {
        if (entry.isEmpty()) {
          entries.delete(visit.key);
        } else {
          entries.put(visit.key, entry);
        }
      }
    }
    entriesFrom = wrapped || visited.isEmpty() ? null : visited.get(visited.size() - 1).key;
  }

  private void count(Period period, int purged) {
    registry.counter("tokenledger.aggregator.purged.buckets", "period", period.name().toLowerCase(Locale.ROOT))
        .increment(purged);
  }
}
