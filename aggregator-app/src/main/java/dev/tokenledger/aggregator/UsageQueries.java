package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;

/** Reads buckets from this instance's store with interactive queries (IQv2). */
final class UsageQueries {

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
    StateQueryResult<KeyValueIterator<BucketKey, UsageAggregate>> result = streams.get().query(request);
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
}
