package dev.tokenledger.runtime;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * This instance's copy of one partition of a key-value store, for interactive queries.
 *
 * <p>Read through {@code KafkaStreams#store} (IQv1), not {@code KafkaStreams#query} (IQv2): in
 * Kafka Streams 4.3 an IQv2 query on a RocksDB store took the store's position lock and then the
 * store, while the stream thread's {@code put} took them the other way round, and the fault suite
 * caught the two deadlocked for good under load (KAFKA-19629). 4.4.0, which we run now, fixes
 * that; IQv1 stays because it takes only the store's lock, the fault suite passes on it under
 * load, and nothing here needs what IQv2 adds (position bounds).
 */
public final class PartitionStores {

  private PartitionStores() {}

  /**
   * The store of {@code partition} if this instance holds it: as the active copy, or with {@code
   * activeOnly} false also as a standby (which may lag by the commit interval).
   */
  public static <K, V> Optional<ReadOnlyKeyValueStore<K, V>> of(KafkaStreams streams, String store, int partition,
      boolean activeOnly) {
    if (streams == null) {
      return Optional.empty();
    }
    StoreQueryParameters<ReadOnlyKeyValueStore<K, V>> parameters = StoreQueryParameters
        .fromNameAndType(store, QueryableStoreTypes.<K, V>keyValueStore()).withPartition(partition);
    try {
      return Optional.of(streams.store(activeOnly ? parameters : parameters.enableStaleStores()));
    } catch (InvalidStateStoreException e) {
      // Not here, moving, or the instance is not started: the same to a caller.
      return Optional.empty();
    } catch (IllegalStateException e) {
      if (streams.state().isRunningOrRebalancing()) {
        throw e;
      }
      // The instance began closing after the caller saw it running.
      return Optional.empty();
    }
  }

  /**
   * {@code call} on the instance, or a 503 with {@code Retry-After} if it is not running: not yet
   * started, or closing (queries outlive processing at shutdown, and KafkaStreams' metadata calls
   * throw {@link IllegalStateException} from the moment it begins to close).
   */
  public static <T> T whileRunning(KafkaStreams streams, Function<KafkaStreams, T> call) {
    if (streams == null) {
      throw ProblemException.unavailable("the app is starting; its stores are not open yet", 2);
    }
    try {
      return call.apply(streams);
    } catch (InvalidStateStoreException e) {
      throw ProblemException.unavailable("the app's stores are not open here now: " + e.getMessage(), 2);
    } catch (IllegalStateException e) {
      if (streams.state().isRunningOrRebalancing()) {
        throw e;
      }
      throw ProblemException.unavailable("this instance is " + streams.state().name().toLowerCase(Locale.ROOT).replace('_', ' ')
          + "; another instance answers", 2);
    }
  }
}
