package dev.tokenledger.alerting;

import dev.tokenledger.runtime.PartitionStores;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.QueryDeadline;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads this instance's alerting stores with interactive queries, partition by partition (see
 * {@link PartitionStores} for why not IQv2).
 */
final class AlertQueries {

  private final Supplier<KafkaStreams> streams;
  /** Alerts from bucket updates and from single requests live in stores of their own, with their input's partitions. */
  private final Map<String, Integer> firedStorePartitions;

  AlertQueries(Supplier<KafkaStreams> streams, int usageAggregatePartitions, int tokensConsumedPartitions) {
    this.streams = streams;
    this.firedStorePartitions = Map.of(QuotaEvaluator.FIRED_STORE, usageAggregatePartitions,
        RequestEvaluator.FIRED_REQUEST_STORE, tokensConsumedPartitions);
  }

  /**
   * The alerts fired in this instance's active partitions that pass {@code filter}: with standbys
   * on, every partition is answered by exactly one instance.
   */
  List<UsageAlert> local(Predicate<UsageAlert> filter) {
    KafkaStreams running = running();
    return QueryDeadline.call("the alerts", () -> {
      List<UsageAlert> alerts = new ArrayList<>();
      firedStorePartitions.forEach((store, partitions) -> {
        for (int partition = 0; partition < partitions; partition++) {
          Optional<ReadOnlyKeyValueStore<String, UsageAlert>> alertsOfPartition =
              PartitionStores.of(running, store, partition, true);
          if (alertsOfPartition.isEmpty()) {
            continue; // active elsewhere
          }
          try (KeyValueIterator<String, UsageAlert> iterator = alertsOfPartition.get().all()) {
            iterator.forEachRemaining(entry -> {
              if (filter.test(entry.value)) {
                alerts.add(entry.value);
              }
            });
          } catch (InvalidStateStoreException e) {
            throw ProblemException.unavailable("alerts are moving between instances (" + e.getMessage() + ")", 1);
          }
        }
      });
      return alerts;
    });
  }

  /** A subject's latest totals from the partition that holds it: a current-usage or day-totals entry. */
  UsageAggregate usage(String store, int partition, String key) {
    KafkaStreams running = running();
    return QueryDeadline.call("the usage of this subject", () -> {
      Optional<ReadOnlyKeyValueStore<String, UsageAggregate>> usage = PartitionStores.of(running, store, partition, false);
      try {
        if (usage.isPresent()) {
          return usage.get().get(key);
        }
      } catch (InvalidStateStoreException e) {
        // moved away during the read: as if it had not been here
      }
      throw ProblemException.unavailable("the usage of this subject is not queryable here now", 1);
    });
  }

  private KafkaStreams running() {
    KafkaStreams running = streams.get();
    if (running == null || !running.state().isRunningOrRebalancing()) {
      throw ProblemException.unavailable("the alerting app is starting", 2);
    }
    return running;
  }
}
