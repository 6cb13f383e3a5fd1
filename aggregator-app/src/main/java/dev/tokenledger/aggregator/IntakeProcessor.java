package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The first step for every input record: decode, check, guard event time, drop duplicates by
 * eventId. Every record leaves as exactly one {@link Intake} (or is counted as a duplicate): none
 * is dropped silently.
 */
final class IntakeProcessor implements Processor<byte[], byte[], String, Intake> {

  static final String DEDUPE_STORE = "dedupe-event-ids";
  static final String REASON_HEADER = "tl.error.reason";
  static final String REJECTED_METRIC = "tokenledger.aggregator.events.rejected";

  /** Why a record goes to tokens.rejected: its {@code tl.error.category} header and its metric's reason. */
  enum Rejection {
    INVALID, UNDECODABLE, FUTURE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final AvroSerde<TokensConsumed> serde;
  private final AggregatorConfig config;
  private final Counter counted;
  private final Counter duplicates;
  private final Counter late;
  private final Counter rejected;
  private final MeterRegistry registry;

  private ProcessorContext<String, Intake> context;
  private KeyValueStore<String, Long> seenEventIds;

  IntakeProcessor(AvroSerde<TokensConsumed> serde, AggregatorConfig config, MeterRegistry registry) {
    this.serde = serde;
    this.config = config;
    this.registry = registry;
    this.counted = registry.counter("tokenledger.aggregator.events", "outcome", "counted");
    this.duplicates = registry.counter("tokenledger.aggregator.events", "outcome", "duplicate");
    this.late = registry.counter("tokenledger.aggregator.events", "outcome", "late");
    this.rejected = registry.counter("tokenledger.aggregator.events", "outcome", "rejected");
    // Every reason from the start at 0, so a dashboard shows the series before the first rejection.
    for (Rejection rejection : Rejection.values()) {
      registry.counter(REJECTED_METRIC, "reason", rejection.tag());
    }
  }

  @Override
  public void init(ProcessorContext<String, Intake> context) {
    this.context = context;
    this.seenEventIds = context.getStateStore(DEDUPE_STORE);
    Duration every = config.dedupeRetention().dividedBy(24).compareTo(Duration.ofHours(1)) < 0
        ? config.dedupeRetention().dividedBy(24) : Duration.ofHours(1);
    context.schedule(every.isZero() ? Duration.ofSeconds(1) : every, PunctuationType.WALL_CLOCK_TIME, this::forgetOldEventIds);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (record.value() == null) {
      reject(record, Rejection.INVALID, "the record has no value (a tombstone is not an event)");
      return;
    }
    TokensConsumed event;
    try {
      event = serde.decode(record.value());
    } catch (SerializationException e) {
      reject(record, Rejection.UNDECODABLE, e.getMessage());
      return;
    }
    Optional<String> violation = EventChecks.violation(event);
    if (violation.isPresent()) {
      reject(record, Rejection.INVALID, violation.get());
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    if (event.getOccurredAt().isAfter(now.plus(config.maxFutureSkew()))) {
      reject(record, Rejection.FUTURE, "occurredAt " + event.getOccurredAt() + " is more than "
          + config.maxFutureSkew() + " ahead of the wall clock (" + now + ")");
      return;
    }
    if (seenEventIds.get(event.getEventId()) != null) {
      duplicates.increment();
      return;
    }
    seenEventIds.put(event.getEventId(), now.toEpochMilli());
    if (event.getOccurredAt().isBefore(now.minus(config.longestRetention()))) {
      late.increment();
      Headers headers = new RecordHeaders(record.headers().toArray());
      headers.add("tl.late.reason", ("occurredAt " + event.getOccurredAt() + " is older than the longest retention ("
          + config.longestRetention() + ")").getBytes(StandardCharsets.UTF_8));
      context.forward(new Record<>(event.getUserId(), new Intake.Late(event, "older than retention"),
          record.timestamp(), headers));
      return;
    }
    counted.increment();
    context.forward(new Record<>(event.getUserId(), new Intake.Accepted(event, record.value()), record.timestamp(), record.headers()));
  }

  private void reject(Record<byte[], byte[]> record, Rejection category, String reason) {
    rejected.increment();
    // A name of its own: Prometheus drops a meter whose tag keys differ from another of the same name.
    registry.counter(REJECTED_METRIC, "reason", category.tag()).increment();
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    headers.add("tl.error.category", category.tag().getBytes(StandardCharsets.UTF_8));
    context.recordMetadata().ifPresent(meta -> {
      headers.add("tl.error.topic", meta.topic().getBytes(StandardCharsets.UTF_8));
      headers.add("tl.error.partition", Integer.toString(meta.partition()).getBytes(StandardCharsets.UTF_8));
      headers.add("tl.error.offset", Long.toString(meta.offset()).getBytes(StandardCharsets.UTF_8));
    });
    context.forward(new Record<>(null, new Intake.Rejected(record.key(), record.value(), reason),
        record.timestamp(), headers));
  }

  private void forgetOldEventIds(long wallClockMs) {
    long cutoff = wallClockMs - config.dedupeRetention().toMillis();
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = seenEventIds.all()) {
      while (all.hasNext()) {
        KeyValue<String, Long> entry = all.next();
        if (entry.value < cutoff) {
          expired.add(entry.key);
        }
      }
    }
    expired.forEach(seenEventIds::delete);
  }
}
