package dev.tokenledger.alerting;

import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Checks every bucket update against the LIMIT and FORECAST quotas that bind its subject and
 * fires each (quota, subject, window, threshold) once: the alertId is derived from those four,
 * and the alerts fired are kept in a store updated in the same exactly-once transaction as the
 * output, so neither a restart nor a replay repeats one. It also keeps each subject's latest
 * totals per period, which admission and status read.
 */
final class QuotaEvaluator implements Processor<String, UsageAggregate, String, SpecificRecord> {

  static final String FIRED_STORE = "fired-alerts";
  static final String DAY_TOTALS_STORE = "day-totals";
  static final String CURRENT_USAGE_STORE = "current-usage";
  /** A projection needs at least this much of the window behind it. */
  private static final Duration MIN_ELAPSED_FOR_FORECAST = Duration.ofHours(1);

  private final ZoneId zone;
  private final MeterRegistry registry;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, QuotaDefinition> quotas;
  private KeyValueStore<String, UsageAlert> fired;
  private KeyValueStore<String, UsageAggregate> dayTotals;
  private KeyValueStore<String, UsageAggregate> currentUsage;

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
    this.currentUsage = context.getStateStore(CURRENT_USAGE_STORE);
  }

  @Override
  public void process(Record<String, UsageAggregate> record) {
    UsageAggregate bucket = record.value();
    if (bucket == null) {
      // The aggregator purged the bucket (a tombstone for compaction): nothing to evaluate.
      return;
    }
    String subject = AggregateKey.subject(bucket);
    remember(subject, bucket);
    List<QuotaDefinition> all = allQuotas();
    for (QuotaDefinition quota : QuotaBook.binding(all, subject, QuotaRule.LIMIT)) {
      Optional<CalendarWindow> window = windowFor(quota.getPeriod(), bucket);
      if (window.isPresent()) {
        long used = used(subject, quota, window.get(), bucket);
        for (int basisPoints : quota.getThresholdsBasisPoints().stream().sorted().toList()) {
          if (used >= Thresholds.usageAt(quota.getLimit(), basisPoints)) {
            fireOnce(quota, subject, window.get(), basisPoints, used, record.timestamp());
          }
        }
      }
    }
    for (QuotaDefinition quota : QuotaBook.binding(all, subject, QuotaRule.FORECAST)) {
      Optional<CalendarWindow> window = windowFor(quota.getPeriod(), bucket);
      if (window.isPresent()) {
        projection(used(subject, quota, window.get(), bucket), window.get(), bucket.getLastEventAt())
            .filter(projected -> projected >= quota.getLimit())
            .ifPresent(projected -> fireOnce(quota, subject, window.get(), Thresholds.FULL, projected, record.timestamp()));
      }
    }
  }

  /** The latest totals of each period (and every day, for weeks), for evaluation, admission and status. */
  private void remember(String subject, UsageAggregate bucket) {
    String key = currentKey(subject, bucket.getPeriod());
    UsageAggregate known = currentUsage.get(key);
    // A late update of an older window must not replace the current one.
    if (known == null || !bucket.getWindowStart().isBefore(known.getWindowStart())) {
      currentUsage.put(key, bucket);
    }
    if (bucket.getPeriod() == Period.DAY) {
      dayTotals.put(dayKey(subject, bucket.getWindowStart()), bucket);
    }
  }

  private List<QuotaDefinition> allQuotas() {
    List<QuotaDefinition> all = new ArrayList<>();
    try (KeyValueIterator<String, QuotaDefinition> iterator = quotas.all()) {
      iterator.forEachRemaining(entry -> all.add(entry.value));
    }
    return all;
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

  private long used(String subject, QuotaDefinition quota, CalendarWindow window, UsageAggregate bucket) {
    return quota.getPeriod() == Period.WEEK
        ? weekUse(dayTotals::get, subject, quota.getMetric(), window, zone)
        : QuotaBook.use(quota.getMetric(), bucket);
  }

  /** A week's use: the sum of its days' latest totals (weeks are not bucketed upstream). */
  static long weekUse(Function<String, UsageAggregate> dayTotal, String subject, QuotaMetric metric,
      CalendarWindow week, ZoneId zone) {
    long used = 0;
    for (CalendarWindow day = CalendarWindow.containing(Period.DAY, week.start(), zone);
        day.start().isBefore(week.end()); day = day.following(zone)) {
      UsageAggregate total = dayTotal.apply(dayKey(subject, day.start()));
      if (total != null) {
        used = QuotaBook.saturatedSum(used, QuotaBook.use(metric, total));
      }
    }
    return used;
  }

  /**
   * The window's projected end use at the run rate so far, measured to the latest event (not the
   * wall clock, so a replay projects the same).
   */
  static Optional<Long> projection(long used, CalendarWindow window, Instant lastEventAt) {
    Duration elapsed = Duration.between(window.start(), lastEventAt);
    if (elapsed.compareTo(MIN_ELAPSED_FOR_FORECAST) < 0) {
      return Optional.empty();
    }
    BigInteger projected = BigInteger.valueOf(used)
        .multiply(BigInteger.valueOf(Duration.between(window.start(), window.end()).toMillis()))
        .divide(BigInteger.valueOf(elapsed.toMillis()));
    return Optional.of(projected.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue());
  }

  private void fireOnce(QuotaDefinition quota, String subject, CalendarWindow window, int basisPoints, long used,
      long timestamp) {
    String alertId = Alerts.alertId(quota.getQuotaId(), subject, window.start(), basisPoints);
    if (fired.get(alertId) != null) {
      return;
    }
    UsageAlert alert = Alerts.alert(alertId, quota, subject, window, basisPoints, used,
        Instant.ofEpochMilli(context.currentSystemTimeMs()));
    fired.put(alertId, alert);
    registry.counter("tokenledger.alerting.alerts", "severity", alert.getSeverity().name().toLowerCase(Locale.ROOT),
        "type", alert.getType().name().toLowerCase(Locale.ROOT)).increment();
    context.forward(new Record<>(subject, alert, timestamp));
    if (quota.getRule() == QuotaRule.LIMIT && basisPoints >= Thresholds.FULL) {
      registry.counter("tokenledger.alerting.quota.exceeded", "type", alert.getType().name().toLowerCase(Locale.ROOT))
          .increment();
      context.forward(new Record<>(subject, Alerts.exceeded(alert, quota), timestamp));
    }
  }

  static String currentKey(String subject, Period period) {
    return subject + "|" + period.name();
  }

  static String dayKey(String subject, Instant dayStart) {
    return subject + "|" + dayStart.toEpochMilli();
  }
}
