package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One task's sums of the shared subjects (all, provider, model, feature, tenant) since they were
 * last sent: per dimension, key → the windows summed. Thousands of events a second share these
 * subjects; summed here, each costs the repartition one record per window and commit instead of
 * one per event. A window is the event's minute, or for an event older than the minutes'
 * retention its hour (or day…): a replay of old days sends a sum per hour, not per minute. An
 * event costs five hash lookups on the strings it carries, no new objects.
 */
final class SharedSums {

  /** Receives one subject's sum of one window. */
  interface Sender {
    void send(Subject subject, CalendarWindow window, Totals sum);
  }

  /**
   * The windows of one subject: a few at a time (jitter spans two minutes), so a list beats a map;
   * past {@link #LIST_MAX} (a replay spread over hours, days and months: up to ~900 windows) they
   * are also indexed, so an event does not scan them all.
   */
  private static final class Windows {
    static final int LIST_MAX = 8;
    final List<CalendarWindow> windows = new ArrayList<>(2);
    final List<Totals> sums = new ArrayList<>(2);
    Map<CalendarWindow, Totals> index;

    Totals get(CalendarWindow window) {
      if (index != null) {
        return index.get(window);
      }
      for (int i = 0; i < windows.size(); i++) {
        // The windows come from the fold's cache of recent ones: mostly the same instances.
        if (windows.get(i) == window || windows.get(i).equals(window)) {
          return sums.get(i);
        }
      }
      return null;
    }

    void add(CalendarWindow window, Totals sum) {
      windows.add(window);
      sums.add(sum);
      if (index != null) {
        index.put(window, sum);
      } else if (windows.size() > LIST_MAX) {
        index = new HashMap<>();
        for (int i = 0; i < windows.size(); i++) {
          index.put(windows.get(i), sums.get(i));
        }
      }
    }
  }

  private static final List<Dimension> DIMENSIONS = SharedSubjectsProcessor.DIMENSIONS;

  @SuppressWarnings("unchecked")
  private final Map<String, Windows>[] sums = new Map[DIMENSIONS.size()];
  private boolean empty = true;

  SharedSums() {
    for (int d = 0; d < sums.length; d++) {
      sums[d] = new HashMap<>();
    }
  }

  /**
   * Adds an event's totals to {@code window} (its finest window still within retention) of each
   * shared subject it counts toward. A sum that would overflow is sent first ({@code send} gets
   * every sum, and they are forgotten), so a new one starts with this event: alone an event
   * always fits.
   */
  void add(TokensConsumed event, String model, CalendarWindow window, Totals totals, Sender send) {
    add(0, Subject.ALL_KEY, window, totals, send);
    add(1, event.getProvider(), window, totals, send);
    add(2, model, window, totals, send);
    add(3, Subject.orUnassigned(event.getFeature()), window, totals, send);
    add(4, Subject.orUnassigned(event.getTenantId()), window, totals, send);
  }

  private void add(int dimension, String key, CalendarWindow window, Totals totals, Sender send) {
    Windows windows = sums[dimension].get(key);
    Totals sum = windows == null ? null : windows.get(window);
    if (sum != null && sum.overflowOnAdd(totals) != null) {
      drain(send);
      windows = null;
      sum = null;
    }
    if (windows == null) {
      windows = new Windows();
      sums[dimension].put(key, windows);
    }
    if (sum == null) {
      windows.add(window, Totals.of(totals.values.clone()));
    } else {
      sum.add(totals);
    }
    empty = false;
  }

  boolean isEmpty() {
    return empty;
  }

  /** Hands every subject's sums to {@code send}, and forgets them. */
  void drain(Sender send) {
    for (int d = 0; d < sums.length; d++) {
      Dimension dimension = DIMENSIONS.get(d);
      sums[d].forEach((key, windows) -> {
        Subject subject = new Subject(dimension, key);
        for (int i = 0; i < windows.windows.size(); i++) {
          send.send(subject, windows.windows.get(i), windows.sums.get(i));
        }
      });
      sums[d].clear();
    }
    empty = true;
  }
}
