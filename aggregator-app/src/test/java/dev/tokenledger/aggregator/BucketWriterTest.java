package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** What the fold holds between commits: bounded, and written once. */
class BucketWriterTest {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private final AggregatorConfig config = AggregatorConfig.from(Settings.of("/aggregator-app.properties", Map.of()));
  private final MockProcessorContext<String, Fold> context = new MockProcessorContext<>();
  private final KeyValueStore<String, SubjectBuckets> entries = store(Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore("entries"), Serdes.String(), SubjectBuckets.SERDE).withLoggingDisabled().build());
  private final KeyValueStore<BucketKey, UsageAggregate> history = store(Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore("history"), BucketKey.SERDE, AvroSerdes.usageAggregate()).withLoggingDisabled().build());
  private final BucketWriter writer = new BucketWriter(config, entries, history, new Publication(context),
      new SimpleMeterRegistry());

  {
    context.setCurrentSystemTimeMs(NOW.toEpochMilli());
  }

  private <S extends KeyValueStore<?, ?>> S store(S store) {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    return store;
  }

  private void call(String user, Instant at) {
    Subject subject = new Subject(Dimension.USER, user);
    SubjectBuckets entry = writer.entry(subject);
    Totals one = new Totals();
    one.values[Totals.REQUESTS] = 1;
    writer.add(subject, entry, writer.windows(at), NOW, one, 1);
  }

  @Test
  void shouldWriteEachTouchedEntryOnceAndPublishEachChangedBucketOnce() {
    for (int i = 0; i < 50; i++) {
      call("alice", NOW.minusSeconds(30));
    }
    assertThat(entries.approximateNumEntries()).isZero();

    writer.flush(NOW);

    assertThat(entries.get("user:alice").get(0, NOW.minusSeconds(60).toEpochMilli()).get(Totals.REQUESTS))
        .isEqualTo(50);
    // Minute, hour, day and month: one record each, with the 50 calls.
    assertThat(context.forwarded()).hasSize(4)
        .allSatisfy(f -> assertThat(((Fold.Bucket) f.record().value()).totals().getRequests()).isEqualTo(50));
  }

  @Test
  void shouldAskForACommitOnceItHoldsTheMostEntriesItMay() {
    for (int i = 0; i < BucketWriter.MAX_PENDING - 1; i++) {
      call("user-" + i, NOW.minusSeconds(30));
    }
    call("user-0", NOW.minusSeconds(30));
    assertThat(writer.full()).isFalse();

    call("one-more", NOW.minusSeconds(30));
    assertThat(writer.full()).isTrue();

    writer.flush(NOW);
    assertThat(writer.full()).isFalse();
    assertThat(entries.approximateNumEntries()).isEqualTo(BucketWriter.MAX_PENDING);
  }
}
