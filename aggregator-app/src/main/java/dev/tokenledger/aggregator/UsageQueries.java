package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.PartitionStores;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.QueryDeadline;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

  UsageQueries(Supplier<KafkaStreams> streams, IntSupplier partitionCount) {
    this.streams = streams;
    this.partitionCount = partitionCount;
  }

  /** The subject's buckets of one period whose start is in {@code [fromStart, toExclusive)}, ascending. */
  List<UsageAggregate> buckets(int partition, Subject subject, Period period, Instant fromStart, Instant toExclusive) {
    if (!fromStart.isBefore(toExclusive)) {
      return List.of();
    }
    BucketKey lower = BucketKey.of(subject, period, fromStart);
    BucketKey upper = BucketKey.of(subject, period, toExclusive.minusMillis(1));
    return QueryDeadline.call("the usage store", () -> {
      // A standby copy answers too: it is at most a commit interval behind the active one.
      Optional<ReadOnlyKeyValueStore<BucketKey, UsageAggregate>> store =
          PartitionStores.of(streams.get(), BucketProcessor.BUCKET_STORE, partition, false);
      List<UsageAggregate> buckets = new ArrayList<>();
      boolean read = store.isPresent() && readAll(store.get(), lower, upper, entry -> buckets.add(entry.value));
      if (!read) {
        throw ProblemException.unavailable("partition " + partition + " of the usage store is not queryable here now", 1);
      }
      return buckets;
    });
  }

  /**
   * Every key of {@code dimension} with its totals summed over the windows of {@code period}
   * starting in {@code [fromStart, toExclusive)}, from this instance's active partitions. A
   * subject's buckets all live in one partition, so each key's sum is complete.
   */
  Partial totalsByKey(Dimension dimension, Period period, Instant fromStart, Instant toExclusive) {
    WindowKey lower = WindowKey.first(dimension, period, fromStart);
    WindowKey upper = WindowKey.first(dimension, period, toExclusive);
    return QueryDeadline.call("the usage windows", () -> {
      Map<String, KeyTotals> byKey = new HashMap<>();
      Set<Integer> answered = new TreeSet<>();
      for (int partition = 0; partition < partitionCount.getAsInt(); partition++) {
        Optional<ReadOnlyKeyValueStore<WindowKey, UsageAggregate>> store =
            PartitionStores.of(streams.get(), BucketProcessor.WINDOW_STORE, partition, true);
        // Summed apart first: a partition that moves away mid-read must not leave half its keys.
        Map<String, KeyTotals> partitionTotals = new HashMap<>();
        if (store.isPresent() && readAll(store.get(), lower, upper,
            entry -> partitionTotals.merge(entry.value.getKey(), KeyTotals.of(entry.value), KeyTotals::plus))) {
          answered.add(partition);
          partitionTotals.forEach((key, totals) -> byKey.merge(key, totals, KeyTotals::plus));
        }
        // Not answered: held elsewhere or moving; the caller sees the gap and gives no partial result.
      }
      return new Partial(answered, List.copyOf(byKey.values()));
    });
  }

  /** Reads {@code [lower, upper]}; false if the store was closed under the read (its partition moved). */
  private static <K> boolean readAll(ReadOnlyKeyValueStore<K, UsageAggregate> store, K lower, K upper,
      Consumer<KeyValue<K, UsageAggregate>> each) {
    try (KeyValueIterator<K, UsageAggregate> iterator = store.range(lower, upper)) {
      iterator.forEachRemaining(each);
      return true;
    } catch (InvalidStateStoreException e) {
      return false;
    }
  }
}
