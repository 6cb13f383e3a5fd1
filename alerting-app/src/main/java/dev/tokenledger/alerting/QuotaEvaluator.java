package dev.tokenledger.alerting;

import dev.tokenledger.runtime.ProcessorSchedules;
import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaDefinition;
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
  static final String FIRED_INDEX_STORE = "fired-alert-index";
  static final Duration PURGE_INTERVAL = Duration.ofSeconds(30);
  /** A projection needs at least this much of the window behind it. */
  private static final Duration MIN_ELAPSED_FOR_FORECAST = Duration.ofHours(1);

  private final ZoneId zone;
  private final QuotaIndex quotas;
  private final AlertRetention retention;
  private final Freshness freshness;
  private final MeterRegistry registry;
  private final ProcessorSchedules schedules = new ProcessorSchedules();
  private ProcessorContext<String, SpecificRecord> context;
  private AlertBook fired;
  private KeyValueStore<String, WindowUse> windowUse;
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
    schedules.cancelAll();
    this.context = context;
    this.fired = new AlertBook(context.getStateStore(FIRED_STORE), context.getStateStore(FIRED_INDEX_STORE), retention);
    this.windowUse = context.getStateStore(WindowUseStore.NAME);
    this.partition = context.taskId().partition();
    // Totals of an aborted transaction may have moved it on: known again from the next bucket.
    freshness.forget(partition);
    schedules.schedule(context, PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, at -> {
      int purged = fired.purge(now()) + WindowUseStore.purge(windowUse, now(), AlertBook.PURGE_BUDGET);
      registry.counter("tokenledger.alerting.purged", "store", "usage").increment(purged);
    });
  }

  @Override
  public void close() {
    schedules.cancelAll();
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
    Instant now = now();
    freshness.folded(partition, bucket.getLastEventAt());
    // One put, no read: each window has its own key. One already past keeping is not stored again.
    if (!WindowUseStore.keptUntil(bucket.getPeriod(), bucket.getWindowEnd()).isBefore(now)) {
      windowUse.put(WindowUseStore.key(subject, bucket.getPeriod(), bucket.getWindowEnd()), WindowUse.of(bucket));
    }
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
        ? WindowUseStore.weekUse(windowUse::get, subject, quota.getMetric(), window, zone)
        : QuotaBook.use(quota.getMetric(), bucket);
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
}
