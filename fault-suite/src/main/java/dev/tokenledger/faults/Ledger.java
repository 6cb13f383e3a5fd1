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
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ground truth: every unique event (by eventId) added once, summed per dimension, key and
 * UTC day as the aggregator must serve it. Thread-safe: producers record while checkers read.
 */
final class Ledger {

  static final List<String> DIMENSIONS = List.of("user", "model", "provider", "feature", "tenant", "all", "user_model");

  /** Totals of one (dimension, key, day). */
  record Totals(long requests, long tokens, long costNanos) {
    Totals plus(Totals other) {
      return new Totals(requests + other.requests, tokens + other.tokens, costNanos + other.costNanos);
    }
  }

  /** One window of one dimension: day start → (key → totals). */
  private final Map<String, Map<Instant, Map<String, Totals>>> byDimension = new ConcurrentHashMap<>();
  private final Set<String> eventIds = new HashSet<>();

  /** Adds an event unless its eventId is already in; returns whether it was new. */
  synchronized boolean record(TokensConsumed event) {
    if (!eventIds.add(event.getEventId())) {
      return false;
    }
    Instant day = CalendarWindow.containing(Period.DAY, event.getOccurredAt(), ZoneOffset.UTC).start();
    Totals totals = new Totals(1, event.getInputTokens() + event.getOutputTokens(), Workload.costNanos(event));
    String model = event.getProvider() + "/" + event.getModel();
    Map<String, String> keys = Map.of("user", event.getUserId(), "model", model, "provider", event.getProvider(),
        "feature", event.getFeature() == null ? "unassigned" : event.getFeature(),
        "tenant", event.getTenantId() == null ? "unassigned" : event.getTenantId(), "all", "_",
        "user_model", event.getUserId() + "/" + model);
    keys.forEach((dimension, key) -> byDimension.computeIfAbsent(dimension, d -> new TreeMap<>())
        .computeIfAbsent(day, d -> new TreeMap<>()).merge(key, totals, Totals::plus));
    return true;
  }

  synchronized int events() {
    return eventIds.size();
  }

  synchronized Set<Instant> days() {
    return Set.copyOf(byDimension.getOrDefault("all", Map.of()).keySet());
  }

  /** Every key's totals of one dimension on one day. */
  synchronized Map<String, Totals> expected(String dimension, Instant day) {
    return Map.copyOf(byDimension.getOrDefault(dimension, Map.of()).getOrDefault(day, Map.of()));
  }

  synchronized Totals everything(Instant day) {
    return expected("all", day).getOrDefault("_", new Totals(0, 0, 0));
  }
}
