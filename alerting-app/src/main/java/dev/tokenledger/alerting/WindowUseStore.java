package dev.tokenledger.alerting;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.avro.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Every subject's use of each recent window, keyed {@code <period>|<window end, ms, 13
 * digits>|<subject>}: an update is one put (no read first: a late update of an older window has a
 * key of its own and never hides the current one), admission reads the window of now by its
 * key, and expired windows are a key range per period, purged oldest first.
 */
final class WindowUseStore {

  static final String NAME = "window-use";
  /** Days are kept for weekly quotas: a week's days, and one more for the zone's offsets. */
  static final Duration DAYS_KEPT = Duration.ofDays(8);
  /** Other windows a little past their end: nobody's current use any more. */
  static final Duration OTHERS_KEPT = Duration.ofHours(1);

  private WindowUseStore() {}

  static String key(String subject, Period period, Instant windowEnd) {
    return prefix(period) + String.format(Locale.ROOT, "%013d", Math.max(0, windowEnd.toEpochMilli())) + "|" + subject;
  }

  static Instant keptUntil(Period period, Instant windowEnd) {
    return windowEnd.plus(period == Period.DAY ? DAYS_KEPT : OTHERS_KEPT);
  }

  /**
   * Deletes windows kept long enough, oldest first per period, at most {@code budget} in all; the
   * number deleted.
   */
  static int purge(KeyValueStore<String, WindowUse> store, Instant now, int budget) {
    List<String> expired = new ArrayList<>();
    for (Period period : Period.values()) {
      Instant endsBefore = now.minus(period == Period.DAY ? DAYS_KEPT : OTHERS_KEPT);
      try (KeyValueIterator<String, WindowUse> due = store.range(prefix(period),
          prefix(period) + String.format(Locale.ROOT, "%013d", Math.max(0, endsBefore.toEpochMilli())))) {
        while (due.hasNext() && expired.size() < budget) {
          expired.add(due.next().key);
        }
      }
    }
    expired.forEach(store::delete);
    return expired.size();
  }

  /** A week's use: the sum of its days (weeks are not bucketed upstream). */
  static long weekUse(Function<String, WindowUse> get, String subject, dev.tokenledger.schemas.avro.QuotaMetric metric,
      CalendarWindow week, java.time.ZoneId zone) {
    long used = 0;
    for (CalendarWindow day = CalendarWindow.containing(Period.DAY, week.start(), zone);
        day.start().isBefore(week.end()); day = day.following(zone)) {
      WindowUse use = get.apply(key(subject, Period.DAY, day.end()));
      if (use != null) {
        used = SaturatedSum.of(used, use.use(metric));
      }
    }
    return used;
  }

  private static String prefix(Period period) {
    return period.name().toLowerCase(Locale.ROOT) + "|";
  }
}
