package dev.tokenledger.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The probes of one {@code alert-latency} run and the alerts read for them, matched by subject
 * ({@code user:PROBE-USER}): each probe is the only event of a fresh user and crosses the quota
 * alone, so it must produce exactly one alert with its subject. Times are {@link System#nanoTime()}
 * values of the bench's JVM. A probe whose alert is not read within the timeout counts as
 * unmatched, whether its alert comes later or never. Thread-safe: the probe sender, the producer's
 * callbacks and the alert reader call it concurrently.
 */
final class AlertLatencyProbes {

  /** One probe: when it was sent, when the broker acknowledged it, when its alert was read (-1: not yet). */
  private static final class Probe {
    final long sentNanos;
    /** False for the warm-up probes: matched like the others, kept out of the figures. */
    final boolean measured;
    long ackedNanos = -1;
    long alertNanos = -1;

    Probe(long sentNanos, boolean measured) {
      this.sentNanos = sentNanos;
      this.measured = measured;
    }
  }

  /** What the run found; latencies in milliseconds, sorted, of the probes matched within the timeout. */
  record Outcome(long sent, long matched, long unmatched, long late, long repeatedAlerts, long otherAlerts,
      double[] fromSendMillis, double[] fromAckMillis, List<Slow> slowest, long warmupProbes,
      double warmupMaxMillis) {}

  /** One of the slowest probes: sent this many seconds after the first, alerted this many ms later. */
  record Slow(double sentAfterSeconds, double latencyMillis) {}

  private static final int SLOWEST = 10;

  private final Map<String, Probe> probes = new HashMap<>();
  private long repeatedAlerts;
  private long otherAlerts;

  synchronized void sent(String subject, long nanos) {
    sent(subject, nanos, true);
  }

  synchronized void sent(String subject, long nanos, boolean measured) {
    if (probes.putIfAbsent(subject, new Probe(nanos, measured)) != null) {
      throw new IllegalArgumentException("probe " + subject + " sent twice: each probe needs a fresh user");
    }
  }

  synchronized void acked(String subject, long nanos) {
    Probe probe = probes.get(subject);
    if (probe != null) {
      probe.ackedNanos = nanos;
    }
  }

  /** An alert read from usage.alerts: a probe's first, a repeat, or one for a subject that is no probe. */
  synchronized void alertRead(String subject, long nanos) {
    Probe probe = probes.get(subject);
    if (probe == null) {
      otherAlerts++;
    } else if (probe.alertNanos >= 0) {
      repeatedAlerts++;
    } else {
      probe.alertNanos = nanos;
    }
  }

  /** Whether every probe has its alert or has waited {@code timeoutNanos} for it by {@code nowNanos}. */
  synchronized boolean settled(long nowNanos, long timeoutNanos) {
    return probes.values().stream().allMatch(p -> p.alertNanos >= 0 || nowNanos - p.sentNanos >= timeoutNanos);
  }

  /** Probes sent so far and how many of them have their alert, for progress lines. */
  synchronized String progress() {
    return probes.size() + " probes sent, " + probes.values().stream().filter(p -> p.alertNanos >= 0).count()
        + " alerted";
  }

  synchronized Outcome outcome(long timeoutNanos) {
    List<Double> fromSend = new ArrayList<>();
    List<Double> fromAck = new ArrayList<>();
    List<Slow> slow = new ArrayList<>();
    long first = probes.values().stream().filter(p -> p.measured).mapToLong(p -> p.sentNanos).min().orElse(0);
    long late = 0;
    long warmup = 0;
    double warmupMax = 0;
    for (Probe probe : probes.values()) {
      if (!probe.measured) {
        warmup++;
        warmupMax = Math.max(warmupMax, probe.alertNanos < 0 ? Double.POSITIVE_INFINITY
            : (probe.alertNanos - probe.sentNanos) / 1e6);
        continue;
      }
      if (probe.alertNanos < 0) {
        continue;
      }
      long latency = probe.alertNanos - probe.sentNanos;
      if (latency > timeoutNanos) {
        late++;
        continue;
      }
      fromSend.add(latency / 1e6);
      slow.add(new Slow((probe.sentNanos - first) / 1e9, latency / 1e6));
      if (probe.ackedNanos >= 0) {
        fromAck.add((probe.alertNanos - probe.ackedNanos) / 1e6);
      }
    }
    long matched = fromSend.size();
    long measured = probes.size() - warmup;
    slow.sort(java.util.Comparator.comparingDouble(Slow::latencyMillis).reversed());
    return new Outcome(measured, matched, measured - matched, late, repeatedAlerts, otherAlerts,
        sorted(fromSend), sorted(fromAck), List.copyOf(slow.subList(0, Math.min(SLOWEST, slow.size()))), warmup,
        warmupMax);
  }

  /**
   * The nearest-rank percentile {@code p} (0 &lt; p ≤ 100) of {@code sorted}: the smallest value
   * at least {@code p} % of the values are ≤ to; NaN when there is none.
   */
  static double percentile(double[] sorted, double p) {
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("percentile must be > 0 and ≤ 100 (got " + p + ")");
    }
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  private static double[] sorted(List<Double> values) {
    double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(array);
    return array;
  }
}
