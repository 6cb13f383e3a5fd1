package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;

/**
 * The figures of one {@code alert-latency} run: one table for people, the same as JSON. Latency
 * is from the probe's {@code send()} (and, second, from its acknowledgement) to its UsageAlert
 * being returned by a {@code read_committed} consumer of usage.alerts.
 */
record AlertLatencyReport(
    Instant measuredAt,
    double targetRate,
    Rate background,
    long backgroundFailed,
    long lagAtFirstProbe,
    double probesPerSecond,
    long timeoutMillis,
    long aggregatorCounted,
    AlertLatencyProbes.Outcome probes,
    /** Per-user quotas defined besides the probes' (the quota index's load). */
    long perUserQuotas,
    /** The most records the aggregator and alerting had not consumed, sampled each second from the first probe on. */
    long aggregatorMaxLag,
    long alertingMaxLag) {

  /** The target: p99 ≤ 1 s at 5 000 events/s (the aim: ≤ 500 ms at 20 000). */
  static final double TARGET_P99_MILLIS = 1_000;
  static final double AIM_P99_MILLIS = 500;

  double p(double percentile) {
    return AlertLatencyProbes.percentile(probes.fromSendMillis(), percentile);
  }

  double max() {
    double[] all = probes.fromSendMillis();
    return all.length == 0 ? Double.NaN : all[all.length - 1];
  }

  /** Met only with every probe matched and p99 within the target; the rate is reported beside it. */
  boolean meetsTarget() {
    return probes.unmatched() == 0 && probes.sent() > 0 && p(99) <= TARGET_P99_MILLIS;
  }

  String table() {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "alert-latency: background %,.0f events/s targeted, %,.0f achieved"
        + " (%,d events in %.1f s, %d failed), one broker, measured %s\n", targetRate, background.recordsPerSecond(),
        background.records(), background.seconds(), backgroundFailed, measuredAt));
    t.append(String.format(Locale.ROOT, "aggregator: %,d events behind the load when the probes started; counted %,d"
        + " events (background + probes) at the end\n", lagAtFirstProbe, aggregatorCounted));
    t.append(String.format(Locale.ROOT, "%,d per-user quotas besides the probes'; most records not yet consumed"
        + " while probing: aggregator %,d, alerting %,d\n", perUserQuotas, aggregatorMaxLag, alertingMaxLag));
    t.append(String.format(Locale.ROOT, "probes: %d sent at %.1f/s, %d matched, %d unmatched after %d ms"
        + " (of which %d alerted later), %d repeated alerts, %d alerts for other subjects\n", probes.sent(),
        probesPerSecond, probes.matched(), probes.unmatched(), timeoutMillis, probes.late(), probes.repeatedAlerts(),
        probes.otherAlerts()));
    t.append(String.format(Locale.ROOT, "%-34s %10s %10s %10s\n", "latency to alert read (ms)", "p50", "p99", "max"));
    double[] fromAck = probes.fromAckMillis();
    t.append(String.format(Locale.ROOT, "%-34s %10.1f %10.1f %10.1f\n", "from send()", p(50), p(99), max()));
    t.append(String.format(Locale.ROOT, "%-34s %10.1f %10.1f %10.1f\n", "from the producer's ack",
        AlertLatencyProbes.percentile(fromAck, 50), AlertLatencyProbes.percentile(fromAck, 99),
        fromAck.length == 0 ? Double.NaN : fromAck[fromAck.length - 1]));
    if (probes.warmupProbes() > 0) {
      t.append(String.format(Locale.ROOT, "warm-up probes before them (not in the figures): %d, the slowest alerted"
          + " after %.0f ms\n", probes.warmupProbes(), probes.warmupMaxMillis()));
    }
    if (!probes.slowest().isEmpty()) {
      t.append("slowest probes (sent at +s: ms):");
      probes.slowest().forEach(slow -> t.append(String.format(Locale.ROOT, " +%.1f: %.0f;", slow.sentAfterSeconds(),
          slow.latencyMillis())));
      t.append('\n');
    }
    t.append(String.format(Locale.ROOT, "target p99 <= %.0f ms with every probe alerted: %s; aim p99 <= %.0f ms: %s\n",
        TARGET_P99_MILLIS, meetsTarget() ? "met" : "NOT met", AIM_P99_MILLIS,
        meetsTarget() && p(99) <= AIM_P99_MILLIS ? "met" : "not met"));
    return t.toString();
  }

  String json(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode()
        .put("scenario", "alert-latency")
        .put("measuredAt", measuredAt.toString());
    root.putObject("background")
        .put("targetEventsPerSecond", targetRate)
        .put("achievedEventsPerSecond", background.recordsPerSecond())
        .put("events", background.records())
        .put("seconds", background.seconds())
        .put("failed", backgroundFailed);
    root.put("aggregatorLagAtFirstProbe", lagAtFirstProbe);
    root.put("aggregatorCounted", aggregatorCounted);
    root.put("perUserQuotas", perUserQuotas);
    root.put("aggregatorMaxLag", aggregatorMaxLag);
    root.put("alertingMaxLag", alertingMaxLag);
    root.putObject("probes")
        .put("perSecond", probesPerSecond)
        .put("sent", probes.sent())
        .put("matched", probes.matched())
        .put("unmatched", probes.unmatched())
        .put("alertedAfterTimeout", probes.late())
        .put("timeoutMillis", timeoutMillis)
        .put("repeatedAlerts", probes.repeatedAlerts())
        .put("otherAlerts", probes.otherAlerts())
        .put("warmupProbes", probes.warmupProbes());
    double[] fromAck = probes.fromAckMillis();
    ObjectNode fromSend = root.putObject("latencyMillisFromSend");
    number(fromSend, "p50", p(50));
    number(fromSend, "p99", p(99));
    number(fromSend, "max", max());
    ObjectNode ack = root.putObject("latencyMillisFromAck");
    number(ack, "p50", AlertLatencyProbes.percentile(fromAck, 50));
    number(ack, "p99", AlertLatencyProbes.percentile(fromAck, 99));
    number(ack, "max", fromAck.length == 0 ? Double.NaN : fromAck[fromAck.length - 1]);
    root.putObject("target").put("p99Millis", TARGET_P99_MILLIS).put("met", meetsTarget())
        .put("aimP99Millis", AIM_P99_MILLIS).put("aimMet", meetsTarget() && p(99) <= AIM_P99_MILLIS);
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** JSON has no NaN: no value is null. */
  private static void number(ObjectNode node, String name, double value) {
    if (Double.isNaN(value)) {
      node.putNull(name);
    } else {
      node.put(name, value);
    }
  }
}
