package dev.tokenledger.alerting;

import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Quota definitions: written to the compacted {@code quota.definitions} topic (the source of
 * truth), read from the global store every instance keeps of it. A write returns once the broker
 * has it and this instance's store shows it, so a read right after a write sees it.
 */
final class QuotaAdmin implements AutoCloseable {

  private final Topic<String, QuotaDefinition> topic;
  private final KafkaProducer<String, QuotaDefinition> producer;
  private final Supplier<KafkaStreams> streams;
  private final Duration visibilityTimeout;

  QuotaAdmin(Topic<String, QuotaDefinition> topic, Properties clientProperties, Supplier<KafkaStreams> streams,
      Duration visibilityTimeout) {
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    this.topic = topic;
    this.producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    this.streams = streams;
    this.visibilityTimeout = visibilityTimeout;
  }

  QuotaDefinition put(QuotaDefinition quota) {
    send(quota.getQuotaId(), quota);
    awaitVisible(quota.getQuotaId(), stored -> Objects.equals(stored, quota));
    return quota;
  }

  /** Deletes the quota; false when there was none. */
  boolean delete(String quotaId) {
    if (get(quotaId).isEmpty()) {
      return false;
    }
    send(quotaId, null);
    awaitVisible(quotaId, Objects::isNull);
    return true;
  }

  Optional<QuotaDefinition> get(String quotaId) {
    return Optional.ofNullable(store().get(quotaId));
  }

  List<QuotaDefinition> all() {
    List<QuotaDefinition> quotas = new ArrayList<>();
    try (KeyValueIterator<String, QuotaDefinition> iterator = store().all()) {
      iterator.forEachRemaining(entry -> quotas.add(entry.value));
    }
    quotas.sort(Comparator.comparing(QuotaDefinition::getQuotaId));
    return quotas;
  }

  private void send(String quotaId, QuotaDefinition value) {
    try {
      producer.send(new ProducerRecord<>(topic.name(), quotaId, value)).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw ProblemException.unavailable("Kafka did not take the quota: " + e.getMessage(), 5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProblemException.unavailable("interrupted while writing the quota", 1);
    }
  }

  private void awaitVisible(String quotaId, java.util.function.Predicate<QuotaDefinition> visible) {
    long deadline = System.nanoTime() + visibilityTimeout.toNanos();
    while (!visible.test(store().get(quotaId))) {
      if (System.nanoTime() > deadline) {
        throw ProblemException.unavailable("the quota was written but is not yet visible to evaluation; read it again shortly", 2);
      }
      try {
        // The global store follows the topic within milliseconds; poll briefly rather than block a thread long.
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ProblemException.unavailable("interrupted while waiting for the quota", 1);
      }
    }
  }

  private ReadOnlyKeyValueStore<String, QuotaDefinition> store() {
    KafkaStreams running = streams.get();
    if (running == null || !running.state().isRunningOrRebalancing()) {
      throw ProblemException.unavailable("the alerting app is starting; quotas are not loaded yet", 2);
    }
    return running.store(StoreQueryParameters.fromNameAndType(AlertingTopology.QUOTA_STORE,
        QueryableStoreTypes.keyValueStore()));
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
