package dev.tokenledger.alerting;

import dev.tokenledger.runtime.PartitionStores;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.QueryDeadline;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads this instance's alerting stores with interactive queries, partition by partition (see
 * {@link PartitionStores} for why not IQv2).
 */
final class AlertQueries {

  /** Alerts from bucket updates and from single requests: stores of their own, with their input's partitions. */
  private record AlertStores(String alerts, String index, int partitions) {}

  private final Supplier<KafkaStreams> streams;
  private final List<AlertStores> alertStores;

  AlertQueries(Supplier<KafkaStreams> streams, int usageAggregatePartitions, int tokensConsumedPartitions) {
    this.streams = streams;
    this.alertStores = List.of(
        new AlertStores(QuotaEvaluator.FIRED_STORE, QuotaEvaluator.FIRED_INDEX_STORE, usageAggregatePartitions),
        new AlertStores(RequestEvaluator.FIRED_REQUEST_STORE, RequestEvaluator.FIRED_REQUEST_INDEX_STORE,
            tokensConsumedPartitions));
  }

  /**
   * The newest alerts, at most {@code limit}, fired at or after {@code since} in this instance's
   * active partitions that pass {@code filter}: with standbys on, every partition is answered by
   * exactly one instance. Reads the time index from {@code since} on, never a whole store.
   */
  List<UsageAlert> local(Instant since, int limit, Predicate<UsageAlert> filter) {
    KafkaStreams running = running();
    return QueryDeadline.call("the alerts", () -> {
      List<UsageAlert> alerts = new ArrayList<>();
      for (AlertStores stores : alertStores) {
        for (int partition = 0; partition < stores.partitions(); partition++) {
          Optional<ReadOnlyKeyValueStore<String, UsageAlert>> fired = PartitionStores.of(running, stores.alerts(), partition, true);
          Optional<ReadOnlyKeyValueStore<String, String>> index = PartitionStores.of(running, stores.index(), partition, true);
          if (fired.isEmpty() || index.isEmpty()) {
            continue; // active elsewhere
          }
          try {
            alerts.addAll(AlertBook.firedSince(fired.get(), index.get(), since, limit, filter));
          } catch (InvalidStateStoreException e) {
            throw ProblemException.unavailable("alerts are moving between instances (" + e.getMessage() + ")", 1);
          }
        }
      }
      return alerts;
    });
  }

  /** One alert, if one of this instance's active partitions holds it: a lookup per partition. */
  Optional<UsageAlert> localById(String alertId) {
    KafkaStreams running = running();
    return QueryDeadline.call("the alert", () -> {
      for (AlertStores stores : alertStores) {
        for (int partition = 0; partition < stores.partitions(); partition++) {
          Optional<ReadOnlyKeyValueStore<String, UsageAlert>> fired = PartitionStores.of(running, stores.alerts(), partition, true);
          try {
            UsageAlert alert = fired.map(store -> store.get(alertId)).orElse(null);
            if (alert != null) {
              return Optional.of(alert);
            }
          } catch (InvalidStateStoreException e) {
            throw ProblemException.unavailable("alerts are moving between instances (" + e.getMessage() + ")", 1);
          }
        }
      }
      return Optional.<UsageAlert>empty();
    });
  }

  /**
   * Runs {@code reads} against {@code partition}'s window uses (a {@link WindowUseStore} key →
   * its use, or null) under one deadline: one thread hop for all of a request's reads.
   */
  <T> T withUsage(int partition, java.util.function.Function<java.util.function.Function<String, WindowUse>, T> reads) {
    KafkaStreams running = running();
    return QueryDeadline.call("the usage of this subject", () -> {
      ReadOnlyKeyValueStore<String, WindowUse> store = PartitionStores.<String, WindowUse>of(running,
              WindowUseStore.NAME, partition, false)
          .orElseThrow(() -> ProblemException.unavailable("the usage of this subject is not queryable here now", 1));
      try {
        return reads.apply(store::get);
      } catch (InvalidStateStoreException e) {
        throw ProblemException.unavailable("the usage of this subject moved away during the read", 1);
      }
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
