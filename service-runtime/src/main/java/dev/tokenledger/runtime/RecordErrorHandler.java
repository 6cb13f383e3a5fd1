package dev.tokenledger.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' processing, deserialization and production exception handlers of both Streams
 * apps: no single record can stop an instance. A record whose processing throws, or that cannot
 * be deserialized, goes to {@code tokens.rejected} as it came, with the exception in {@code
 * tl.error.*} headers ({@link RejectedRecord}), in the same transaction as its input offset, and
 * processing goes on; each is counted in {@value #METRIC}.
 *
 * <p>Routing a record is only exact if nothing it did stays behind: the processors compute
 * everything that can fail before they change a store or forward. What is not about one record
 * still fails the task, so Kafka Streams retries or stops as it would: Kafka's own exceptions
 * (timeouts, fencing, authorization), and an exception in a punctuation (its partial work must be
 * rolled back with the transaction, not committed).
 */
public final class RecordErrorHandler
    implements ProcessingExceptionHandler, DeserializationExceptionHandler, ProductionExceptionHandler {

  /** The topic records are routed to (the catalogue's {@code tokens.rejected}). */
  public static final String REJECTED_TOPIC_CONFIG = "tokenledger.errors.rejected-topic";
  /** The {@code tl.error.application} header of what is routed. */
  public static final String APPLICATION_CONFIG = "tokenledger.errors.application";
  /** The app's {@link MeterRegistry}, passed as an object through the Streams properties. */
  public static final String METER_REGISTRY_CONFIG = "tokenledger.errors.meter-registry";
  public static final String METRIC = "tokenledger.streams.record.errors";

  private static final Logger log = LoggerFactory.getLogger(RecordErrorHandler.class);

  private String rejectedTopic;
  private String application;
  private MeterRegistry registry = new SimpleMeterRegistry();

  @Override
  public void configure(Map<String, ?> configs) {
    rejectedTopic = (String) configs.get(REJECTED_TOPIC_CONFIG);
    application = (String) configs.get(APPLICATION_CONFIG);
    if (rejectedTopic == null || application == null) {
      throw new IllegalArgumentException(RecordErrorHandler.class.getSimpleName() + " needs " + REJECTED_TOPIC_CONFIG
          + " and " + APPLICATION_CONFIG);
    }
    if (configs.get(METER_REGISTRY_CONFIG) instanceof MeterRegistry meters) {
      registry = meters;
    }
  }

  /** Starts every outcome's series at 0, so a dashboard shows them before the first error. */
  public static void registerMetrics(MeterRegistry registry) {
    for (String handler : List.of("processing", "deserialization", "production")) {
      registry.counter(METRIC, "handler", handler, "outcome", "routed", "exception", "none");
    }
  }

  @Override
  public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
      Exception exception) {
    if (context.taskId().subtopology() < 0) {
      // A global store's writer: nothing can be sent from the global thread; the store keeps what it had.
      count("processing", "skipped", exception);
      log.error("skipping the record at {}-{}@{} of a global store: {} threw", context.topic(), context.partition(),
          context.offset(), context.processorNodeId(), exception);
      return ProcessingExceptionHandler.Response.resume();
    }
    if (context.topic() == null || aboutKafkaNotTheRecord(exception)) {
      count("processing", "failed", exception);
      log.error("{} in processor {} of task {} is not about one record: failing the task", exception.getClass().getName(),
          context.processorNodeId(), context.taskId(), exception);
      return ProcessingExceptionHandler.Response.fail();
    }
    count("processing", "routed", exception);
    log.warn("routing the record at {}-{}@{} to {}: processor {} threw", context.topic(), context.partition(),
        context.offset(), rejectedTopic, context.processorNodeId(), exception);
    // A total that would overflow is refused, never wrapped: the processors throw before writing.
    String category = exception instanceof ArithmeticException ? "overflow" : "processing-error";
    return ProcessingExceptionHandler.Response.resume(List.of(routed(context, category, exception)));
  }

  @Override
  public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
      ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (context.taskId().subtopology() < 0) {
      // A global store's topic (prices, quotas, alert actions): Kafka Streams cannot send from
      // the global thread, and the record is not an event to account for. The store keeps what
      // it had for that key.
      count("deserialization", "skipped", exception);
      log.error("skipping the undecodable record at {}-{}@{} of a global store: {}", record.topic(), record.partition(),
          record.offset(), exception.getMessage());
      return DeserializationExceptionHandler.Response.resume();
    }
    count("deserialization", "routed", exception);
    log.warn("routing the undecodable record at {}-{}@{} to {}: {}", record.topic(), record.partition(), record.offset(),
        rejectedTopic, exception.getMessage());
    return DeserializationExceptionHandler.Response.resume(List.of(routed(context, "undecodable", exception)));
  }

  @Override
  public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context,
      ProducerRecord<byte[], byte[]> record, Exception exception) {
    if (exception instanceof RetriableException) {
      // Kafka Streams then revives the task and processes its records again.
      count("production", "retried", exception);
      return ProductionExceptionHandler.Response.retry();
    }
    // Under exactly-once a failed send has already doomed the transaction: failing says so at once.
    count("production", "failed", exception);
    return ProductionExceptionHandler.Response.fail();
  }

  @Override
  @SuppressWarnings("rawtypes")
  public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
      Exception exception, SerializationExceptionOrigin origin) {
    // Nothing was sent: the input record goes to tokens.rejected instead of its output.
    count("production", "routed", exception);
    log.warn("routing the record at {}-{}@{} to {}: its output to {} cannot be serialized", context.topic(),
        context.partition(), context.offset(), rejectedTopic, record.topic(), exception);
    return ProductionExceptionHandler.Response.resume(List.of(routed(context, "processing-error", exception)));
  }

  private ProducerRecord<byte[], byte[]> routed(ErrorHandlerContext context, String category, Exception exception) {
    return RejectedRecord.of(context.sourceRawKey(), context.sourceRawValue(), context.headers(),
            new RejectedRecord.Source(context.topic(), context.partition(), context.offset(), context.timestamp()),
            application, category, exception.getClass().getSimpleName() + ": " + exception.getMessage())
        .with(RejectedRecord.EXCEPTION, exception.getClass().getName())
        .with(RejectedRecord.PROCESSOR, String.valueOf(context.processorNodeId()))
        .toProducerRecord(rejectedTopic, System.currentTimeMillis());
  }

  /** Kafka's own trouble (not a record's): retried or failed as Kafka Streams decides, never routed. */
  private static boolean aboutKafkaNotTheRecord(Exception exception) {
    // Timeouts, fencing, authorization, Streams' own state trouble: all KafkaExceptions. A
    // serialization error is the record's.
    return exception instanceof KafkaException && !(exception instanceof SerializationException);
  }

  private void count(String handler, String outcome, Exception exception) {
    registry.counter(METRIC, "handler", handler, "outcome", outcome, "exception", exception.getClass().getSimpleName())
        .increment();
  }
}
