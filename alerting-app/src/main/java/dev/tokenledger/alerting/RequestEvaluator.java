package dev.tokenledger.alerting;

import dev.tokenledger.runtime.ProcessorSchedules;
import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.ModelResolver;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Checks each request against the REQUEST quotas (per-request ceilings) of every subject it
 * counts toward: one alert per (quota, subject, day), fired at the first offending request, whose
 * stored copy then counts the offending requests of that day (a client looping over the ceiling
 * gives one alert and a count, not an alert per request). Cost is the caller's or the
 * catalogue's, exactly as the aggregator prices it. Records the aggregator rejects are skipped
 * here: it accounts for them. Without any per-request quota nothing is decoded.
 */
final class RequestEvaluator implements Processor<byte[], byte[], String, SpecificRecord> {

  static final String FIRED_REQUEST_STORE = "fired-request-alerts";
  static final String FIRED_REQUEST_INDEX_STORE = "fired-request-alert-index";

  private final AvroSerde<TokensConsumed> serde;
  private final QuotaIndex quotas;
  private final AlertRetention retention;
  private final Duration maxFutureSkew;
  private final ZoneId zone;
  private final ModelResolver models;
  private final MeterRegistry registry;
  private ProcessorContext<String, SpecificRecord> context;
  private final ProcessorSchedules schedules = new ProcessorSchedules();
  private KeyValueStore<String, ModelPrice> prices;
  private AlertBook fired;

  RequestEvaluator(AvroSerde<TokensConsumed> serde, QuotaIndex quotas, AlertRetention retention, Duration maxFutureSkew,
      ZoneId zone, ModelResolver models, MeterRegistry registry) {
    this.maxFutureSkew = maxFutureSkew;
    this.models = models;
    this.serde = serde;
    this.quotas = quotas;
    this.retention = retention;
    this.zone = zone;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    schedules.cancelAll();
    this.context = context;
    this.prices = context.getStateStore(AlertingTopology.PRICE_STORE);
    this.fired = new AlertBook(context.getStateStore(FIRED_REQUEST_STORE),
        context.getStateStore(FIRED_REQUEST_INDEX_STORE), retention);
    schedules.schedule(context, QuotaEvaluator.PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, at ->
        registry.counter("tokenledger.alerting.purged", "store", "request").increment(fired.purge(now())));
  }

  @Override
  public void close() {
    schedules.cancelAll();
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (!quotas.any(QuotaRule.REQUEST)) {
      return;
    }
    TokensConsumed event;
    if (record.value() == null || record.value().length > EventRules.MAX_EVENT_BYTES) {
      registry.counter("tokenledger.alerting.requests.skipped").increment();
      return;
    }
    try {
      event = serde.decode(record.value());
    } catch (SerializationException e) {
      registry.counter("tokenledger.alerting.requests.skipped").increment();
      return;
    }
    if (event == null || !EventRules.violations(event).isEmpty()
        || event.getOccurredAt().isAfter(now().plus(maxFutureSkew))) {
      // The aggregator rejects it, with the reason, to tokens.rejected: never counted, never alerted.
      registry.counter("tokenledger.alerting.requests.skipped").increment();
      return;
    }
    CalendarWindow day = CalendarWindow.containing(Period.DAY, event.getOccurredAt(), zone);
    if (retention.expired(Period.DAY, day.end(), now())) {
      return;
    }
    for (Subject each : Subject.of(event)) {
      String subject = each.toString();
      for (QuotaDefinition quota : quotas.binding(subject, QuotaRule.REQUEST)) {
        Optional<Long> used = quota.getMetric() == QuotaMetric.COST ? cost(event)
            : Optional.of(event.getInputTokens() + event.getOutputTokens()); // EventRules: each ≤ 10^12
        // A ceiling is exceeded by more than the limit: a request of exactly the limit is allowed.
        if (used.isPresent() && used.get() > quota.getLimit()) {
          fireOnce(quota, subject, day, used.get(), record.timestamp());
        }
      }
    }
  }

  private Optional<Long> cost(TokensConsumed event) {
    if (event.getCostNanos() != null) {
      return Optional.of(event.getCostNanos());
    }
    try {
      // Resolved as the aggregator resolves it: gpt-4o-2024-08-06 at gpt-4o's price.
      return models.resolve(event.getProvider(), event.getModel(), key -> prices.get(key) != null)
          .map(resolution -> prices.get(resolution.key()))
          .flatMap(price -> Pricing.inForceAt(price, event.getOccurredAt()))
          .map(version -> Pricing.cost(event, version).nanos());
    } catch (ArithmeticException e) {
      // More than one call may cost: the aggregator refuses the event, so no ceiling counts it.
      return Optional.empty();
    }
  }

  /** The first offending request of the day fires; later ones count on the stored alert. */
  private void fireOnce(QuotaDefinition quota, String subject, CalendarWindow day, long used, long timestamp) {
    String alertId = Alerts.alertId(quota.getQuotaId(), subject, day.start(), Thresholds.FULL);
    UsageAlert known = fired.get(alertId);
    if (known != null) {
      known.setRequests(known.getRequests() + 1);
      known.setObserved(Math.max(known.getObserved(), used));
      fired.update(known);
      registry.counter("tokenledger.alerting.requests.over.ceiling").increment();
      return;
    }
    UsageAlert alert = Alerts.alert(alertId, quota, subject, day, Thresholds.FULL, used, now());
    alert.setRequests(1L);
    fired.add(alert);
    registry.counter("tokenledger.alerting.requests.over.ceiling").increment();
    registry.counter("tokenledger.alerting.alerts", "severity", alert.getSeverity().name().toLowerCase(Locale.ROOT),
        "type", alert.getType().name().toLowerCase(Locale.ROOT)).increment();
    context.forward(new Record<>(subject, alert, timestamp));
  }
}
