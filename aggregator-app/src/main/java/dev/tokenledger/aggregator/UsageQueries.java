package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.PartitionStores;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.QueryDeadline;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads buckets from this instance's stores with interactive queries, partition by partition
 * (see {@link PartitionStores} for why not IQv2).
 */
final class UsageQueries {

  /** What this instance holds of a query across keys: the partitions it answered for, and per-key totals. */
  record Partial(Set<Integer> partitions, List<KeyTotals> totals) {}

  private final Supplier<KafkaStreams> streams;
  private final IntSupplier partitionCount;
  private final AggregatorConfig config;
  private final Clock clock;

  UsageQueries(Supplier<KafkaStreams> streams, IntSupplier partitionCount, AggregatorConfig config, Clock clock) {
    this.streams = streams;
    this.partitionCount = partitionCount;
    this.config = config;
    this.clock = clock;
  }

  /**
   * The subject's buckets of one period whose start is in {@code [fromStart, toExclusive)},
   * ascending: the windows its entry holds, and one point read in the history store for each
   * other window, from the oldest one the period's retention keeps to the newest an event can
   * have opened (the wall clock plus the allowed future skew).
   */
  List<UsageAggregate> buckets(SubjectHome.Local local, Subject subject, Period period, Instant fromStart,
      Instant toExclusive) {
    int partition = local.partition();
    SubjectHome home = local.home();
    Instant now = clock.instant();
    Instant oldestKept = CalendarWindow.containing(period, now.minus(config.retention().get(period)), config.zone()).start();
    Instant newestOpened = CalendarWindow.containing(period, now.plus(config.maxFutureSkew()), config.zone()).end();
    Instant first = fromStart.isAfter(oldestKept) ? fromStart : oldestKept;
    Instant end = toExclusive.isBefore(newestOpened) ? toExclusive : newestOpened;
    if (!first.isBefore(end)) {
      return List.of();
    }
    int p = SubjectBuckets.index(period);
    return QueryDeadline.call("the usage store", () -> {
      // A standby copy answers too: it is at most a commit interval behind the active one.
      ReadOnlyKeyValueStore<String, SubjectBuckets> entries =
          PartitionStores.<String, SubjectBuckets>of(streams.get(), home.entries(), partition, false)
              .orElseThrow(() -> notQueryable(partition));
      ReadOnlyKeyValueStore<BucketKey, UsageAggregate> history =
          PartitionStores.<BucketKey, UsageAggregate>of(streams.get(), home.history(), partition, false)
              .orElseThrow(() -> notQueryable(partition));
      List<UsageAggregate> buckets = new ArrayList<>();
      try {
        SubjectBuckets entry = entries.get(subject.toString());
        for (CalendarWindow window = CalendarWindow.containing(period, first, config.zone());
            window.start().isBefore(end); window = window.following(config.zone())) {
          Totals held = entry == null ? null : entry.get(p, window.start().toEpochMilli());
          UsageAggregate bucket = held != null ? held.toAggregate(subject, window, config.zone())
              : history.get(BucketKey.of(subject, period, window.start()));
          if (bucket != null) {
            buckets.add(bucket);
          }
        }
      } catch (InvalidStateStoreException e) {
        throw notQueryable(partition);
      }
      return buckets;
    });
  }

  private static ProblemException notQueryable(int partition) {
    return ProblemException.unavailable("partition " + partition + " of the usage store is not queryable here now", 1);
  }

  /**
   * Every key of {@code dimension} with its totals summed over the windows of {@code period}
   * starting in {@code [fromStart, toExclusive)}, from this instance's active partitions: the
   * windows the dimension's entries hold (each entry read once) and the history range of those
   * windows. A subject's buckets all live in one partition, so each key's sum is complete.
   */
  Partial totalsByKey(Dimension dimension, Period period, Instant fromStart, Instant toExclusive) {
    SubjectHome home = SubjectHome.of(dimension);
    String prefix = dimension.name().toLowerCase(Locale.ROOT);
    // Subjects are dimension:key; ';' follows ':' in byte order, so [dim:, dim;) is the dimension.
    String lowerEntry = prefix + ":";
    String upperEntry = prefix + ";";
    BucketKey lower = BucketKey.first(dimension, period, fromStart);
    BucketKey upper = BucketKey.first(dimension, period, toExclusive);
    int p = SubjectBuckets.index(period);
    long from = fromStart.toEpochMilli();
    long to = toExclusive.toEpochMilli();
    return QueryDeadline.call("the usage windows", () -> {
      Map<String, KeyTotals> byKey = new HashMap<>();
      Set<Integer> answered = new TreeSet<>();
      for (int partition = 0; partition < partitionCount.getAsInt(); partition++) {
        Optional<ReadOnlyKeyValueStore<String, SubjectBuckets>> entries =
            PartitionStores.of(streams.get(), home.entries(), partition, true);
        Optional<ReadOnlyKeyValueStore<BucketKey, UsageAggregate>> history =
            PartitionStores.of(streams.get(), home.history(), partition, true);
        // Summed apart first: a partition that moves away mid-read must not leave half its keys.
        Map<String, KeyTotals> partitionTotals = new HashMap<>();
        Consumer<UsageAggregate> add = bucket -> partitionTotals.merge(bucket.getKey(), KeyTotals.of(bucket), KeyTotals::plus);
        if (entries.isPresent() && history.isPresent()
            && readAll(entries.get(), lowerEntry, upperEntry, entry -> {
              Subject subject = Subject.parse(entry.key);
              for (SubjectBuckets.Window window : entry.value.windows()) {
                if (window.period() == p && window.start() >= from && window.start() < to) {
                  add.accept(window.totals().toAggregate(subject,
                      CalendarWindow.containing(period, Instant.ofEpochMilli(window.start()), config.zone()), config.zone()));
                }
              }
            })
            && readAll(history.get(), lower, upper, entry -> add.accept(entry.value))) {
          answered.add(partition);
          partitionTotals.forEach((key, totals) -> byKey.merge(key, totals, KeyTotals::plus));
        }
        // Not answered: held elsewhere or moving; the caller sees the gap and gives no partial result.
      }
      return new Partial(answered, List.copyOf(byKey.values()));
    });
  }

  /**
   * Reads {@code [lower, upper]}; false if the store was closed under the read (its partition
   * moved). Stops when the query's deadline passed ({@link QueryDeadline} interrupts it): a scan
   * nobody waits for must not keep one of the few query threads.
   */
  static <K, V> boolean readAll(ReadOnlyKeyValueStore<K, V> store, K lower, K upper,
      Consumer<KeyValue<K, V>> each) {
    try (KeyValueIterator<K, V> iterator = store.range(lower, upper)) {
      while (iterator.hasNext()) {
        if (Thread.currentThread().isInterrupted()) {
          throw ProblemException.unavailable("the usage windows did not answer in time", 2);
        }
        each.accept(iterator.next());
      }
      return true;
    } catch (InvalidStateStoreException e) {
      return false;
    }
  }
}
