package dev.tokenledger.bench;

/** Reads values out of a Prometheus text exposition ({@code GET /metrics}). */
final class PrometheusText {

  private PrometheusText() {}

  /** The sum of every sample of {@code metric} whose labels contain {@code labelText} ("" for all). */
  static double sum(String exposition, String metric, String labelText) {
    double sum = 0;
    for (String line : exposition.lines().toList()) {
      boolean sample = line.startsWith(metric + "{") || line.startsWith(metric + " ");
      int valueAt = line.lastIndexOf(' ');
      if (sample && line.substring(0, valueAt).contains(labelText)) {
        sum += Double.parseDouble(line.substring(valueAt + 1));
      }
    }
    return sum;
  }
}
