package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

  @Test
  void shouldBeHealthyOnlyWhileTheAppIsReady() throws Exception {
    AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.of("kafka streams is REBALANCING"));
    try (HttpServer server = HttpServer.start(new HttpServer.Options("127.0.0.1", 0, Optional.empty(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), notReady::get, new Liveness(), 1024, Map.of(), "/test-app.openapi.json", Map::of), app -> {})) {
      URI ready = URI.create("http://127.0.0.1:" + server.port() + "/ready");

      assertThat(HealthCheck.isReady(ready)).isFalse();
      notReady.set(Optional.empty());
      assertThat(HealthCheck.isReady(ready)).isTrue();
    }
  }

  @Test
  void shouldBeUnhealthyWhenNothingListens() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }

    assertThat(HealthCheck.isReady(URI.create("http://127.0.0.1:" + freePort + "/ready"))).isFalse();
  }
}
