package dev.tokenledger.alerting;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.AlertType;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Checks every bucket update against the quotas that bind its subject and fires each (quota,
 * subject, window, threshold) once: the alertId is derived from those four, and the alerts fired
 * are kept in a store updated in the same exactly-once transaction as the output, so neither a
 * restart nor a replay repeats one.
 */
final class QuotaEvaluator implements Processor<String, UsageAggregate, String, SpecificRecord> {

  static final String FIRED_STORE = "fired-alerts";
  static final String DAY_TOTALS_STORE = "day-totals";

  private final ZoneId zone;
  private final MeterRegistry registry;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, QuotaDefinition> quotas;
  private KeyValueStore<String, UsageAlert> fired;
  private KeyValueStore<String, UsageAggregate> dayTotals;

  QuotaEvaluator(ZoneId zone, MeterRegistry registry) {
    this.zone = zone;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.quotas = context.getStateStore(AlertingTopology.QUOTA_STORE);
    this.fired = context.getStateStore(FIRED_STORE);
    this.dayTotals = context.getStateStore(DAY_TOTALS_STORE);
  }

  @Override
  public void process(Record<String, UsageAggregate> record) {
    String subject = record.key();
    UsageAggregate bucket = record.value();
    if (bucket.getPeriod() == Period.DAY) {
      // Weeks are not bucketed upstream: they are the sum of their days' latest totals.
      dayTotals.put(dayKey(subject, bucket.getWindowStart()), bucket);
    }
    for (QuotaDefinition quota : bindingQuotas(subject)) {
      Optional<CalendarWindow> window = windowFor(quota.getPeriod(), bucket);
      if (window.isEmpty()) {
        continue;
      }
      long used = quota.getPeriod() == Period.WEEK
          ? weekUse(subject, quota.getMetric(), window.get())
          : use(quota.getMetric(), bucket);
      for (int basisPoints : quota.getThresholdsBasisPoints().stream().sorted().toList()) {
        if (used >= Thresholds.usageAt(quota.getLimit(), basisPoints)) {
          fireOnce(quota, subject, window.get(), basisPoints, used, record.timestamp());
        }
      }
    }
  }

  /** The quotas for this subject: a specific subject's quota wins over the {@code dimension:*} default of the same metric and period. */
  private List<QuotaDefinition> bindingQuotas(String subject) {
    String wildcard = subject.substring(0, subject.indexOf(':') + 1) + "*";
    List<QuotaDefinition> specific = new ArrayList<>();
    List<QuotaDefinition> defaults = new ArrayList<>();
    try (KeyValueIterator<String, QuotaDefinition> all = quotas.all()) {
      all.forEachRemaining(entry -> {
        if (entry.value.getSubject().equals(subject)) {
          specific.add(entry.value);
        } else if (entry.value.getSubject().equals(wildcard)) {
          defaults.add(entry.value);
        }
      });
    }
    List<QuotaDefinition> binding = new ArrayList<>(specific);
    for (QuotaDefinition fallback : defaults) {
      boolean overridden = specific.stream().anyMatch(q ->
          q.getMetric() == fallback.getMetric() && q.getPeriod() == fallback.getPeriod());
      if (!overridden) {
        binding.add(fallback);
      }
    }
    return binding;
  }

  private Optional<CalendarWindow> windowFor(Period quotaPeriod, UsageAggregate bucket) {
    if (quotaPeriod == bucket.getPeriod()) {
      return Optional.of(new CalendarWindow(quotaPeriod, bucket.getWindowStart(), bucket.getWindowEnd()));
    }
    if (quotaPeriod == Period.WEEK && bucket.getPeriod() == Period.DAY) {
      return Optional.of(CalendarWindow.containing(Period.WEEK, bucket.getWindowStart(), zone));
    }
    return Optional.empty();
  }

  private long weekUse(String subject, QuotaMetric metric, CalendarWindow week) {
    long used = 0;
    for (CalendarWindow day = CalendarWindow.containing(Period.DAY, week.start(), zone);
        day.start().isBefore(week.end()); day = day.following(zone)) {
      UsageAggregate total = dayTotals.get(dayKey(subject, day.start()));
      if (total != null) {
        used = Math.addExact(used, use(metric, total));
      }
    }
    return used;
  }

  private static long use(QuotaMetric metric, UsageAggregate bucket) {
    return metric == QuotaMetric.COST
        ? bucket.getCostNanos()
        : Math.addExact(bucket.getInputTokens(), bucket.getOutputTokens());
  }

  private void fireOnce(QuotaDefinition quota, String subject, CalendarWindow window, int basisPoints,
      long used, long timestamp) {
    String alertId = alertId(quota.getQuotaId(), subject, window.start(), basisPoints);
    if (fired.get(alertId) != null) {
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    UsageAlert alert = UsageAlert.newBuilder()
        .setAlertId(alertId)
        .setQuotaId(quota.getQuotaId())
        .setSubject(subject)
        .setType(alertType(quota))
        .setSeverity(Thresholds.severity(basisPoints))
        .setMetric(quota.getMetric())
        .setPeriod(quota.getPeriod())
        .setThresholdBasisPoints(basisPoints)
        .setObserved(used)
        .setLimit(quota.getLimit())
        .setWindowStart(window.start())
        .setWindowEnd(window.end())
        .setFiredAt(now)
        .setMessage(message(quota, subject, basisPoints, used))
        .build();
    fired.put(alertId, alert);
    registry.counter("tokenledger.alerting.alerts", "severity", alert.getSeverity().name().toLowerCase(Locale.ROOT)).increment();
    context.forward(new Record<>(subject, alert, timestamp));
    if (basisPoints >= Thresholds.FULL) {
      context.forward(new Record<>(subject, QuotaExceeded.newBuilder()
          .setAlertId(alertId)
          .setQuotaId(quota.getQuotaId())
          .setSubject(subject)
          .setMetric(quota.getMetric())
          .setPeriod(quota.getPeriod())
          .setLimit(quota.getLimit())
          .setUsed(used)
          .setAction(quota.getAction())
          .setWindowStart(window.start())
          .setResetsAt(window.end())
          .setOccurredAt(now)
          .build(), timestamp));
    }
  }

  /** Deterministic: the same quota, subject, window and threshold always give the same id. */
  static String alertId(String quotaId, String subject, Instant windowStart, int basisPoints) {
    String identity = quotaId + "\n" + subject + "\n" + windowStart + "\n" + basisPoints;
    return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static AlertType alertType(QuotaDefinition quota) {
    if (quota.getMetric() == QuotaMetric.COST) {
      return AlertType.COST_BUDGET;
    }
    return quota.getPeriod() == Period.MINUTE ? AlertType.BURST : AlertType.TOKEN_QUOTA;
  }

  private static String message(QuotaDefinition quota, String subject, int basisPoints, long used) {
    String period = quota.getPeriod().name().toLowerCase(Locale.ROOT);
    String amounts = quota.getMetric() == QuotaMetric.COST
        ? "$" + Usd.format(used) + " of a $" + Usd.format(quota.getLimit()) + " budget"
        : String.format(Locale.ROOT, "%,d of %,d tokens", used, quota.getLimit());
    return String.format(Locale.ROOT, "%s reached %s%% of quota %s this %s: %s", subject,
        Thresholds.asFraction(basisPoints).movePointRight(2).stripTrailingZeros().toPlainString(),
        quota.getQuotaId(), period, amounts);
  }

  private static String dayKey(String subject, Instant dayStart) {
    return subject + "|" + dayStart.toEpochMilli();
  }
}
