package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void shouldPublishHttpRequestTimesAsAHistogramWithFixedBuckets() {
    PrometheusMeterRegistry registry = Metrics.newRegistry("test-app");

    Timer.builder("http.server.requests").tags("method", "GET", "route", "/v1/usage", "status", "200")
        .register(registry).record(Duration.ofMillis(40));

    List<String> buckets = registry.scrape().lines()
        .filter(line -> line.startsWith("http_server_requests_seconds_bucket{")).toList();
    assertThat(buckets).hasSize(15);
    assertThat(buckets).contains(
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"0.025\"} 0",
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"0.05\"} 1",
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"30.0\"} 1",
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"+Inf\"} 1");
  }
}
