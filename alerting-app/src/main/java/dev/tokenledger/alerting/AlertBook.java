package dev.tokenledger.alerting;

import dev.tokenledger.schemas.avro.UsageAlert;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The alerts a task has fired: by alertId (fire once, acknowledge, look up) and in a time index
 * of the same task, so that listing reads the alerts fired since a time, and purging the alerts
 * whose window is past its retention, not the whole store. Index keys:
 *
 * <pre>
 * f|&lt;firedAt ms, 13 digits&gt;|alertId     listing, newest first
 * x|&lt;expires ms, 13 digits&gt;|alertId     purge, oldest first
 * </pre>
 */
final class AlertBook {

  /** Deletions a purge run makes at most: a bounded run, far inside the transaction timeout. */
  static final int PURGE_BUDGET = 5_000;
  private static final String FIRED = "f|";
  private static final String EXPIRES = "x|";

  private final KeyValueStore<String, UsageAlert> alerts;
  private final KeyValueStore<String, String> index;
  private final AlertRetention retention;

  AlertBook(KeyValueStore<String, UsageAlert> alerts, KeyValueStore<String, String> index, AlertRetention retention) {
    this.alerts = alerts;
    this.index = index;
    this.retention = retention;
  }

  UsageAlert get(String alertId) {
    return alerts.get(alertId);
  }

  /** A newly fired alert, indexed by when it fired and when it expires. */
  void add(UsageAlert alert) {
    alerts.put(alert.getAlertId(), alert);
    index.put(firedKey(alert.getFiredAt(), alert.getAlertId()), "");
    index.put(EXPIRES + millis(retention.expiry(alert.getPeriod(), alert.getWindowEnd())) + "|" + alert.getAlertId(), "");
  }

  /** An alert fired before, with new counts (same firedAt and window: its index keys stand). */
  void update(UsageAlert alert) {
    alerts.put(alert.getAlertId(), alert);
  }

  /** Forgets alerts whose window's retention has passed, oldest first; the number forgotten. */
  int purge(Instant now) {
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, String> due = index.range(EXPIRES, EXPIRES + millis(now))) {
      while (due.hasNext() && expired.size() < PURGE_BUDGET / 3) {
        expired.add(due.next().key);
      }
    }
    for (String key : expired) {
      String alertId = key.substring(key.lastIndexOf('|') + 1);
      UsageAlert alert = alerts.get(alertId);
      index.delete(key);
      if (alert != null) {
        index.delete(firedKey(alert.getFiredAt(), alertId));
        alerts.delete(alertId);
      }
    }
    return expired.size();
  }

  /**
   * The alerts of one task's stores fired at or after {@code since}, newest first, at most {@code
   * limit}: a range of the time index, then a lookup each.
   */
  static List<UsageAlert> firedSince(ReadOnlyKeyValueStore<String, UsageAlert> alerts,
      ReadOnlyKeyValueStore<String, String> index, Instant since, int limit, java.util.function.Predicate<UsageAlert> filter) {
    List<UsageAlert> found = new ArrayList<>();
    try (KeyValueIterator<String, String> newestFirst = index.reverseRange(FIRED + millis(since), FIRED + "~")) {
      while (newestFirst.hasNext() && found.size() < limit) {
        KeyValue<String, String> entry = newestFirst.next();
        UsageAlert alert = alerts.get(entry.key.substring(entry.key.lastIndexOf('|') + 1));
        if (alert != null && filter.test(alert)) {
          found.add(alert);
        }
      }
    }
    return found;
  }

  private static String firedKey(Instant firedAt, String alertId) {
    return FIRED + millis(firedAt) + "|" + alertId;
  }

  /** Fixed width, so the keys' string order is time order (until the year 2286). */
  private static String millis(Instant at) {
    return String.format(Locale.ROOT, "%013d", Math.max(0, at.toEpochMilli()));
  }
}
