package dev.tokenledger.alerting;

import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;

/** The alerts this instance fired, read from its active partitions of the fired-alerts store. */
final class AlertQueries {

  private final Supplier<KafkaStreams> streams;

  AlertQueries(Supplier<KafkaStreams> streams) {
    this.streams = streams;
  }

  List<UsageAlert> local(Predicate<UsageAlert> filter) {
    KafkaStreams running = streams.get();
    if (running == null || !running.state().isRunningOrRebalancing()) {
      throw ProblemException.unavailable("the alerting app is starting", 2);
    }
    // Active partitions only: with standbys on, every partition is answered by exactly one instance.
    StateQueryRequest<KeyValueIterator<String, UsageAlert>> request = StateQueryRequest
        .inStore(QuotaEvaluator.FIRED_STORE)
        .withQuery(RangeQuery.<String, UsageAlert>withNoBounds())
        .requireActive();
    StateQueryResult<KeyValueIterator<String, UsageAlert>> result = running.query(request);
    List<UsageAlert> alerts = new ArrayList<>();
    for (QueryResult<KeyValueIterator<String, UsageAlert>> partition : result.getPartitionResults().values()) {
      if (partition.isFailure()) {
        throw ProblemException.unavailable("alerts are moving between instances (" + partition.getFailureMessage() + ")", 1);
      }
      try (KeyValueIterator<String, UsageAlert> iterator = partition.getResult()) {
        iterator.forEachRemaining(entry -> {
          if (filter.test(entry.value)) {
            alerts.add(entry.value);
          }
        });
      }
    }
    return alerts;
  }
}
