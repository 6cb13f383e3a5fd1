package dev.tokenledger.ingest;

import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.Liveness;
import dev.tokenledger.runtime.Metrics;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.Shutdown;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.AdminClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest service: {@code POST /v1/events} (and OTLP spans, {@code POST /v1/traces}) over HTTP,
 * validated and normalized into {@code TokensConsumed} records on Kafka. {@link #start(Settings)} runs it in-process (tests, embedding);
 * {@link #main(String[])} runs it as a process until SIGTERM.
 */
public final class IngestApp {

  static final String APP = "ingest-app";
  static final String SEND_TIMEOUT = "tokenledger.ingest.send-timeout";
  static final String MAX_FUTURE_SKEW = "tokenledger.ingest.max-future-skew";
  static final String OTLP_USER_ATTRIBUTES = "tokenledger.ingest.otlp.user-attributes";
  static final String OTLP_TENANT_ATTRIBUTE = "tokenledger.ingest.otlp.tenant-attribute";
  static final String OTLP_SERVICE_ATTRIBUTE = "tokenledger.ingest.otlp.service-attribute";
  private static final Duration PROBE_INTERVAL = Duration.ofSeconds(10);
  private static final Logger log = LoggerFactory.getLogger(IngestApp.class);

  private IngestApp() {}

  public static void main(String[] args) {
    RunningApp.main(APP, args, IngestApp::start);
  }

  /**
   * Ensures the topics, then starts the producer, the readiness probe and the HTTP server.
   *
   * @throws ConfigException when a setting is wrong, naming the key
   */
  public static RunningApp start(Settings settings) {
    AppContext context = AppContext.create(APP, settings);
    Duration sendTimeout = positive(settings, SEND_TIMEOUT);
    Duration maxFutureSkew = positive(settings, MAX_FUTURE_SKEW);
    Duration shutdownTimeout = settings.duration("tokenledger.shutdown.timeout");
    SpanEvents.Names spanNames = spanNames(settings);
    PrometheusMeterRegistry registry = Metrics.newRegistry(APP);
    IngestMetrics metrics = new IngestMetrics(registry);

    context.createMissingTopics();
    // Closed in reverse: the server stops taking requests first, the producer flushes last; each
    // client's metrics binder is added after its client, so it closes first (see Metrics.bindKafkaClient).
    Shutdown shutdown = new Shutdown();
    try {
      EventPublisher publisher = shutdown.add("kafka producer",
          EventPublisher.create(context, sendTimeout, shutdownTimeout, metrics));
      shutdown.add("kafka producer metrics", publisher.bindClientMetrics(registry));
      AdminClient admin = AdminClient.create(context.kafkaClientProperties("probe"));
      ClusterProbe probe = shutdown.add("cluster probe", new ClusterProbe(
          admin, context.topics().tokensConsumed().name(), sendTimeout));
      shutdown.add("kafka admin metrics", Metrics.bindKafkaClient(registry, admin));
      Optional<Duration> retention = TopicRetention.of(admin, context.topics().tokensConsumed(), sendTimeout);
      probe.start(PROBE_INTERVAL);
      TokenCounter counter = new TokenCounter();
      EventParser parser = new EventParser(Clock.systemUTC(), maxFutureSkew, retention, counter);
      IngestRoutes routes = new IngestRoutes(parser, counter, publisher, metrics);
      TraceRoutes traces = new TraceRoutes(new SpanEvents(spanNames), parser, publisher, metrics);
      // Nothing in ingest fails for good: a broker it cannot reach makes it not ready, not dead.
      Liveness liveness = new Liveness();
      HttpServer server = shutdown.add("http server", HttpServer.start(new HttpServer.Options(
          context.bindAddress(), context.httpPort(), context.keys(), registry,
          probe::notReadyReason, liveness, EventBatch.MAX_BODY_BYTES, Map.of(), "/ingest-app.openapi.json", Map::of),
          app -> {
            routes.register(app);
            traces.register(app);
          }));
      log.info("{} serving on port {}, writing to {}", APP, server.port(), context.topics().tokensConsumed().name());
      return new RunningApp(APP, shutdown, server, liveness);
    } catch (RuntimeException e) {
      shutdown.close();
      throw e;
    }
  }

  /** Which span attributes name an event's user, tenant and service; an empty service setting reads none. */
  private static SpanEvents.Names spanNames(Settings settings) {
    List<String> user = Arrays.stream(settings.string(OTLP_USER_ATTRIBUTES).split(",")).map(String::trim).toList();
    if (user.isEmpty() || user.stream().anyMatch(String::isEmpty)) {
      throw new ConfigException(OTLP_USER_ATTRIBUTES, "must be attribute names separated by commas (got "
          + settings.string(OTLP_USER_ATTRIBUTES) + ")");
    }
    return new SpanEvents.Names(settings.optional(OTLP_SERVICE_ATTRIBUTE), user, settings.string(OTLP_TENANT_ATTRIBUTE));
  }

  private static Duration positive(Settings settings, String key) {
    Duration value = settings.duration(key);
    if (value.isZero() || value.isNegative()) {
      throw new ConfigException(key, "must be more than 0 (got " + settings.string(key) + ")");
    }
    return value;
  }
}
