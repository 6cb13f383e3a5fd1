package dev.tokenledger.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the Streams apps configure, start, watch and stop Kafka Streams: the same way each. */
public final class StreamsRuntime {

  private static final Logger log = LoggerFactory.getLogger(StreamsRuntime.class);

  private StreamsRuntime() {}

  /**
   * Exactly-once v2, this instance's state dir and query address, standbys and threads, and the
   * exception handlers that route a failing record to {@code tokens.rejected} instead of stopping.
   */
  public static Properties properties(AppContext context, String applicationId, int standbyReplicas,
      int streamThreads, HostInfo self, MeterRegistry registry) {
    Properties props = context.settings().kafka();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // A task marked corrupted is revived on its thread, not through a rebalance that can lose its
    // uncommitted events (see the class).
    props.put(StreamsConfig.DEFAULT_CLIENT_SUPPLIER_CONFIG, ReviveInPlaceClients.class);
    props.put(StreamsConfig.STATE_DIR_CONFIG, context.stateDir().toAbsolutePath().toString());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    // The default from Kafka 5.0; saying so now keeps a warning out of every start.
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.putAll(errorHandling(context.topics().tokensRejected().name(), applicationId, registry));
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) context.topics().tokensConsumed().replicationFactor());
    // A crashed instance holds its partitions until its session expires: with the consumer's 45 s
    // default, a restarted instance and everything it owns waited ~48 s (measured by the fault
    // suite); 10 s brings that to ~12 s. The heartbeat thread keeps a busy instance alive.
    // kafka.session.timeout.ms / kafka.heartbeat.interval.ms override these.
    props.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    props.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
    // The record cache sums a bucket's updates between two commits into one store write and one
    // changelog record; at the 10 MB default it filled within a commit interval, and each eviction
    // flushed a whole store's dirty entries (half the aggregator's time, measured by the bench).
    props.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    props.put(BoundedRocksDbMemory.MEMORY_CONFIG,
        Long.toString(context.settings().intValue("tokenledger.rocksdb.memory-mb", 16, 1 << 20) * 1024L * 1024));
    return props;
  }

  /**
   * The exception handlers of both Streams apps ({@link RecordErrorHandler}), routing to {@code
   * rejectedTopic}, and their timestamp extractor ({@link RecordTimestamps}): in {@link
   * #properties}, and in topology tests, so they run what the apps run.
   */
  public static Properties errorHandling(String rejectedTopic, String applicationId, MeterRegistry registry) {
    Properties props = new Properties();
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, RecordErrorHandler.class);
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RecordErrorHandler.class);
    props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, RecordErrorHandler.class);
    props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, RecordTimestamps.class);
    props.put(RecordErrorHandler.REJECTED_TOPIC_CONFIG, rejectedTopic);
    props.put(RecordErrorHandler.APPLICATION_CONFIG, applicationId);
    props.put(RecordErrorHandler.METER_REGISTRY_CONFIG, registry);
    RecordErrorHandler.registerMetrics(registry);
    return props;
  }

  /**
   * Starts {@code streams} with its metrics bound, and registers it with {@code shutdown}. A
   * failing stream thread is replaced a few times ({@link StreamThreadFailures}); one that keeps
   * failing stops this instance's processing (its partitions move to the other instances) and
   * marks {@code liveness} failed, so {@code /health} fails and the process exits for its
   * orchestrator to restart it. A record cannot get here: the exception handlers route it.
   */
  public static void start(KafkaStreams streams, MeterRegistry registry, Shutdown shutdown, Duration closeTimeout,
      Liveness liveness) {
    streams.setUncaughtExceptionHandler(new StreamThreadFailures(Clock.systemUTC(), registry));
    streams.setStateListener((state, previous) -> {
      if (state == KafkaStreams.State.ERROR) {
        liveness.fail("kafka streams stopped after an unrecoverable error (was " + previous + "; see the log)");
      }
    });
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    // Read at every scrape, so a task created a moment ago is already in it (the binder above
    // discovers new metrics only once a minute). TokenLedger promises it stays at zero.
    Gauge.builder("tokenledger.streams.dropped.records", streams, s -> s.metrics().values().stream()
            .filter(metric -> metric.metricName().name().equals("dropped-records-total"))
            .mapToDouble(metric -> ((Number) metric.metricValue()).doubleValue()).sum())
        .description("records Kafka Streams dropped (deserialization, late, expired): always 0 in TokenLedger")
        .register(registry);
    // Added first, so closed after Streams: its last metrics stay readable until it has stopped.
    shutdown.add("kafka-streams-metrics", streamsMetrics);
    shutdown.add("kafka-streams", () -> streams.close(closeTimeout));
    streams.start();
  }

  /** Empty when Kafka Streams is RUNNING, else what it is doing, for {@code /ready}. */
  public static Optional<String> notReadyReason(KafkaStreams streams) {
    if (streams == null) {
      return Optional.of("starting");
    }
    KafkaStreams.State state = streams.state();
    return state == KafkaStreams.State.RUNNING ? Optional.empty() : Optional.of("kafka streams is " + state);
  }
}
