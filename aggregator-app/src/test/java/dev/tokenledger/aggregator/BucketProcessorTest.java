package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The purge's cursor across Kafka Streams' reuse of one instance (close, then init again). */
class BucketProcessorTest {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private final AggregatorConfig config = AggregatorConfig.from(Settings.of("/aggregator-app.properties", Map.of()));
  private final MockProcessorContext<String, UsageAggregate> context = new MockProcessorContext<>();
  private final KeyValueStore<BucketKey, UsageAggregate> buckets = Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore(BucketProcessor.BUCKET_STORE), BucketKey.SERDE, AvroSerdes.usageAggregate())
      .withLoggingDisabled().build();

  {
    buckets.init(context.getStateStoreContext(), buckets);
    context.addStateStore(buckets);
    context.setCurrentSystemTimeMs(NOW.toEpochMilli());
  }

  /** A minute bucket of {@code user} from {@code start}: three hours old is past the minutes' two-hour retention. */
  private void minuteBucket(String user, Instant start) {
    CalendarWindow window = CalendarWindow.containing(Period.MINUTE, start, ZoneOffset.UTC);
    Subject subject = new Subject(Dimension.USER, user);
    buckets.put(BucketKey.of(subject, Period.MINUTE, window.start()), UsageTotals.empty(subject, window, ZoneOffset.UTC));
  }

  private void purge() {
    context.scheduledPunctuators().get(context.scheduledPunctuators().size() - 1).getPunctuator()
        .punctuate(NOW.toEpochMilli());
  }

  @Test
  void shouldPurgeFromTheStartAgainAfterInitRunsAgainOnTheSameInstance() {
    BucketProcessor processor = new BucketProcessor(config, new SimpleMeterRegistry());
    processor.init(context);
    minuteBucket("alice", NOW.minusSeconds(3 * 3600));
    purge();
    assertThat(buckets.approximateNumEntries()).isZero();

    // A revived task restores its store from the changelog: deletes of an aborted transaction
    // are back, below where the last run's cursor stopped.
    minuteBucket("alice", NOW.minusSeconds(3 * 3600));
    minuteBucket("bob", NOW.minusSeconds(4 * 3600));
    processor.close();
    processor.init(context);
    purge();

    assertThat(buckets.approximateNumEntries()).isZero();
    assertThat(context.forwarded()).hasSize(3).allSatisfy(f -> assertThat(f.record().value()).isNull());
  }

  @Test
  void shouldKeepWhatIsStillWithinItsRetention() {
    BucketProcessor processor = new BucketProcessor(config, new SimpleMeterRegistry());
    processor.init(context);
    minuteBucket("alice", NOW.minusSeconds(3600));

    purge();

    assertThat(buckets.approximateNumEntries()).isEqualTo(1);
  }
}
