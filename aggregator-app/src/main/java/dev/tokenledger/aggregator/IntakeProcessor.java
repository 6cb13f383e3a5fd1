package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ProcessorSchedules;
import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Every checked event, on the partition of its user: dropped if its eventId was seen within
 * {@code dedupe-retention}, priced, and routed to {@code tokens.late} if older than every
 * retention; else accepted. Every event leaves as one {@link Intake} or is counted as a duplicate.
 * The eventIds are {@link EventIds}.
 */
final class IntakeProcessor implements Processor<String, Intake.Checked, String, Intake> {

  /** The pre-commit hook that writes the event ids held since the last commit ({@link EventIds#write()}). */
  static final String TRIGGER = "intake-commit-trigger";
  /** Ids held for the commit, then a commit is asked for: memory bounded at any rate. */
  static final int MAX_UNWRITTEN_IDS = 100_000;

  /** How long a price change takes to reach the events: at most this, plus the global store's own lag. */
  static final Duration PRICE_REFRESH = Duration.ofSeconds(1);

  private final AggregatorConfig config;
  private final MeterRegistry registry;
  private final Counter counted;
  private final Counter duplicates;
  private final Counter late;
  private final Counter unpriced;
  private final Rejections rejections;
  private final ProcessorSchedules schedules = new ProcessorSchedules();

  private ProcessorContext<String, Intake> context;
  private EventIds eventIds;
  private CommitTrigger trigger;
  private KeyValueStore<String, ModelPrice> prices;
  /**
   * Prices by the events' model id, resolved to their catalogue entry ({@code gpt-4o-2024-08-06}
   * as {@code gpt-4o}), and ids found nowhere (empty), since the last refresh: a model id is
   * resolved, looked up and decoded once a second per task, not once per event. Made anew in init.
   */
  private Map<String, Optional<Priced>> priceCache;

  /** A model id's catalogue entry, and the count of events priced by the rule that found it. */
  private record Priced(ModelPrice price, Counter byRule) {}

  IntakeProcessor(AggregatorConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.counted = registry.counter("tokenledger.aggregator.events", "outcome", "counted");
    this.duplicates = registry.counter("tokenledger.aggregator.events", "outcome", "duplicate");
    this.late = registry.counter("tokenledger.aggregator.events", "outcome", "late");
    this.unpriced = registry.counter("tokenledger.aggregator.unpriced.events");
    this.rejections = new Rejections(config.applicationId(), registry);
  }

  @Override
  public void init(ProcessorContext<String, Intake> context) {
    schedules.cancelAll();
    this.context = context;
    this.eventIds = new EventIds(context.getStateStore(EventIds.STORE), config.dedupeRetention());
    this.trigger = CommitTrigger.listen(context, schedules, TRIGGER, config.caughtUpCommitInterval(), eventIds::write);
    this.prices = context.getStateStore(UsageTopology.PRICE_STORE);
    this.priceCache = new HashMap<>();
    schedules.schedule(context, PRICE_REFRESH, PunctuationType.WALL_CLOCK_TIME, at -> priceCache.clear());
  }

  @Override
  public void close() {
    schedules.cancelAll();
    priceCache = null;
  }

  @Override
  public void process(Record<String, Intake.Checked> record) {
    TokensConsumed event = record.value().event();
    long now = context.currentSystemTimeMs();
    if (eventIds.seen(event.getEventId(), now)) {
      duplicates.increment();
      return;
    }
    Priced priced = priceCache.computeIfAbsent(Pricing.key(event.getProvider(), event.getModel()),
        key -> config.models().resolve(event.getProvider(), event.getModel(), entry -> prices.get(entry) != null)
            .flatMap(resolution -> Optional.ofNullable(prices.get(resolution.key())).map(price -> new Priced(price,
                registry.counter("tokenledger.aggregator.priced.events", "rule", resolution.rule()))))).orElse(null);
    ModelPrice price = priced == null ? null : priced.price();
    Optional<Pricing.Cost> cost;
    try {
      cost = cost(event, price);
    } catch (ArithmeticException e) {
      // Not remembered: a retry of it is refused again, not taken for a duplicate of a counted event.
      rejections.route(context, record.key().getBytes(StandardCharsets.UTF_8), record.value().rawValue(),
          record.headers(), record.timestamp(), Rejections.Reason.OVERFLOW, e.getMessage());
      return;
    }
    eventIds.remember(event.getEventId(), now);
    trigger.arm();
    if (eventIds.unwritten() >= MAX_UNWRITTEN_IDS) {
      context.commit();
    }
    if (event.getOccurredAt().isBefore(Instant.ofEpochMilli(now).minus(config.longestRetention()))) {
      late.increment();
      context.forward(new Record<>(event.getUserId(), new Intake.Late(event), now, lateHeaders(record, event)));
      return;
    }
    if (cost.isEmpty()) {
      unpriced.increment();
    } else if (event.getCostNanos() == null) {
      priced.byRule().increment();
    }
    counted.increment();
    Long contextWindow = event.getContextWindow() != null && event.getContextWindow() > 0 ? event.getContextWindow()
        : price == null ? null : price.getContextWindow();
    context.forward(record.withValue(new Intake.Accepted(event, record.value().rawValue(), cost, contextWindow)));
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

  /** Kept 30 days from now (the record time); the event's own time and the reason in headers. */
  private Headers lateHeaders(Record<String, Intake.Checked> record, TokensConsumed event) {
    Headers headers = RejectedRecord.boundedCopy(record.headers());
    headers.add("tl.late.reason", ("occurredAt " + event.getOccurredAt() + " is older than the longest retention ("
        + config.longestRetention() + ")").getBytes(StandardCharsets.UTF_8));
    headers.add("tl.event.occurred-at", event.getOccurredAt().toString().getBytes(StandardCharsets.UTF_8));
    headers.add(RejectedRecord.ORIGINAL_TIMESTAMP, Long.toString(record.timestamp()).getBytes(StandardCharsets.UTF_8));
    return headers;
  }
}
