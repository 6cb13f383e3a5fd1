package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds each accepted (priced) event to the minute totals of every subject it counts toward;
 * every combine interval each subject-minute's sum goes downstream as one record. An event
 * touches seven subjects, and the hot ones (all, provider, model, tenant, feature) are shared by
 * thousands of events a second: this turns thousands of records through the repartition into a
 * handful.
 *
 * <p>The sums live in a plain map, so adding to them costs no store work. What makes them survive
 * a crash is {@link #PENDING_STORE}: each event since the last publication is written there once
 * (in the same transaction as its input offset), in slot 0, 1, 2, … of the current epoch; a
 * publication starts a new epoch, which makes every older slot stale without deleting it. {@link
 * #init} sums the current epoch's slots again, into an emptied map: Kafka Streams calls it again on
 * the same instance after a suspension or a revived task, and what the map held then is in the
 * slots too (counting both was a double count).
 */
final class DeltaProcessor implements Processor<String, Intake.Accepted, String, UsageAggregate> {

  static final String PENDING_STORE = "usage-pending-events";
  /** The key holding the current epoch; slots are 0, 1, 2, …. */
  private static final int EPOCH_KEY = -1;
  private static final long NO_CONTEXT_WINDOW = -1;

  private final AvroSerde<TokensConsumed> serde;
  private final AggregatorConfig config;
  /** The sums since the last publication, in the order their subject-minute first came. */
  private final Map<BucketKey, UsageAggregate> pending = new LinkedHashMap<>();
  private ProcessorContext<String, UsageAggregate> context;
  private KeyValueStore<Integer, byte[]> pendingEvents;
  private long epoch;
  private int nextSlot;

  DeltaProcessor(AvroSerde<TokensConsumed> serde, AggregatorConfig config) {
    this.serde = serde;
    this.config = config;
  }

  @Override
  public void init(ProcessorContext<String, UsageAggregate> context) {
    this.context = context;
    this.pendingEvents = context.getStateStore(PENDING_STORE);
    pending.clear();
    nextSlot = 0;
    byte[] storedEpoch = pendingEvents.get(EPOCH_KEY);
    epoch = storedEpoch == null ? 0 : ByteBuffer.wrap(storedEpoch).getLong();
    try (KeyValueIterator<Integer, byte[]> slots = pendingEvents.all()) {
      while (slots.hasNext()) {
        KeyValue<Integer, byte[]> slot = slots.next();
        ByteBuffer value = ByteBuffer.wrap(slot.value);
        if (slot.key != EPOCH_KEY && value.getLong() == epoch) {
          totals(PendingEvent.decode(value, serde)).forEach(this::addToPending);
          nextSlot = Math.max(nextSlot, slot.key + 1);
        }
      }
    }
    context.schedule(config.combineInterval(), PunctuationType.WALL_CLOCK_TIME, this::publishPending);
  }

  @Override
  public void process(Record<String, Intake.Accepted> record) {
    Intake.Accepted accepted = record.value();
    PendingEvent priced = new PendingEvent(accepted.event(), accepted.rawValue(), accepted.cost(),
        accepted.contextWindow());
    Map<BucketKey, UsageAggregate> totals = totals(priced);
    if (!fitsPending(totals)) {
      // A sum that would overflow goes on now, and a new one starts with this event (alone it
      // always fits: EventRules bounds every count). Nothing is refused or wrapped here.
      publishPending(context.currentSystemTimeMs());
    }
    pendingEvents.put(nextSlot++, priced.encode(epoch));
    totals.forEach(this::addToPending);
  }

  @Override
  public void close() {
    pending.clear();
  }

  /** One event's totals in the minute bucket of each of its subjects. */
  private Map<BucketKey, UsageAggregate> totals(PendingEvent priced) {
    TokensConsumed event = priced.event();
    // Every bucket of a longer period holds the whole minute: zone offsets are whole minutes.
    CalendarWindow minute = CalendarWindow.containing(Period.MINUTE, event.getOccurredAt(), config.zone());
    Map<BucketKey, UsageAggregate> totals = new LinkedHashMap<>();
    for (Subject subject : subjects(event)) {
      totals.put(BucketKey.of(subject, Period.MINUTE, minute.start()),
          UsageTotals.of(subject, minute, config.zone(), event, priced.cost(), priced.contextWindow()));
    }
    return totals;
  }

  private boolean fitsPending(Map<BucketKey, UsageAggregate> totals) {
    for (var entry : totals.entrySet()) {
      UsageAggregate sum = pending.get(entry.getKey());
      if (sum != null && !UsageTotals.fits(sum, entry.getValue())) {
        return false;
      }
    }
    return true;
  }

  private void addToPending(BucketKey key, UsageAggregate totals) {
    pending.merge(key, totals, (sum, more) -> {
      UsageTotals.addInto(sum, more);
      return sum;
    });
  }

  private void publishPending(long wallClockMs) {
    if (nextSlot == 0) {
      return;
    }
    // Keyed by subject: all of a subject's buckets live in one partition downstream.
    pending.forEach((key, sum) -> context.forward(new Record<>(key.subject().toString(), sum, wallClockMs)));
    pending.clear();
    epoch++;
    nextSlot = 0;
    pendingEvents.put(EPOCH_KEY, ByteBuffer.allocate(Long.BYTES).putLong(epoch).array());
  }

  /** The subjects an event counts toward; a missing feature or tenant counts as unassigned. */
  static List<Subject> subjects(TokensConsumed event) {
    return List.of(
        new Subject(Dimension.USER, event.getUserId()),
        new Subject(Dimension.MODEL, event.getProvider() + "/" + event.getModel()),
        new Subject(Dimension.PROVIDER, event.getProvider()),
        new Subject(Dimension.FEATURE, orUnassigned(event.getFeature())),
        new Subject(Dimension.TENANT, orUnassigned(event.getTenantId())),
        new Subject(Dimension.ALL, Subject.ALL_KEY),
        new Subject(Dimension.USER_MODEL, event.getUserId() + "/" + event.getProvider() + "/" + event.getModel()));
  }

  private static String orUnassigned(String value) {
    return value == null || value.isBlank() ? Subject.UNASSIGNED : value;
  }

  /**
   * An event as it was priced, as a slot holds it: the epoch, the cost (a price may change before
   * a restore reads it back), the context window, then the event's bytes as they came.
   */
  record PendingEvent(TokensConsumed event, byte[] rawValue, Optional<Pricing.Cost> cost, Long contextWindow) {

    byte[] encode(long epoch) {
      return ByteBuffer.allocate(Long.BYTES + 1 + 3 * Long.BYTES + rawValue.length)
          .putLong(epoch)
          .put((byte) (cost.isPresent() ? 1 : 0))
          .putLong(cost.map(Pricing.Cost::nanos).orElse(0L))
          .putLong(cost.map(Pricing.Cost::remainderFemtos).orElse(0L))
          .putLong(contextWindow == null ? NO_CONTEXT_WINDOW : contextWindow)
          .put(rawValue)
          .array();
    }

    /** Reads what follows the epoch. */
    static PendingEvent decode(ByteBuffer value, AvroSerde<TokensConsumed> serde) {
      boolean priced = value.get() == 1;
      long nanos = value.getLong();
      long remainderFemtos = value.getLong();
      long contextWindow = value.getLong();
      byte[] raw = new byte[value.remaining()];
      value.get(raw);
      return new PendingEvent(serde.decode(raw), raw,
          priced ? Optional.of(new Pricing.Cost(nanos, remainderFemtos)) : Optional.empty(),
          contextWindow == NO_CONTEXT_WINDOW ? null : contextWindow);
    }
  }
}
