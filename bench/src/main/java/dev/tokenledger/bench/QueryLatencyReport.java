package dev.tokenledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The figures of one {@code query-latency} run: one table for people, the same as JSON. */
record QueryLatencyReport(
    Instant measuredAt,
    int users,
    long preloadEvents,
    double loadTarget,
    double loadAchieved,
    double queryRate,
    long seconds,
    /** Queries whose answer came from another instance than the one expected (ownership moved mid-run). */
    long misrouted,
    Map<String, QueryLatencyRecorder.Summary> kinds,
    /** The same kinds as the apps' own request timers saw them. */
    Map<String, ServerSideLatency> serverSide) {

  /** The p99 targets in milliseconds, by kind of query. */
  static final Map<String, Double> P99_TARGET_MILLIS = targets();

  private static Map<String, Double> targets() {
    Map<String, Double> targets = new LinkedHashMap<>();
    targets.put("usage-local", 5.0);
    targets.put("usage-forwarded", 15.0);
    targets.put("admission", 5.0);
    return targets;
  }

  /** Whether the kind's p99 is within its target; null for a kind without one, or without answers. */
  Boolean met(String kind) {
    Double target = P99_TARGET_MILLIS.get(kind);
    QueryLatencyRecorder.Summary summary = kinds.get(kind);
    return target == null || summary == null || summary.count() == 0 ? null : summary.p99Millis() <= target;
  }

  String table() {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "query-latency: %,d users (%,d events preloaded), background load %,.0f"
        + " events/s (target %,.0f), queries %,.0f/s for %d s, two aggregators + one alerting app, measured %s\n",
        users, preloadEvents, loadAchieved, loadTarget, queryRate, seconds, measuredAt));
    t.append(String.format(Locale.ROOT, "%-18s %8s %9s %9s %9s %13s  %s\n", "", "count", "p50 ms", "p99 ms", "max ms",
        "p99 target", "not 2xx"));
    kinds.forEach((kind, s) -> {
      Double target = P99_TARGET_MILLIS.get(kind);
      Boolean met = met(kind);
      String targetText = target == null ? "" : String.format(Locale.ROOT, "<= %.0f %s", target,
          met == null ? "n/a" : met ? "met" : "MISSED");
      t.append(String.format(Locale.ROOT, "%-18s %,8d %9.2f %9.2f %9.2f %13s  %s", kind, s.count(), s.p50Millis(),
          s.p99Millis(), s.maxMillis(), targetText, failures(s)).stripTrailing()).append('\n');
    });
    t.append(String.format(Locale.ROOT, "%-18s %8s %13s %13s   (server side: the apps' http_server_requests,"
        + " bucket bounds)\n", "", "count", "p50 <= ms", "p99 <= ms"));
    serverSide.forEach((kind, s) -> t.append(String.format(Locale.ROOT, "%-18s %,8d %13.2f %13.2f\n", kind, s.count(),
        s.p50AtMostMillis(), s.p99AtMostMillis())));
    if (misrouted > 0) {
      t.append(String.format(Locale.ROOT, "%,d queries were answered by another instance than expected"
          + " (ownership moved during the run)\n", misrouted));
    }
    return t.toString();
  }

  private static String failures(QueryLatencyRecorder.Summary s) {
    if (s.failures().isEmpty()) {
      return "0";
    }
    StringBuilder text = new StringBuilder(Long.toString(s.failed())).append(" (");
    s.failures().forEach((answer, count) -> text.append(text.charAt(text.length() - 1) == '(' ? "" : ", ")
        .append(answer).append(": ").append(count));
    return text.append(')').toString();
  }

  String json(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode()
        .put("scenario", "query-latency")
        .put("measuredAt", measuredAt.toString())
        .put("users", users)
        .put("preloadEvents", preloadEvents)
        .put("loadTargetEventsPerSecond", loadTarget)
        .put("loadEventsPerSecond", loadAchieved)
        .put("queriesPerSecond", queryRate)
        .put("seconds", seconds)
        .put("misrouted", misrouted);
    ObjectNode all = root.putObject("kinds");
    kinds.forEach((kind, s) -> {
      ObjectNode k = all.putObject(kind)
          .put("count", s.count())
          .put("p50Millis", s.p50Millis())
          .put("p99Millis", s.p99Millis())
          .put("maxMillis", s.maxMillis())
          .put("not2xx", s.failed());
      ObjectNode failures = k.putObject("not2xxByAnswer");
      s.failures().forEach(failures::put);
      Double target = P99_TARGET_MILLIS.get(kind);
      if (target != null) {
        k.put("p99TargetMillis", target);
        Boolean met = met(kind);
        if (met != null) {
          k.put("p99TargetMet", met);
        }
      }
    });
    ObjectNode server = root.putObject("serverSide");
    serverSide.forEach((kind, s) -> server.putObject(kind).put("count", s.count())
        .put("p50AtMostMillis", s.p50AtMostMillis()).put("p99AtMostMillis", s.p99AtMostMillis()));
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
