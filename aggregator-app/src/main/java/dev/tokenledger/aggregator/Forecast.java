package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Projects a window's end-of-period use. Each hour still to come is expected to use the blend
 * of two estimates: the window's run rate so far (used ÷ hours elapsed) and, where the subject
 * has history, the average of the same hour of the week in the past two weeks (hourly buckets
 * are kept 14 days). Confidence grows with how much of the window has elapsed and how much of
 * the remaining time has history behind it.
 */
final class Forecast {

  static final String METHOD = "run-rate blended 50/50 with the same hour-of-week average of the last 2 weeks";
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration WEEK = Duration.ofDays(7);
  private static final int WEEKS_OF_HISTORY = 2;

  /** The projection of one metric: what is used now and what the window is expected to end at. */
  record Projection(long used, long forecast) {}

  record Result(Projection tokens, Projection costNanos, BigDecimal confidence) {}

  private Forecast() {}

  /**
   * @param current the window's bucket so far (null when nothing was used yet)
   * @param hours the subject's hourly buckets from two weeks before the window to now
   */
  static Result project(CalendarWindow window, Instant now, ZoneId zone, UsageAggregate current,
      List<UsageAggregate> hours) {
    Map<Instant, UsageAggregate> byHour = hours.stream()
        .collect(Collectors.toMap(UsageAggregate::getWindowStart, h -> h, (a, b) -> b));
    Instant firstSeen = hours.stream().map(UsageAggregate::getWindowStart).min(Instant::compareTo).orElse(now);
    Instant clampedNow = now.isBefore(window.start()) ? window.start() : now.isAfter(window.end()) ? window.end() : now;
    // At least one hour elapsed, so a first request does not project as if it came every second.
    BigDecimal elapsedHours = hoursBetween(window.start(), clampedNow).max(BigDecimal.ONE);
    BigDecimal windowHours = hoursBetween(window.start(), window.end());

    BigDecimal remainingTokens = BigDecimal.ZERO;
    BigDecimal remainingCost = BigDecimal.ZERO;
    BigDecimal remainingHours = BigDecimal.ZERO;
    BigDecimal hoursWithHistory = BigDecimal.ZERO;
    long usedTokens = current == null ? 0 : SaturatedSum.of(current.getInputTokens(), current.getOutputTokens());
    long usedCost = current == null ? 0 : current.getCostNanos();
    BigDecimal tokenRate = BigDecimal.valueOf(usedTokens).divide(elapsedHours, 12, RoundingMode.HALF_EVEN);
    BigDecimal costRate = BigDecimal.valueOf(usedCost).divide(elapsedHours, 12, RoundingMode.HALF_EVEN);

    for (Instant hour = CalendarWindow.containing(Period.HOUR, clampedNow, zone).start(); hour.isBefore(window.end());
        hour = hour.plus(HOUR)) {
      Instant from = hour.isBefore(clampedNow) ? clampedNow : hour;
      Instant to = hour.plus(HOUR).isAfter(window.end()) ? window.end() : hour.plus(HOUR);
      BigDecimal share = hoursBetween(from, to);
      if (share.signum() <= 0) {
        continue;
      }
      remainingHours = remainingHours.add(share);
      int weeks = 0;
      long historyTokens = 0;
      long historyCost = 0;
      for (int k = 1; k <= WEEKS_OF_HISTORY; k++) {
        Instant past = hour.minus(WEEK.multipliedBy(k));
        if (!past.isBefore(firstSeen) && past.isBefore(now)) {
          weeks++;
          UsageAggregate h = byHour.get(past);
          if (h != null) {
            historyTokens = SaturatedSum.of(historyTokens, SaturatedSum.of(h.getInputTokens(), h.getOutputTokens()));
            historyCost = SaturatedSum.of(historyCost, h.getCostNanos());
          }
        }
      }
      BigDecimal expectedTokens = tokenRate;
      BigDecimal expectedCost = costRate;
      if (weeks > 0) {
        hoursWithHistory = hoursWithHistory.add(share);
        expectedTokens = blend(tokenRate, historyTokens, weeks);
        expectedCost = blend(costRate, historyCost, weeks);
      }
      remainingTokens = remainingTokens.add(expectedTokens.multiply(share));
      remainingCost = remainingCost.add(expectedCost.multiply(share));
    }

    BigDecimal elapsedShare = windowHours.signum() == 0 ? BigDecimal.ONE
        : hoursBetween(window.start(), clampedNow).divide(windowHours, 6, RoundingMode.HALF_EVEN);
    BigDecimal historyShare = remainingHours.signum() == 0 ? BigDecimal.ONE
        : hoursWithHistory.divide(remainingHours, 6, RoundingMode.HALF_EVEN);
    BigDecimal confidence = elapsedShare.add(historyShare).divide(BigDecimal.valueOf(2), 2, RoundingMode.HALF_EVEN);
    return new Result(
        new Projection(usedTokens, SaturatedSum.of(usedTokens, SaturatedSum.of(remainingTokens))),
        new Projection(usedCost, SaturatedSum.of(usedCost, SaturatedSum.of(remainingCost))),
        confidence);
  }

  private static BigDecimal blend(BigDecimal runRate, long historyTotal, int weeks) {
    BigDecimal history = BigDecimal.valueOf(historyTotal).divide(BigDecimal.valueOf(weeks), 12, RoundingMode.HALF_EVEN);
    return runRate.add(history).divide(BigDecimal.valueOf(2), 12, RoundingMode.HALF_EVEN);
  }

  private static BigDecimal hoursBetween(Instant from, Instant to) {
    return BigDecimal.valueOf(Duration.between(from, to).toMillis()).divide(BigDecimal.valueOf(HOUR.toMillis()), 12,
        RoundingMode.HALF_EVEN);
  }
}
