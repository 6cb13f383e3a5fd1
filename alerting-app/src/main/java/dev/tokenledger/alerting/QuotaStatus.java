package dev.tokenledger.alerting;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.avro.OnStale;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a subject stands against its quotas now, and whether one more request may go: the logic
 * behind {@code /v1/quotas/status} and {@code /v1/admission}, over the subject's latest totals.
 * A window that has rolled over counts from zero again.
 */
final class QuotaStatus {

  /**
   * One LIMIT quota's standing in its current window; {@code lastEventAt} is the newest event
   * folded into the totals it read (empty: none in this window).
   */
  record Standing(QuotaDefinition quota, CalendarWindow window, long used, Optional<Instant> lastEventAt) {

    BigDecimal utilization() {
      return BigDecimal.valueOf(used).divide(BigDecimal.valueOf(quota.getLimit()), new MathContext(6));
    }

    /** ok below the quota's first threshold, warning below 90 %, critical below 100 %, then exceeded. */
    String state() {
      int lowest = quota.getThresholdsBasisPoints().stream().min(Integer::compare).orElse(Thresholds.FULL);
      if (used >= quota.getLimit()) {
        return "exceeded";
      }
      if (used < Thresholds.usageAt(quota.getLimit(), lowest)) {
        return "ok";
      }
      return used >= Thresholds.usageAt(quota.getLimit(), 9_000) ? "critical" : "warning";
    }
  }

  /** One quota's answer to an admission request; {@code stale}: its totals are older than it accepts. */
  record Decision(QuotaDefinition quota, Optional<CalendarWindow> window, long used, long requested, boolean allowed,
      Optional<Long> retryAfterMs, boolean stale, String reason) {}

  private final ZoneId zone;

  QuotaStatus(ZoneId zone) {
    this.zone = zone;
  }

  /**
   * @param use a window's use by its {@link WindowUseStore} key, or null
   */
  List<Standing> standings(String subject, List<QuotaDefinition> limitQuotas, Instant now, Function<String, WindowUse> use) {
    List<Standing> standings = new ArrayList<>();
    for (QuotaDefinition quota : limitQuotas) {
      CalendarWindow window = CalendarWindow.containing(quota.getPeriod(), now, zone);
      long used;
      WindowUse current;
      if (quota.getPeriod() == Period.WEEK) {
        used = WindowUseStore.weekUse(use, subject, quota.getMetric(), window, zone);
        current = use.apply(WindowUseStore.key(subject, Period.DAY, CalendarWindow.containing(Period.DAY, now, zone).end()));
      } else {
        current = use.apply(WindowUseStore.key(subject, quota.getPeriod(), window.end()));
        used = current == null ? 0 : current.use(quota.getMetric());
      }
      standings.add(new Standing(quota, window, used,
          Optional.ofNullable(current).map(c -> Instant.ofEpochMilli(c.lastEventAtMs()))));
    }
    return standings;
  }

  /**
   * Only block quotas deny; throttle allows with the time until capacity returns; warn only
   * reports. A LIMIT quota with a staleness bound whose totals are older ({@code asOf} empty:
   * unknown, as old as can be) denies with {@code onStale: deny}, and decides as usual with allow.
   */
  List<Decision> admit(List<Standing> standings, List<QuotaDefinition> requestQuotas, long requestedTokens,
      long requestedCostNanos, Instant now, Optional<Instant> asOf) {
    List<Decision> decisions = new ArrayList<>();
    for (Standing standing : standings) {
      QuotaDefinition quota = standing.quota();
      long requested = requested(quota, requestedTokens, requestedCostNanos);
      long after = SaturatedSum.of(standing.used(), requested);
      boolean over = after > quota.getLimit();
      String amounts = Alerts.amount(quota.getMetric(), standing.used()) + " used of " + Alerts.amount(quota.getMetric(), quota.getLimit())
          + " this " + quota.getPeriod().name().toLowerCase(Locale.ROOT) + ", resets " + standing.window().end();
      String reason = !over ? "within the limit: " + amounts
          : standing.used() >= quota.getLimit() ? "limit reached: " + amounts
          : "would exceed the limit with " + Alerts.amount(quota.getMetric(), requested) + " more: " + amounts;
      Optional<Long> retryAfter = over && quota.getAction() == QuotaAction.THROTTLE
          ? Optional.of(Duration.between(now, standing.window().end()).toMillis()) : Optional.empty();
      boolean allowed = !(over && quota.getAction() == QuotaAction.BLOCK);
      boolean stale = stale(quota, asOf, now);
      if (stale) {
        String age = asOf.map(at -> "totals as of " + at + " are " + Math.max(0, Duration.between(at, now).toMillis())
            + " ms old").orElse("no totals are known yet");
        allowed = allowed && quota.getOnStale() == OnStale.ALLOW;
        reason = age + ", past this quota's staleAfter of " + QuotaJson.duration(quota.getStaleAfterMs()) + " (onStale "
            + QuotaJson.lower(quota.getOnStale()) + "): " + (allowed ? "decided on them: " + reason : "denied");
      }
      decisions.add(new Decision(quota, Optional.of(standing.window()), standing.used(), requested, allowed, retryAfter,
          stale, reason));
    }
    for (QuotaDefinition quota : requestQuotas) {
      long requested = requested(quota, requestedTokens, requestedCostNanos);
      boolean over = requested > quota.getLimit();
      String reason = (over ? "over the per-request ceiling: " : "within the per-request ceiling: ")
          + Alerts.amount(quota.getMetric(), requested) + " requested, ceiling " + Alerts.amount(quota.getMetric(), quota.getLimit());
      decisions.add(new Decision(quota, Optional.empty(), 0, requested,
          !(over && quota.getAction() == QuotaAction.BLOCK), Optional.empty(), false, reason));
    }
    return decisions;
  }

  private static boolean stale(QuotaDefinition quota, Optional<Instant> asOf, Instant now) {
    Long bound = quota.getStaleAfterMs();
    return bound != null && (asOf.isEmpty() || Duration.between(asOf.get(), now).toMillis() > bound);
  }

  private static long requested(QuotaDefinition quota, long tokens, long costNanos) {
    return quota.getMetric() == QuotaMetric.COST ? costNanos : tokens;
  }
}
