package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void shouldPublishHttpRequestTimesAsAHistogramWithFixedBuckets() {
    PrometheusMeterRegistry registry = Metrics.newRegistry("test-app");

    Timer.builder("http.server.requests").tags("method", "GET", "route", "/v1/usage", "status", "200")
        .register(registry).record(Duration.ofMillis(40));

    List<String> buckets = registry.scrape().lines()
        .filter(line -> line.startsWith("http_server_requests_seconds_bucket{")).toList();
    assertThat(buckets).hasSize(17);
    assertThat(buckets).contains(
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"0.025\"} 0",
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"0.05\"} 1",
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"30.0\"} 1",
        "http_server_requests_seconds_bucket{app=\"test-app\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"+Inf\"} 1");
  }

  @Test
  void shouldShowAKafkaClientsMetricsTaggedWithTheAppUntilTheBinderIsClosed() {
    PrometheusMeterRegistry registry = Metrics.newRegistry("test-app");
    // No broker needed: a producer has its metrics from construction and connects only to send.
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"),
        new StringSerializer(), new StringSerializer())) {
      KafkaClientMetrics clientMetrics = Metrics.bindKafkaClient(registry, producer);

      assertThat(registry.scrape().lines().filter(line -> line.startsWith("kafka_producer_")))
          .isNotEmpty()
          .allSatisfy(line -> assertThat(line).contains("app=\"test-app\"", "kafka_version="));

      clientMetrics.close();

      assertThat(registry.scrape()).doesNotContain("kafka_producer_");
    }
  }
}
