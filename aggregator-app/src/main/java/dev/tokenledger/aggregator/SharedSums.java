package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One task's sums of the shared subjects (all, provider, model, feature, tenant) since they were
 * last sent: per dimension, key → the minutes summed. Thousands of events a second share these
 * subjects; summed here, each costs the repartition one record per minute and commit instead of
 * one per event. An event costs five hash lookups on the strings it carries, no new objects.
 */
final class SharedSums {

  /** Receives one subject's sum of one minute. */
  interface Sender {
    void send(Subject subject, long minute, Totals sum);
  }

  /** The minutes of one subject: a few at a time (jitter spans two), so a list beats a map. */
  private static final class Minutes {
    final List<Long> starts = new ArrayList<>(2);
    final List<Totals> sums = new ArrayList<>(2);

    Totals get(long minute) {
      for (int i = 0; i < starts.size(); i++) {
        if (starts.get(i) == minute) {
          return sums.get(i);
        }
      }
      return null;
    }
  }

  private static final List<Dimension> DIMENSIONS = SharedSubjectsProcessor.DIMENSIONS;

  @SuppressWarnings("unchecked")
  private final Map<String, Minutes>[] sums = new Map[DIMENSIONS.size()];
  private boolean empty = true;

  SharedSums() {
    for (int d = 0; d < sums.length; d++) {
      sums[d] = new HashMap<>();
    }
  }

  /**
   * Adds an event's totals to the minute of each shared subject it counts toward. A sum that
   * would overflow is sent first ({@code send} gets every sum, and they are forgotten), so a new
   * one starts with this event: alone an event always fits.
   */
  void add(TokensConsumed event, String model, long minute, Totals totals, Sender send) {
    add(0, Subject.ALL_KEY, minute, totals, send);
    add(1, event.getProvider(), minute, totals, send);
    add(2, model, minute, totals, send);
    add(3, Subject.orUnassigned(event.getFeature()), minute, totals, send);
    add(4, Subject.orUnassigned(event.getTenantId()), minute, totals, send);
  }

  private void add(int dimension, String key, long minute, Totals totals, Sender send) {
    Minutes minutes = sums[dimension].get(key);
    Totals sum = minutes == null ? null : minutes.get(minute);
    if (sum != null && sum.overflowOnAdd(totals) != null) {
      drain(send);
      minutes = null;
      sum = null;
    }
    if (minutes == null) {
      minutes = new Minutes();
      sums[dimension].put(key, minutes);
    }
    if (sum == null) {
      minutes.starts.add(minute);
      minutes.sums.add(Totals.of(totals.values.clone()));
    } else {
      sum.add(totals);
    }
    empty = false;
  }

  boolean isEmpty() {
    return empty;
  }

  /** Hands every subject's minute sums to {@code send}, and forgets them. */
  void drain(Sender send) {
    for (int d = 0; d < sums.length; d++) {
      Dimension dimension = DIMENSIONS.get(d);
      sums[d].forEach((key, minutes) -> {
        Subject subject = new Subject(dimension, key);
        for (int i = 0; i < minutes.starts.size(); i++) {
          send.send(subject, minutes.starts.get(i), minutes.sums.get(i));
        }
      });
      sums[d].clear();
    }
    empty = true;
  }
}
