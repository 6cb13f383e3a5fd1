package dev.tokenledger.runtime;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka's own clients for Kafka Streams, as its default supplier makes them, except that a stream
 * thread's consumer does not run the rebalance Kafka Streams 4.4 enforces after it marks a task
 * corrupted under exactly-once (a timeout inside a transaction, a retriable send error).
 *
 * <p>Why: the corrupted task is closed dirty and revived, its input partitions paused and marked
 * to be reset to their last committed offsets once it is initialized again. When the enforced
 * rebalance completes first (often within the next poll), {@code
 * TaskManager.handleTasksPendingInitialization} closes the revived task and creates a new one
 * without that mark, and the consumer goes on from its fetch position: the events after the last
 * commit, processed only in the aborted transaction, are never processed again ({@code
 * TaskReviveTest} on a real broker: 50 to 300 of 600 events lost in about one run of three).
 * Without the rebalance the revived task is initialized, seeks to its committed offsets and
 * reprocesses them, as under the streams rebalance protocol, for which Kafka Streams enforces none.
 * The rebalance only lets another instance take the task over while its stores restore.
 */
public final class ReviveInPlaceClients implements KafkaClientSupplier {

  /** The reason {@code StreamThread} gives when it enforces the rebalance (Kafka 4.4). */
  static final String CORRUPTED_TASKS_REASON = "Active tasks corrupted";

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()) {
      @Override
      public void enforceRebalance(String reason) {
        if (!CORRUPTED_TASKS_REASON.equals(reason)) {
          super.enforceRebalance(reason);
        }
      }
    };
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
