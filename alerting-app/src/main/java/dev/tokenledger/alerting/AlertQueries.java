package dev.tokenledger.alerting;

import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.QueryDeadline;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;

/** Reads this instance's alerting stores with interactive queries (IQv2). */
final class AlertQueries {

  /** Alerts from bucket updates and from single requests live in stores of their own. */
  private static final List<String> FIRED_STORES = List.of(QuotaEvaluator.FIRED_STORE, RequestEvaluator.FIRED_REQUEST_STORE);

  private final Supplier<KafkaStreams> streams;

  AlertQueries(Supplier<KafkaStreams> streams) {
    this.streams = streams;
  }

  /** The alerts fired in this instance's active partitions that pass {@code filter}. */
  List<UsageAlert> local(Predicate<UsageAlert> filter) {
    List<UsageAlert> alerts = new ArrayList<>();
    for (String store : FIRED_STORES) {
      // Active partitions only: with standbys on, every partition is answered by exactly one instance.
      StateQueryRequest<KeyValueIterator<String, UsageAlert>> request = StateQueryRequest.inStore(store)
          .withQuery(RangeQuery.<String, UsageAlert>withNoBounds()).requireActive();
      KafkaStreams running = running();
      for (QueryResult<KeyValueIterator<String, UsageAlert>> partition
          : QueryDeadline.call("the alerts", () -> running.query(request)).getPartitionResults().values()) {
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
    }
    return alerts;
  }

  /** A subject's latest totals from the partition that holds it: a current-usage or day-totals entry. */
  UsageAggregate usage(String store, int partition, String key) {
    StateQueryRequest<UsageAggregate> request = StateQueryRequest.inStore(store)
        .withQuery(KeyQuery.<String, UsageAggregate>withKey(key)).withPartitions(Set.of(partition));
    KafkaStreams running = running();
    StateQueryResult<UsageAggregate> result = QueryDeadline.call("the usage of this subject", () -> running.query(request));
    QueryResult<UsageAggregate> answer = result.getPartitionResults().get(partition);
    if (answer == null || answer.isFailure()) {
      throw ProblemException.unavailable("the usage of this subject is not queryable here now"
          + (answer == null ? "" : " (" + answer.getFailureMessage() + ")"), 1);
    }
    return answer.getResult();
  }

  private KafkaStreams running() {
    KafkaStreams running = streams.get();
    if (running == null || !running.state().isRunningOrRebalancing()) {
      throw ProblemException.unavailable("the alerting app is starting", 2);
    }
    return running;
  }
}
