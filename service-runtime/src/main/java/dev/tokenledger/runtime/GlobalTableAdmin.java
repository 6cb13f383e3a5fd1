package dev.tokenledger.runtime;

import dev.tokenledger.schemas.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Administers a compacted topic that every instance mirrors in a global store (quotas, prices):
 * writes go to the topic, the source of truth; reads come from the local global store. A write
 * returns once the broker has it and this instance's store shows it, so a read right after a
 * write sees it.
 */
public final class GlobalTableAdmin<V> implements AutoCloseable {

  private final Topic<String, V> topic;
  private final Properties clientProperties;
  private final KafkaProducer<String, V> producer;
  private final KafkaClientMetrics producerMetrics;
  private final Supplier<KafkaStreams> streams;
  private final String storeName;
  private final Duration visibilityTimeout;

  public GlobalTableAdmin(Topic<String, V> topic, Properties clientProperties, Supplier<KafkaStreams> streams,
      String storeName, Duration visibilityTimeout, MeterRegistry registry) {
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    this.topic = topic;
    this.clientProperties = clientProperties;
    this.producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    this.producerMetrics = Metrics.bindKafkaClient(registry, producer);
    this.streams = streams;
    this.storeName = storeName;
    this.visibilityTimeout = visibilityTimeout;
  }

  public V put(String key, V value) {
    send(key, value);
    awaitVisible(key, stored -> Objects.equals(stored, value));
    return value;
  }

  /** Writes every entry, then waits until this instance shows them all: one round of waiting, not one per entry. */
  public void putAll(Map<String, V> values) {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    values.forEach((key, value) -> sent.add(producer.send(new ProducerRecord<>(topic.name(), key, value))));
    producer.flush();
    for (Future<RecordMetadata> write : sent) {
      acknowledged(write);
    }
    values.forEach((key, value) -> awaitVisible(key, stored -> Objects.equals(stored, value)));
  }

  /** Deletes the entry; false when there was none. */
  public boolean delete(String key) {
    if (get(key).isEmpty()) {
      return false;
    }
    send(key, null);
    awaitVisible(key, Objects::isNull);
    return true;
  }

  public Optional<V> get(String key) {
    return Optional.ofNullable(read(store -> store.get(key)));
  }

  /** Every entry, in key order. */
  public List<V> all() {
    return read(store -> {
      List<V> values = new ArrayList<>();
      try (KeyValueIterator<String, V> iterator = store.all()) {
        iterator.forEachRemaining(entry -> values.add(entry.value));
      }
      return values;
    });
  }

  /** One page of entries in key order, and the key to continue after when more follow. */
  public record Page<V>(List<V> values, Optional<String> next) {}

  /**
   * Up to {@code limit} entries whose keys follow {@code after} (from the first key when empty),
   * in key order: a bounded read however many entries there are.
   */
  public Page<V> page(Optional<String> after, int limit) {
    return read(store -> {
      List<V> values = new ArrayList<>();
      String last = null;
      try (KeyValueIterator<String, V> iterator = after.isPresent() ? store.range(after.get(), null) : store.all()) {
        while (iterator.hasNext()) {
          var entry = iterator.next();
          if (after.isPresent() && entry.key.equals(after.get())) {
            continue;
          }
          if (values.size() == limit) {
            return new Page<>(values, Optional.of(last));
          }
          values.add(entry.value);
          last = entry.key;
        }
      }
      return new Page<>(values, Optional.empty());
    });
  }

  /** Writes {@code values} only when the topic has never held a record: a first start's defaults. */
  public boolean seedIfNeverWritten(List<Map.Entry<String, V>> values) {
    try (var consumer = new KafkaConsumer<>(clientProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
      boolean neverWritten = consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream()
          .allMatch(offset -> offset == 0);
      if (!neverWritten) {
        return false;
      }
    }
    values.forEach(entry -> producer.send(new ProducerRecord<>(topic.name(), entry.getKey(), entry.getValue())));
    producer.flush();
    return true;
  }

  private void send(String key, V value) {
    acknowledged(producer.send(new ProducerRecord<>(topic.name(), key, value)));
  }

  private void acknowledged(Future<RecordMetadata> write) {
    try {
      write.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw ProblemException.unavailable("Kafka did not take the write to " + topic.name() + ": " + e.getMessage(), 5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProblemException.unavailable("interrupted while writing to " + topic.name(), 1);
    }
  }

  private void awaitVisible(String key, Predicate<V> visible) {
    long deadline = System.nanoTime() + visibilityTimeout.toNanos();
    while (!visible.test(read(store -> store.get(key)))) {
      if (System.nanoTime() > deadline) {
        throw ProblemException.unavailable("written, but not yet in force on this instance; read it again shortly", 2);
      }
      try {
        // The global store follows the topic within milliseconds; poll briefly rather than hold a thread long.
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ProblemException.unavailable("interrupted while waiting for the write to take effect", 1);
      }
    }
  }

  /** {@code reads} on the global store; a 503 while the app is starting or closing. */
  private <T> T read(Function<ReadOnlyKeyValueStore<String, V>, T> reads) {
    return PartitionStores.whileRunning(streams.get(), running -> reads.apply(QueryDeadline.call(topic.name(),
        () -> running.store(StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.<String, V>keyValueStore())))));
  }

  @Override
  public void close() {
    producerMetrics.close();
    producer.close(Duration.ofSeconds(5));
  }
}
