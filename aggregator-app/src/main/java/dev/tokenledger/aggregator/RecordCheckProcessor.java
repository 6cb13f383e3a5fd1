package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.KeyPartitioner;
import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The first step for every record of {@code tokens.consumed}, and again for every rerouted one:
 * size, decoding, {@link EventRules}, the future guard, and whether the record is on the partition
 * of its user. Stateless. Every record leaves as one {@link Intake}: {@code Rejected} (with the
 * reason), {@code Misplaced} (on the first pass only) or {@code Checked}.
 */
final class RecordCheckProcessor implements Processor<byte[], byte[], String, Intake> {

  private final AvroSerde<TokensConsumed> serde;
  private final AggregatorConfig config;
  /** Partitions of tokens.consumed; 0 on the rerouted stream, whose records are placed by construction. */
  private final int placementPartitions;
  private final Counter rerouted;
  private final Rejections rejections;
  private ProcessorContext<String, Intake> context;

  /**
   * @param placementPartitions the partitions of {@code tokens.consumed}, to check each record's
   *     placement by userId; 0 not to check (the rerouted stream)
   */
  RecordCheckProcessor(AvroSerde<TokensConsumed> serde, AggregatorConfig config, int placementPartitions,
      MeterRegistry registry) {
    this.serde = serde;
    this.config = config;
    this.placementPartitions = placementPartitions;
    // Not an outcome: a rerouted event is counted, a duplicate or rejected after its second check.
    this.rerouted = registry.counter("tokenledger.aggregator.events.rerouted");
    this.rejections = new Rejections(config.applicationId(), registry);
  }

  @Override
  public void init(ProcessorContext<String, Intake> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (record.value() == null) {
      reject(record, Rejections.Reason.INVALID, "the record has no value (a tombstone is not an event)");
      return;
    }
    if (record.value().length > EventRules.MAX_EVENT_BYTES) {
      reject(record, Rejections.Reason.INVALID, "the record is " + record.value().length + " bytes, more than any valid event ("
          + EventRules.MAX_EVENT_BYTES + ")");
      return;
    }
    TokensConsumed event;
    try {
      event = serde.decode(record.value());
    } catch (SerializationException e) {
      reject(record, Rejections.Reason.UNDECODABLE, e.getMessage());
      return;
    }
    List<EventRules.Violation> violations = EventRules.violations(event);
    if (!violations.isEmpty()) {
      reject(record, Rejections.Reason.INVALID, violations.stream().map(EventRules.Violation::toString)
          .collect(Collectors.joining("; ")));
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    if (event.getOccurredAt().isAfter(now.plus(config.maxFutureSkew()))) {
      reject(record, Rejections.Reason.FUTURE, "occurredAt " + event.getOccurredAt() + " is more than "
          + config.maxFutureSkew() + " ahead of the wall clock (" + now + ")");
      return;
    }
    if (placementPartitions > 0 && context.recordMetadata().map(RecordMetadata::partition)
        .filter(partition -> partition != KeyPartitioner.partition(event.getUserId(), placementPartitions)).isPresent()) {
      rerouted.increment();
      context.forward(new Record<>(event.getUserId(), new Intake.Misplaced(event.getUserId(), record.value()),
          record.timestamp(), RejectedRecord.boundedCopy(record.headers())));
      return;
    }
    context.forward(new Record<>(event.getUserId(), new Intake.Checked(event, record.value()), record.timestamp(),
        record.headers()));
  }

  private void reject(Record<byte[], byte[]> record, Rejections.Reason reason, String why) {
    rejections.route(context, record.key(), record.value(), record.headers(), record.timestamp(), reason, why);
  }
}
