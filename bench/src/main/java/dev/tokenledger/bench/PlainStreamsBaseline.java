package dev.tokenledger.bench;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The yardstick for the aggregator: the plain Kafka Streams way to the same kind of totals, as
 * KAFKA-NOTES measured it. Total tokens per user, model and provider ({@code groupBy}: one
 * repartition topic each) × hour, day and 30-day windows (RocksDB), exactly-once v2. Run as its
 * own JVM: {@code PlainStreamsBaseline BOOTSTRAP TOPIC APP_ID STATE_DIR THREADS}; on SIGTERM it
 * prints {@code dropped-records-total=N} and exits.
 */
public final class PlainStreamsBaseline {

  static final List<String> GROUPINGS = List.of("by-user", "by-model", "by-provider");
  private static final List<Duration> WINDOWS = List.of(Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(30));
  /**
   * Longer than the preload's span: replayed behind a repartition, stream time runs ahead of some
   * records, and KAFKA-NOTES saw a 10-minute grace drop 26–32 % of the updates as late.
   */
  static final Duration GRACE = UsageEventGenerator.MAX_SPAN.plusDays(1);

  private PlainStreamsBaseline() {}

  static Topology topology(String topic) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, TokensConsumed> events =
        builder.stream(topic, Consumed.with(Serdes.String(), AvroSerdes.tokensConsumed()));
    List<Function<TokensConsumed, String>> keys = List.of(TokensConsumed::getUserId,
        e -> e.getProvider() + "/" + e.getModel(), TokensConsumed::getProvider);
    for (int i = 0; i < GROUPINGS.size(); i++) {
      Function<TokensConsumed, String> key = keys.get(i);
      KGroupedStream<String, TokensConsumed> grouped = events.groupBy((userId, e) -> key.apply(e),
          Grouped.with(GROUPINGS.get(i), Serdes.String(), AvroSerdes.tokensConsumed()));
      for (Duration size : WINDOWS) {
        grouped.windowedBy(TimeWindows.ofSizeAndGrace(size, GRACE))
            .aggregate(() -> 0L, (k, e, total) -> total + e.getInputTokens() + e.getOutputTokens(),
                Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(GROUPINGS.get(i) + "-" + size.toHours() + "h")
                    .withValueSerde(Serdes.Long()));
      }
    }
    return builder.build();
  }

  public static void main(String[] args) throws InterruptedException {
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[2]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[3]);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[4]));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    KafkaStreams streams = new KafkaStreams(topology(args[1]), props);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      double dropped = streams.metrics().values().stream()
          .filter(m -> m.metricName().name().equals("dropped-records-total"))
          .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
      System.out.println("dropped-records-total=" + (long) dropped);
      streams.close(Duration.ofSeconds(30));
      closed.countDown();
    }, "baseline-shutdown"));
    streams.start();
    closed.await();
  }
}
