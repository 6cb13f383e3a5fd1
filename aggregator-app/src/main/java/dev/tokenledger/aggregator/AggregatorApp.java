package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.GlobalTableAdmin;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Liveness;
import dev.tokenledger.runtime.Metrics;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.Shutdown;
import dev.tokenledger.runtime.StreamsRuntime;
import dev.tokenledger.schemas.avro.ModelPrice;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * aggregator-app: runs {@link UsageTopology} with exactly-once processing and answers usage
 * queries over HTTP from its stores, forwarding to the instance that owns a key.
 */
public final class AggregatorApp {

  private static final Logger log = LoggerFactory.getLogger(AggregatorApp.class);

  /** The dashboard at {@code /}, and Chart.js from its WebJar (no CDN: it works offline). */
  private static final Map<String, String> DASHBOARD = Map.of(
      "/", "/dashboard",
      // The WebJar has no entry for dist/, so its version folder is served and the page loads dist/chart.umd.js.
      "/vendor/chartjs", "/META-INF/resources/webjars/chart.js/4.5.1");

  private AggregatorApp() {}

  public static void main(String[] args) {
    RunningApp.main("aggregator-app", args, AggregatorApp::start);
  }

  public static RunningApp start(Settings settings) {
    AppContext context = AppContext.create("aggregator-app", settings);
    AggregatorConfig config = AggregatorConfig.from(settings);
    Duration closeTimeout = settings.duration("tokenledger.shutdown.timeout");
    PrometheusMeterRegistry registry = Metrics.newRegistry("aggregator-app");
    Shutdown shutdown = new Shutdown();
    Liveness liveness = new Liveness();
    try {
      context.createMissingTopics();
      int subjectPartitions = context.partitionCount(context.topics().tokensConsumed().name());
      AtomicReference<KafkaStreams> streamsRef = new AtomicReference<>();
      AtomicReference<HostInfo> self = new AtomicReference<>();

      GlobalTableAdmin<ModelPrice> prices = shutdown.add("pricing-admin", new GlobalTableAdmin<>(
          context.topics().pricingCatalog(), context.kafkaClientProperties("pricing-admin"), streamsRef::get,
          UsageTopology.PRICE_STORE, settings.duration("tokenledger.aggregator.pricing.visibility-timeout"),
          registry));
      if (settings.bool("tokenledger.aggregator.pricing.seed-defaults")
          && prices.seedIfNeverWritten(PriceJson.defaultCatalog().stream()
              .map(p -> Map.entry(Pricing.key(p.getProvider(), p.getModel()), p)).toList())) {
        log.info("loaded the default price catalogue into {}", context.topics().pricingCatalog().name());
      }
      HttpServer server = shutdown.add("http", HttpServer.start(new HttpServer.Options(
          context.bindAddress(), context.httpPort(), context.keys(), registry,
          () -> StreamsRuntime.notReadyReason(streamsRef.get()), liveness, 64 * 1024, DASHBOARD, "/aggregator-app.openapi.json", Map::of),
          app -> {
            InstanceRouter router = new InstanceRouter(streamsRef::get, self::get);
            UsageQueries queries = new UsageQueries(streamsRef::get, () -> subjectPartitions, config, Clock.systemUTC());
            new AggregatorRoutes(router, queries, prices, config.models(), config.zone(), Clock.systemUTC())
                .register(app);
            // The by-subject repartition topic has as many partitions as tokens.consumed.
            CrossKeyQueries crossKey = new CrossKeyQueries(queries, router, () -> subjectPartitions);
            new InsightRoutes(router, queries, crossKey, config.zone(), Clock.systemUTC()).register(app);
          }));
      self.set(new HostInfo(context.advertisedHost(), server.port()));

      Properties properties = StreamsRuntime.properties(context, config.applicationId(), config.standbyReplicas(),
          config.streamThreads(), self.get(), registry);
      properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
      KafkaStreams streams = new KafkaStreams(
          UsageTopology.build(config, context.topics(), subjectPartitions, registry), properties);
      streamsRef.set(streams);
      // Registered after the server, so closed before it: queries outlive processing.
      StreamsRuntime.start(streams, registry, shutdown, closeTimeout, liveness);
      return new RunningApp("aggregator-app", shutdown, server, liveness);
    } catch (RuntimeException e) {
      shutdown.close();
      throw e;
    }
  }

}
