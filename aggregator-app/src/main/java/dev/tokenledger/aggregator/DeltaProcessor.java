package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Prices each accepted event and adds it to the minute totals of every subject it counts toward;
 * every combine interval each subject-minute's sum goes downstream as one record. An event
 * touches seven subjects, and the hot ones (all, provider, model, tenant, feature) are shared by
 * thousands of events a second: this turns thousands of records through the repartition into a
 * handful.
 *
 * <p>The sums live in a plain map, so adding to them costs no store work. What makes them survive
 * a crash is {@link #PENDING_STORE}: each event since the last publication is written there once
 * (in the same transaction as its input offset), in slot 0, 1, 2, … of the current epoch; a
 * publication starts a new epoch, which makes every older slot stale without deleting it. After a
 * restore, {@link #init} sums the current epoch's slots again. One small write per event, instead
 * of seven read-modify-writes of sums in a store.
 */
final class DeltaProcessor implements Processor<String, Intake, String, UsageAggregate> {

  static final String PENDING_STORE = "usage-pending-events";
  /** The key holding the current epoch; slots are 0, 1, 2, …. */
  private static final int EPOCH_KEY = -1;
  private static final long NO_CONTEXT_WINDOW = -1;

  private final AvroSerde<TokensConsumed> serde;
  private final AggregatorConfig config;
  private final Counter unpriced;
  /** The sums since the last publication, in the order their subject-minute first came. */
  private final Map<BucketKey, UsageAggregate> pending = new LinkedHashMap<>();
  private ProcessorContext<String, UsageAggregate> context;
  private KeyValueStore<Integer, byte[]> pendingEvents;
  private KeyValueStore<String, ModelPrice> prices;
  private long epoch;
  private int nextSlot;

  DeltaProcessor(AvroSerde<TokensConsumed> serde, AggregatorConfig config, MeterRegistry registry) {
    this.serde = serde;
    this.config = config;
    this.unpriced = registry.counter("tokenledger.aggregator.unpriced.events");
  }

  @Override
  public void init(ProcessorContext<String, UsageAggregate> context) {
    this.context = context;
    this.pendingEvents = context.getStateStore(PENDING_STORE);
    this.prices = context.getStateStore(UsageTopology.PRICE_STORE);
    byte[] storedEpoch = pendingEvents.get(EPOCH_KEY);
    epoch = storedEpoch == null ? 0 : ByteBuffer.wrap(storedEpoch).getLong();
    try (KeyValueIterator<Integer, byte[]> slots = pendingEvents.all()) {
      while (slots.hasNext()) {
        KeyValue<Integer, byte[]> slot = slots.next();
        ByteBuffer value = ByteBuffer.wrap(slot.value);
        if (slot.key != EPOCH_KEY && value.getLong() == epoch) {
          addToPending(PendingEvent.decode(value, serde));
          nextSlot = Math.max(nextSlot, slot.key + 1);
        }
      }
    }
    context.schedule(config.combineInterval(), PunctuationType.WALL_CLOCK_TIME, this::publishPending);
  }

  @Override
  public void process(Record<String, Intake> record) {
    Intake.Accepted accepted = (Intake.Accepted) record.value();
    TokensConsumed event = accepted.event();
    ModelPrice price = prices.get(Pricing.key(event.getProvider(), event.getModel()));
    Optional<Pricing.Cost> cost = cost(event, price);
    if (cost.isEmpty()) {
      unpriced.increment();
    }
    Long contextWindow = event.getContextWindow() != null ? event.getContextWindow()
        : price == null ? null : price.getContextWindow();
    PendingEvent priced = new PendingEvent(event, accepted.rawValue(), cost, contextWindow);
    pendingEvents.put(nextSlot++, priced.encode(epoch));
    addToPending(priced);
  }

  private void addToPending(PendingEvent priced) {
    TokensConsumed event = priced.event();
    // Every bucket of a longer period holds the whole minute: zone offsets are whole minutes.
    CalendarWindow minute = CalendarWindow.containing(Period.MINUTE, event.getOccurredAt(), config.zone());
    for (Subject subject : subjects(event)) {
      UsageAggregate totals = UsageTotals.of(subject, minute, config.zone(), event, priced.cost(), priced.contextWindow());
      pending.merge(BucketKey.of(subject, Period.MINUTE, minute.start()), totals, (sum, more) -> {
        UsageTotals.addInto(sum, more);
        return sum;
      });
    }
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

  /** A caller-supplied cost wins; else the catalogue's price in force at the event; else unpriced, never a guess. */
  private static Optional<Pricing.Cost> cost(TokensConsumed event, ModelPrice price) {
    if (event.getCostNanos() != null) {
      return Optional.of(Pricing.Cost.ofNanos(event.getCostNanos()));
    }
    return Optional.ofNullable(price)
        .flatMap(p -> Pricing.inForceAt(p, event.getOccurredAt()))
        .map(version -> Pricing.cost(event, version));
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
