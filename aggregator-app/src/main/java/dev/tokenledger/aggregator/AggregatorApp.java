package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Metrics;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.Shutdown;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * aggregator-app: runs {@link UsageTopology} with exactly-once processing and answers usage
 * queries over HTTP from its stores, forwarding to the instance that owns a key.
 */
public final class AggregatorApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AggregatorApp.class);

  private final Shutdown shutdown;
  private final HttpServer server;
  private final KafkaStreams streams;

  private AggregatorApp(Shutdown shutdown, HttpServer server, KafkaStreams streams) {
    this.shutdown = shutdown;
    this.server = server;
    this.streams = streams;
  }

  public static void main(String[] args) {
    try {
      AggregatorApp app = start(Settings.load("/aggregator-app.properties", args, System.getenv()));
      app.shutdown.onJvmExit();
      log.info("aggregator-app serving on port {}", app.httpPort());
    } catch (ConfigException e) {
      System.err.println("aggregator-app: " + e.getMessage());
      System.exit(2);
    }
  }

  public static AggregatorApp start(Settings settings) {
    AppContext context = AppContext.create("aggregator-app", settings);
    AggregatorConfig config = AggregatorConfig.from(settings);
    Duration closeTimeout = settings.duration("tokenledger.shutdown.timeout");
    PrometheusMeterRegistry registry = Metrics.newRegistry("aggregator-app");
    Shutdown shutdown = new Shutdown();
    try {
      context.createMissingTopics();
      AtomicReference<KafkaStreams> streamsRef = new AtomicReference<>();
      AtomicReference<HostInfo> self = new AtomicReference<>();

      HttpServer server = shutdown.add("http", HttpServer.start(new HttpServer.Options(
          context.bindAddress(), context.httpPort(), context.keys(), registry,
          () -> notReadyReason(streamsRef.get()), 64 * 1024), app -> {
            InstanceRouter router = new InstanceRouter(streamsRef::get, self::get);
            new AggregatorRoutes(router, new UsageQueries(streamsRef::get), config.zone(), Clock.systemUTC())
                .register(app);
          }));
      self.set(new HostInfo(context.advertisedHost(), server.port()));

      KafkaStreams streams = new KafkaStreams(
          UsageTopology.build(config, context.topics(), registry),
          streamsProperties(context, config, self.get()));
      streams.setUncaughtExceptionHandler(e -> {
        log.error("stream thread failed; stopping this instance's processing", e);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      new KafkaStreamsMetrics(streams).bindTo(registry);
      streamsRef.set(streams);
      // Registered after the server, so closed before it: queries stop after processing does.
      shutdown.add("kafka-streams", () -> streams.close(closeTimeout));
      streams.start();
      return new AggregatorApp(shutdown, server, streams);
    } catch (RuntimeException e) {
      shutdown.close();
      throw e;
    }
  }

  public int httpPort() {
    return server.port();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  @Override
  public void close() {
    shutdown.close();
  }

  static Properties streamsProperties(AppContext context, AggregatorConfig config, HostInfo self) {
    Properties props = context.kafkaClientProperties("streams");
    props.remove("client.id");
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, context.stateDir().toAbsolutePath().toString());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG,
        context.settings().intValue("tokenledger.topics.replication-factor", 1, 32));
    return props;
  }

  private static Optional<String> notReadyReason(KafkaStreams streams) {
    if (streams == null) {
      return Optional.of("starting");
    }
    KafkaStreams.State state = streams.state();
    return state == KafkaStreams.State.RUNNING ? Optional.empty() : Optional.of("kafka streams is " + state);
  }
}
