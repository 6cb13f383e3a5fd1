package dev.tokenledger.ingest;

import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.Metrics;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes accepted events to {@code tokens.consumed}, keyed by userId, and returns only when the
 * broker has acknowledged every one of them (acks=all, idempotent producer), or throws a 503
 * problem within the send timeout. An event is therefore never reported accepted and then lost.
 */
final class EventPublisher implements AutoCloseable {

  static final int RETRY_AFTER_SECONDS = 5;
  private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

  private final Producer<String, TokensConsumed> producer;
  private final String topic;
  private final Duration sendTimeout;
  private final Duration closeTimeout;
  private final IngestMetrics metrics;

  EventPublisher(Producer<String, TokensConsumed> producer, String topic, Duration sendTimeout, Duration closeTimeout) {
    this(producer, topic, sendTimeout, closeTimeout, null);
  }

  EventPublisher(Producer<String, TokensConsumed> producer, String topic, Duration sendTimeout, Duration closeTimeout,
      IngestMetrics metrics) {
    this.producer = producer;
    this.topic = topic;
    this.sendTimeout = sendTimeout;
    this.closeTimeout = closeTimeout;
    this.metrics = metrics;
  }

  static EventPublisher create(AppContext context, Duration sendTimeout, Duration closeTimeout, IngestMetrics metrics) {
    Topic<String, TokensConsumed> topic = context.topics().tokensConsumed();
    var producer = new KafkaProducer<>(producerProperties(context, sendTimeout),
        topic.keySerde().serializer(), topic.valueSerde().serializer());
    return new EventPublisher(producer, topic.name(), sendTimeout, closeTimeout, metrics);
  }

  /**
   * The durability settings are forced; the timeouts follow {@code tokenledger.ingest.send-timeout}
   * unless a {@code kafka.*} setting names them, so an unreachable broker answers 503 in bounded time.
   */
  static Properties producerProperties(AppContext context, Duration sendTimeout) {
    Properties props = context.kafkaClientProperties("producer");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    long timeoutMs = sendTimeout.toMillis();
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
    // delivery.timeout.ms must cover linger.ms + request.timeout.ms.
    props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs / 2));
    // How long send() may block on metadata or a full buffer: half, leaving time to wait for acks.
    props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeoutMs / 2));
    return props;
  }

  /** Binds the producer's own metrics ({@code kafka_producer_*}); close the result before this publisher. */
  KafkaClientMetrics bindClientMetrics(MeterRegistry registry) {
    return Metrics.bindKafkaClient(registry, producer);
  }

  /**
   * Sends the events and waits for every acknowledgement.
   *
   * @throws ProblemException 503 with {@code Retry-After} when Kafka did not acknowledge them all
   *     in time; some may still have been written, which the downstream dedupe by eventId absorbs
   *     when the client retries
   */
  void publish(List<TokensConsumed> events) {
    long started = System.nanoTime();
    boolean acked = false;
    try {
      send(events, started + sendTimeout.toNanos());
      acked = true;
    } finally {
      if (metrics != null) {
        metrics.produced(System.nanoTime() - started, acked);
      }
    }
  }

  private void send(List<TokensConsumed> events, long deadline) {
    List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
    try {
      for (TokensConsumed event : events) {
        // Event time as record time, so consumers' default timestamp is when the call happened.
        acks.add(producer.send(new ProducerRecord<>(
            topic, null, event.getOccurredAt().toEpochMilli(), event.getUserId(), event)));
      }
      for (Future<RecordMetadata> ack : acks) {
        ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException e) {
      throw unavailable(e.getCause());
    } catch (TimeoutException e) {
      throw unavailable(new TimeoutException("no acknowledgement within " + sendTimeout.toMillis() + " ms"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(e);
    } catch (SerializationException e) {
      throw e; // a bug, not an outage: answered 500 and logged with its stack trace
    } catch (KafkaException | IllegalStateException e) {
      // send() itself fails on metadata that did not arrive within max.block.ms, or a closed producer.
      throw unavailable(e);
    }
  }

  private ProblemException unavailable(Throwable cause) {
    log.warn("Kafka did not acknowledge a batch on {}: {}", topic, cause.toString());
    return ProblemException.unavailable("Kafka did not acknowledge the events (" + cause.getMessage()
        + "); none was accepted, retry later with the same eventIds", RETRY_AFTER_SECONDS);
  }

  /** Sends what is buffered, waiting up to the shutdown timeout. */
  @Override
  public void close() {
    producer.close(closeTimeout);
  }
}
