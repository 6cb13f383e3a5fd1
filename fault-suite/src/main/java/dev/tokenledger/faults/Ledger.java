package dev.tokenledger.faults;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ground truth: every unique event (by eventId) added once, summed per dimension, key and
 * window of every period the aggregator keeps (UTC minute, hour, day and month), as it must serve
 * them. Thread-safe: producers record while checkers read.
 */
final class Ledger {

  static final List<String> DIMENSIONS = List.of("user", "model", "provider", "feature", "tenant", "all", "user_model");
  static final List<Period> PERIODS = List.of(Period.MINUTE, Period.HOUR, Period.DAY, Period.MONTH);

  /** Totals of one (dimension, key, window). */
  record Totals(long requests, long tokens, long costNanos) {
    Totals plus(Totals other) {
      return new Totals(requests + other.requests, tokens + other.tokens, costNanos + other.costNanos);
    }
  }

  /** One window of one period. */
  record Window(Period period, Instant start) implements Comparable<Window> {
    @Override
    public int compareTo(Window other) {
      int byPeriod = period.compareTo(other.period);
      return byPeriod != 0 ? byPeriod : start.compareTo(other.start);
    }
  }

  /** dimension → window → key → totals. */
  private final Map<String, Map<Window, Map<String, Totals>>> byDimension = new TreeMap<>();
  private final Set<String> eventIds = new HashSet<>();

  /** Adds an event unless its eventId is already in; returns whether it was new. */
  synchronized boolean record(TokensConsumed event) {
    if (!eventIds.add(event.getEventId())) {
      return false;
    }
    Totals totals = new Totals(1, event.getInputTokens() + event.getOutputTokens(), Workload.costNanos(event));
    String model = event.getProvider() + "/" + event.getModel();
    Map<String, String> keys = Map.of("user", event.getUserId(), "model", model, "provider", event.getProvider(),
        "feature", event.getFeature() == null ? "unassigned" : event.getFeature(),
        "tenant", event.getTenantId() == null ? "unassigned" : event.getTenantId(), "all", "_",
        "user_model", event.getUserId() + "/" + model);
    for (Period period : PERIODS) {
      Window window = new Window(period, CalendarWindow.containing(period, event.getOccurredAt(), ZoneOffset.UTC).start());
      keys.forEach((dimension, key) -> byDimension.computeIfAbsent(dimension, d -> new TreeMap<>())
          .computeIfAbsent(window, w -> new TreeMap<>()).merge(key, totals, Totals::plus));
    }
    return true;
  }

  synchronized int events() {
    return eventIds.size();
  }

  /** Every window of every period that holds an event, in period then time order. */
  synchronized Set<Window> windows() {
    return new TreeSet<>(byDimension.getOrDefault("all", Map.of()).keySet());
  }

  synchronized Set<Instant> days() {
    Set<Instant> days = new TreeSet<>();
    windows().stream().filter(w -> w.period() == Period.DAY).forEach(w -> days.add(w.start()));
    return days;
  }

  /** Every key's totals of one dimension in one window. */
  synchronized Map<String, Totals> expected(String dimension, Window window) {
    return Map.copyOf(byDimension.getOrDefault(dimension, Map.of()).getOrDefault(window, Map.of()));
  }

  synchronized Map<String, Totals> expected(String dimension, Instant day) {
    return expected(dimension, new Window(Period.DAY, day));
  }

  /** Everything in one window ({@code all:_}). */
  synchronized Totals everything(Window window) {
    return expected("all", window).getOrDefault("_", new Totals(0, 0, 0));
  }
}
