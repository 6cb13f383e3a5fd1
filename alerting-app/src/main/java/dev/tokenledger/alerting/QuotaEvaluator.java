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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Checks every bucket update against the LIMIT and FORECAST quotas that bind its subject and
 * fires each (quota, subject, window, threshold) once: the alertId is derived from those four,
 * and the alerts fired are kept in a store updated in the same exactly-once transaction as the
 * output, so neither a restart nor a replay repeats one. It also keeps each subject's latest
 * totals per period, which admission and status read.
 *
 * <p>The aggregator publishes a bucket once per commit with its latest totals, and use only grows
 * within a window, so the latest value crosses every threshold an intermediate one would have.
 * Per update: the quotas binding the subject from the in-memory {@link QuotaIndex} (nothing for
 * most subjects), one read and one write of the latest totals. Every {@link #PURGE_INTERVAL}
 * (wall clock) a bounded run forgets expired alerts, idle subjects' totals and old days.
 */
final class QuotaEvaluator implements Processor<String, UsageAggregate, String, SpecificRecord> {

  static final String FIRED_STORE = "fired-alerts";
  static final String DAY_TOTALS_STORE = "day-totals";
  static final String FIRED_INDEX_STORE = "fired-alert-index";
  static final String CURRENT_USAGE_STORE = "current-usage";
  static final Duration PURGE_INTERVAL = Duration.ofSeconds(30);
  /** Days kept for weekly quotas: a week's days, and one more for the zone's offsets. */
  static final Duration DAY_TOTALS_KEPT = Duration.ofDays(8);
  /** A subject's latest totals of a window that ended this long ago are nobody's current use. */
  static final Duration CURRENT_USAGE_KEPT = Duration.ofHours(1);
  /** A projection needs at least this much of the window behind it. */
  private static final Duration MIN_ELAPSED_FOR_FORECAST = Duration.ofHours(1);

  private final ZoneId zone;
  private final QuotaIndex quotas;
  private final AlertRetention retention;
  private final Freshness freshness;
  private final MeterRegistry registry;
  private ProcessorContext<String, SpecificRecord> context;
  private AlertBook fired;
  private KeyValueStore<String, UsageAggregate> dayTotals;
  private KeyValueStore<String, UsageAggregate> currentUsage;
  private int partition;

  QuotaEvaluator(ZoneId zone, QuotaIndex quotas, AlertRetention retention, Freshness freshness, MeterRegistry registry) {
    this.zone = zone;
    this.quotas = quotas;
    this.retention = retention;
    this.freshness = freshness;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.fired = new AlertBook(context.getStateStore(FIRED_STORE), context.getStateStore(FIRED_INDEX_STORE), retention);
    this.dayTotals = context.getStateStore(DAY_TOTALS_STORE);
    this.currentUsage = context.getStateStore(CURRENT_USAGE_STORE);
    this.partition = context.taskId().partition();
    // New sweeps on every init: a revived task's stores may hold again what an aborted run deleted.
    StoreSweep<UsageAggregate> idleTotals = new StoreSweep<>(currentUsage,
        bucket -> bucket.getWindowEnd().plus(CURRENT_USAGE_KEPT).isBefore(now()));
    StoreSweep<UsageAggregate> oldDays = new StoreSweep<>(dayTotals,
        bucket -> bucket.getWindowEnd().plus(DAY_TOTALS_KEPT).isBefore(now()));
    context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, at -> {
      int purged = fired.purge(now()) + idleTotals.run() + oldDays.run();
      registry.counter("tokenledger.alerting.purged", "store", "usage").increment(purged);
    });
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
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
    freshness.folded(partition, bucket.getLastEventAt());
    Instant now = now();
    for (QuotaDefinition quota : quotas.binding(subject, QuotaRule.LIMIT)) {
      Optional<CalendarWindow> window = windowFor(quota.getPeriod(), bucket);
      if (window.isPresent() && !retention.expired(quota.getPeriod(), window.get().end(), now)) {
        long used = used(subject, quota, window.get(), bucket);
        for (int basisPoints : quota.getThresholdsBasisPoints().stream().sorted().toList()) {
          if (used >= Thresholds.usageAt(quota.getLimit(), basisPoints)) {
            fireOnce(quota, subject, window.get(), basisPoints, used, record.timestamp());
          }
        }
      }
    }
    for (QuotaDefinition quota : quotas.binding(subject, QuotaRule.FORECAST)) {
      Optional<CalendarWindow> window = windowFor(quota.getPeriod(), bucket);
      if (window.isPresent() && !retention.expired(quota.getPeriod(), window.get().end(), now)) {
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
    UsageAlert alert = Alerts.alert(alertId, quota, subject, window, basisPoints, used, now());
    fired.add(alert);
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
