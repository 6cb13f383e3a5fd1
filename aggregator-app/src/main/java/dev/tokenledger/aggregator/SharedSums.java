package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One task's sums of the shared subjects (all, provider, model, feature, tenant) since they were
 * last sent: subject → minute start → totals. Thousands of events a second share these subjects;
 * summed here, each costs the repartition one record per commit instead of one per event.
 */
final class SharedSums {

  private final Map<Subject, Map<Long, Totals>> sums = new HashMap<>();

  /**
   * Adds an event's totals to the minute of each shared subject it counts toward. A sum that
   * would overflow is sent first ({@code send} gets every sum, and they are forgotten), so a
   * new one starts with this event: alone an event always fits.
   */
  void add(TokensConsumed event, String model, long minute, Totals totals, BiConsumer<Subject, Map<Long, Totals>> send) {
    add(new Subject(Dimension.ALL, Subject.ALL_KEY), minute, totals, send);
    add(new Subject(Dimension.PROVIDER, event.getProvider()), minute, totals, send);
    add(new Subject(Dimension.MODEL, model), minute, totals, send);
    add(new Subject(Dimension.FEATURE, Subject.orUnassigned(event.getFeature())), minute, totals, send);
    add(new Subject(Dimension.TENANT, Subject.orUnassigned(event.getTenantId())), minute, totals, send);
  }

  private void add(Subject subject, long minute, Totals totals, BiConsumer<Subject, Map<Long, Totals>> send) {
    Totals sum = sums.computeIfAbsent(subject, s -> new HashMap<>()).get(minute);
    if (sum != null && sum.overflowOnAdd(totals) != null) {
      drain(send);
      sum = null;
    }
    if (sum == null) {
      sums.computeIfAbsent(subject, s -> new HashMap<>()).put(minute, Totals.of(totals.values.clone()));
    } else {
      sum.add(totals);
    }
  }

  boolean isEmpty() {
    return sums.isEmpty();
  }

  /** Hands every subject's minute sums to {@code send}, and forgets them. */
  void drain(BiConsumer<Subject, Map<Long, Totals>> send) {
    sums.forEach(send);
    sums.clear();
  }
}
