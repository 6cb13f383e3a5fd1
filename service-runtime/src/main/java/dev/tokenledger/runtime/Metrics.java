package dev.tokenledger.runtime;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.stream.DoubleStream;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The Prometheus registry of an app, with JVM and process metrics bound and the app tagged; and the
 * one way to bind a Kafka client's own metrics to it.
 */
public final class Metrics {

  /** The bounds of the HTTP request-time histogram: 0.25 ms to 30 s, in nanoseconds (a timer's unit here). */
  private static final double[] HTTP_BUCKETS = DoubleStream.of(0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500,
      5_000, 10_000, 30_000).map(ms -> ms * 1_000_000).toArray();

  private Metrics() {}

  public static PrometheusMeterRegistry newRegistry(String app) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("app", app);
    // Histogram buckets, so a dashboard can take the p99 of a route across instances
    // (histogram_quantile). Fixed ones: Micrometer's own would be 69 a series between 1 ms and 30 s.
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (!id.getName().equals("http.server.requests")) {
          return config;
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(HTTP_BUCKETS).build().merge(config);
      }
    });
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    return registry;
  }

  /**
   * Binds the producer's own metrics ({@code kafka_producer_*}).
   *
   * <p>Close the result before the client: it reads the client's metrics on its own thread once a
   * minute, and closing it stops that and removes its meters, so a scrape never shows a closed
   * client's last values.
   */
  public static KafkaClientMetrics bindKafkaClient(MeterRegistry registry, Producer<?, ?> producer) {
    return bound(new KafkaClientMetrics(producer), registry);
  }

  /** Binds the consumer's own metrics ({@code kafka_consumer_*}); close the result before the consumer. */
  public static KafkaClientMetrics bindKafkaClient(MeterRegistry registry, Consumer<?, ?> consumer) {
    return bound(new KafkaClientMetrics(consumer), registry);
  }

  /** Binds the admin client's own metrics ({@code kafka_admin_client_*}); close the result before the client. */
  public static KafkaClientMetrics bindKafkaClient(MeterRegistry registry, AdminClient admin) {
    return bound(new KafkaClientMetrics(admin), registry);
  }

  private static KafkaClientMetrics bound(KafkaClientMetrics clientMetrics, MeterRegistry registry) {
    clientMetrics.bindTo(registry);
    return clientMetrics;
  }
}
