package dev.tokenledger.aggregator;

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
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;

/** Reads buckets from this instance's stores with interactive queries (IQv2). */
final class UsageQueries {

  /** What this instance holds of a query across keys: the partitions it answered for, and per-key totals. */
  record Partial(Set<Integer> partitions, List<KeyTotals> totals) {}

  private final Supplier<KafkaStreams> streams;

  UsageQueries(Supplier<KafkaStreams> streams) {
    this.streams = streams;
  }

  /** The subject's buckets of one period whose start is in {@code [fromStart, toExclusive)}, ascending. */
  List<UsageAggregate> buckets(int partition, Subject subject, Period period, Instant fromStart, Instant toExclusive) {
    if (!fromStart.isBefore(toExclusive)) {
      return List.of();
    }
    BucketKey lower = BucketKey.of(subject, period, fromStart);
    BucketKey upper = BucketKey.of(subject, period, toExclusive.minusMillis(1));
    StateQueryRequest<KeyValueIterator<BucketKey, UsageAggregate>> request = StateQueryRequest
        .inStore(BucketProcessor.BUCKET_STORE)
        .withQuery(RangeQuery.<BucketKey, UsageAggregate>withRange(lower, upper))
        .withPartitions(Set.of(partition));
    StateQueryResult<KeyValueIterator<BucketKey, UsageAggregate>> result =
        QueryDeadline.call("the usage store", () -> streams.get().query(request));
    QueryResult<KeyValueIterator<BucketKey, UsageAggregate>> partitionResult =
        result.getPartitionResults().get(partition);
    if (partitionResult == null || partitionResult.isFailure()) {
      String why = partitionResult == null ? "no answer" : partitionResult.getFailureReason() + ": " + partitionResult.getFailureMessage();
      throw ProblemException.unavailable("partition " + partition + " of the usage store is not queryable here now (" + why + ")", 1);
    }
    List<UsageAggregate> buckets = new ArrayList<>();
    try (KeyValueIterator<BucketKey, UsageAggregate> iterator = partitionResult.getResult()) {
      iterator.forEachRemaining(entry -> buckets.add(entry.value));
    }
    return buckets;
  }

  /**
   * Every key of {@code dimension} with its totals summed over the windows of {@code period}
   * starting in {@code [fromStart, toExclusive)}, from this instance's active partitions. A
   * subject's buckets all live in one partition, so each key's sum is complete.
   */
  Partial totalsByKey(Dimension dimension, Period period, Instant fromStart, Instant toExclusive) {
    StateQueryRequest<KeyValueIterator<WindowKey, UsageAggregate>> request = StateQueryRequest
        .inStore(BucketProcessor.WINDOW_STORE)
        .withQuery(RangeQuery.<WindowKey, UsageAggregate>withRange(
            WindowKey.first(dimension, period, fromStart), WindowKey.first(dimension, period, toExclusive)))
        .requireActive();
    Map<String, KeyTotals> byKey = new HashMap<>();
    Set<Integer> answered = new TreeSet<>();
    QueryDeadline.call("the usage windows", () -> streams.get().query(request)).getPartitionResults()
        .forEach((partition, partitionResult) -> {
      if (partitionResult.isFailure()) {
        return; // not counted as answered: the caller sees the gap and does not present a partial result
      }
      answered.add(partition);
      try (KeyValueIterator<WindowKey, UsageAggregate> iterator = partitionResult.getResult()) {
        iterator.forEachRemaining(entry -> byKey.merge(entry.value.getKey(), KeyTotals.of(entry.value), KeyTotals::plus));
      }
    });
    return new Partial(answered, List.copyOf(byKey.values()));
  }
}
