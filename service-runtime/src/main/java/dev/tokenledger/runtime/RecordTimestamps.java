package dev.tokenledger.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * A record's timestamp for Kafka Streams: its own, or, for one without a valid one (negative: the
 * broker takes -1 from clients other than Java's), the partition's time, else the wall clock.
 * Kafka Streams' default extractor throws there, outside every exception handler: the stream
 * thread dies on each retry and the partition stops the next instance too. The record is then
 * processed as any other; event time comes from the event itself, not from this timestamp.
 */
public final class RecordTimestamps implements TimestampExtractor, Configurable {

  public static final String METRIC = "tokenledger.streams.invalid.timestamps";

  private MeterRegistry registry;

  @Override
  public void configure(Map<String, ?> configs) {
    if (configs.get(RecordErrorHandler.METER_REGISTRY_CONFIG) instanceof MeterRegistry meters) {
      registry = meters;
      registry.counter(METRIC);
    }
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    if (record.timestamp() >= 0) {
      return record.timestamp();
    }
    if (registry != null) {
      registry.counter(METRIC).increment();
    }
    return partitionTime >= 0 ? partitionTime : System.currentTimeMillis();
  }
}
