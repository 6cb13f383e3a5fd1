package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query that reaches an instance as it closes (queries outlive processing at shutdown) is a
 * 503 with Retry-After, not a 500: the fault suite's rebalance case once caught a 500 relayed
 * from an instance being scaled in.
 */
class PartitionStoresTest {

  @TempDir
  java.nio.file.Path stateDir;

  @Test
  void shouldAnswer503FromAnInstanceThatIsClosing() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.table("t", Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("counts"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "partition-stores-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
      streams.close(Duration.ofSeconds(5));
      // What a query sees once KafkaStreams has begun to close: its own calls throw IllegalStateException.
      assertThatThrownBy(() -> streams.queryMetadataForKey("counts", "k", Serdes.String().serializer()))
          .isInstanceOf(IllegalStateException.class);

      assertThat(PartitionStores.of(streams, "counts", 0, true)).isEmpty();
      assertThatThrownBy(() -> PartitionStores.whileRunning(streams,
          running -> running.queryMetadataForKey("counts", "k", Serdes.String().serializer())))
          .isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(503);
            assertThat(e.headers()).containsKey("Retry-After");
            assertThat(e.getMessage()).contains("this instance is not running");
          });
    }
  }

  @Test
  void shouldAnswer503BeforeTheAppHasStreams() {
    assertThatThrownBy(() -> PartitionStores.whileRunning(null, running -> running.state()))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(503));
  }
}
