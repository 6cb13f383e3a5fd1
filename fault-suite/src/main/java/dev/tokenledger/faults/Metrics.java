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

  /** The sum of the series of a metric whose labels contain {@code label} (like {@code outcome="routed"}). */
  static double sum(AppProcess app, String metric, String label) {
    Http.Answer answer = Http.get(app.port(), "/metrics", null);
    if (answer.status() != 200) {
      return -1;
    }
    return answer.body().lines().filter(l -> l.startsWith(metric + "{") && l.contains(label))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** Records an exception handler routed to tokens.rejected (Kafka Streams counts each as dropped too). */
  static double routedByHandlers(AppProcess app) {
    return sum(app, "tokenledger_streams_record_errors_total", "outcome=\"routed\"");
  }

  /** Records Kafka Streams dropped: only those an exception handler routed to tokens.rejected. */
  static double droppedRecords(AppProcess app) {
    return sum(app, "tokenledger_streams_dropped_records");
  }
}
