package dev.tokenledger.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads values out of a Prometheus text exposition ({@code GET /metrics}). */
final class PrometheusText {

  private PrometheusText() {}

  /** {@code GET /metrics} of the app on {@code port} of this host. */
  static String scrape(int port) throws InterruptedException, IOException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30))
            .build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET /metrics answered " + response.statusCode());
    }
    return response.body();
  }

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

  /**
   * A histogram's cumulative bucket counts by upper bound ({@code le}), summed over every series
   * whose labels contain all of {@code labelTexts}.
   */
  static java.util.TreeMap<Double, Double> buckets(String exposition, String metric, String... labelTexts) {
    java.util.TreeMap<Double, Double> counts = new java.util.TreeMap<>();
    for (String line : exposition.lines().toList()) {
      if (!line.startsWith(metric + "_bucket{")) {
        continue;
      }
      int valueAt = line.lastIndexOf(' ');
      String labels = line.substring(0, valueAt);
      if (java.util.Arrays.stream(labelTexts).allMatch(labels::contains)) {
        String le = labels.substring(labels.indexOf("le=\"") + 4, labels.indexOf('"', labels.indexOf("le=\"") + 4));
        counts.merge(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
            Double.parseDouble(line.substring(valueAt + 1)), Double::sum);
      }
    }
    return counts;
  }
}
