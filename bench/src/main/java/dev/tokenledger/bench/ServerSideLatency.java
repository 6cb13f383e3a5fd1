package dev.tokenledger.bench;

import java.util.Map;
import java.util.TreeMap;

/**
 * One route's request times as the apps' own {@code http_server_requests} histograms saw them
 * over the measurement (the difference of two scrapes): no client, network or scheduling in it.
 * A percentile is the upper bound of the bucket it falls in ("at most").
 */
record ServerSideLatency(long count, double p50AtMostMillis, double p99AtMostMillis) {

  static ServerSideLatency between(TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
    TreeMap<Double, Double> delta = new TreeMap<>();
    after.forEach((le, count) -> delta.put(le, count - before.getOrDefault(le, 0.0)));
    double total = delta.isEmpty() ? 0 : delta.lastEntry().getValue();
    return new ServerSideLatency(Math.round(total), atMost(delta, total, 0.50), atMost(delta, total, 0.99));
  }

  private static double atMost(TreeMap<Double, Double> cumulative, double total, double quantile) {
    if (total == 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
      if (bucket.getValue() >= quantile * total) {
        return bucket.getKey() * 1_000;
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
