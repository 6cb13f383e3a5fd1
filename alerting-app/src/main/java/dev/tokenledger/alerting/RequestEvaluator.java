package dev.tokenledger.alerting;

import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Checks each request against the REQUEST quotas (per-request ceilings) of every subject it
 * counts toward; an alert per (quota, subject, eventId), once, so a retried event is not
 * reported twice. Cost is the caller's or the catalogue's, exactly as the aggregator prices it.
 * Records the aggregator rejects are skipped here: it accounts for them.
 */
final class RequestEvaluator implements Processor<byte[], byte[], String, SpecificRecord> {

  static final String FIRED_REQUEST_STORE = "fired-request-alerts";

  private final AvroSerde<TokensConsumed> serde;
  private final MeterRegistry registry;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, QuotaDefinition> quotas;
  private KeyValueStore<String, ModelPrice> prices;
  private KeyValueStore<String, UsageAlert> fired;

  RequestEvaluator(AvroSerde<TokensConsumed> serde, MeterRegistry registry) {
    this.serde = serde;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.quotas = context.getStateStore(AlertingTopology.QUOTA_STORE);
    this.prices = context.getStateStore(AlertingTopology.PRICE_STORE);
    this.fired = context.getStateStore(FIRED_REQUEST_STORE);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    TokensConsumed event;
    try {
      event = serde.decode(record.value());
    } catch (SerializationException e) {
      registry.counter("tokenledger.alerting.requests.skipped").increment();
      return;
    }
    if (event == null || !EventRules.violations(event).isEmpty()) {
      // The aggregator rejects it, with the reason, to tokens.rejected.
      registry.counter("tokenledger.alerting.requests.skipped").increment();
      return;
    }
    List<QuotaDefinition> all = new ArrayList<>();
    try (KeyValueIterator<String, QuotaDefinition> iterator = quotas.all()) {
      iterator.forEachRemaining(entry -> {
        if (entry.value.getRule() == QuotaRule.REQUEST) {
          all.add(entry.value);
        }
      });
    }
    if (all.isEmpty()) {
      return;
    }
    for (String subject : subjects(event)) {
      for (QuotaDefinition quota : QuotaBook.binding(all, subject, QuotaRule.REQUEST)) {
        Optional<Long> used = quota.getMetric() == QuotaMetric.COST ? cost(event)
            : Optional.of(event.getInputTokens() + event.getOutputTokens()); // EventRules: each ≤ 10^12
        // A ceiling is exceeded by more than the limit: a request of exactly the limit is allowed.
        if (used.isPresent() && used.get() > quota.getLimit()) {
          fireOnce(quota, subject, event, used.get(), record.timestamp());
        }
      }
    }
  }

  static List<String> subjects(TokensConsumed e) {
    return List.of("user:" + e.getUserId(), "model:" + e.getProvider() + "/" + e.getModel(), "provider:" + e.getProvider(),
        "feature:" + (e.getFeature() == null ? "unassigned" : e.getFeature()),
        "tenant:" + (e.getTenantId() == null ? "unassigned" : e.getTenantId()), "all:_",
        "user_model:" + e.getUserId() + "/" + e.getProvider() + "/" + e.getModel());
  }

  private Optional<Long> cost(TokensConsumed event) {
    if (event.getCostNanos() != null) {
      return Optional.of(event.getCostNanos());
    }
    try {
      return Optional.ofNullable(prices.get(Pricing.key(event.getProvider(), event.getModel())))
          .flatMap(price -> Pricing.inForceAt(price, event.getOccurredAt()))
          .map(version -> Pricing.cost(event, version).nanos());
    } catch (ArithmeticException e) {
      // More than one call may cost: the aggregator refuses the event, so no ceiling counts it.
      return Optional.empty();
    }
  }

  private void fireOnce(QuotaDefinition quota, String subject, TokensConsumed event, long used, long timestamp) {
    String alertId = Alerts.alertId(quota.getQuotaId(), subject, "event " + event.getEventId(), Thresholds.FULL);
    if (fired.get(alertId) != null) {
      return;
    }
    Instant at = event.getOccurredAt();
    UsageAlert alert = Alerts.alert(alertId, quota, subject, new CalendarWindow(Period.MINUTE, at, at), Thresholds.FULL,
        used, Instant.ofEpochMilli(context.currentSystemTimeMs()));
    fired.put(alertId, alert);
    registry.counter("tokenledger.alerting.alerts", "severity", alert.getSeverity().name().toLowerCase(Locale.ROOT),
        "type", alert.getType().name().toLowerCase(Locale.ROOT)).increment();
    context.forward(new Record<>(subject, alert, timestamp));
  }
}
