package dev.tokenledger.faults;

/** Values read from an app's Prometheus {@code /metrics}. */
final class Metrics {

  private Metrics() {}

  /** The sum of every series of a metric (0 when absent); -1 when /metrics does not answer. */
  static double sum(AppProcess app, String metric) {
    Http.Answer answer = Http.get(app.port(), "/metrics", null);
    if (answer.status() != 200) {
      return -1;
    }
    return answer.body().lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** Records Kafka Streams dropped (the aggregator and alerting must never drop one). */
  static double droppedRecords(AppProcess app) {
    return sum(app, "tokenledger_streams_dropped_records");
  }
}
