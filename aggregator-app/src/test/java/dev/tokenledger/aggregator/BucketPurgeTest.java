package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** What one purge run forgets, and what a new purge (a task initialized again) finds. */
class BucketPurgeTest {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private final AggregatorConfig config = AggregatorConfig.from(Settings.of("/aggregator-app.properties", Map.of()));
  private final MockProcessorContext<String, Fold> context = new MockProcessorContext<>();
  private final KeyValueStore<String, SubjectBuckets> entries = store(Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore("entries"), Serdes.String(), SubjectBuckets.SERDE).withLoggingDisabled().build());
  private final KeyValueStore<BucketKey, UsageAggregate> history = store(Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore("history"), BucketKey.SERDE, AvroSerdes.usageAggregate()).withLoggingDisabled().build());

  {
    context.setCurrentSystemTimeMs(NOW.toEpochMilli());
  }

  private <S extends KeyValueStore<?, ?>> S store(S store) {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    return store;
  }

  private final Publication publication = new Publication(context);
  private final BucketWriter writer = new BucketWriter(config, entries, history, publication, new SimpleMeterRegistry());

  private BucketPurge purge() {
    return new BucketPurge(config, writer, entries, history, publication, List.of(Dimension.USER, Dimension.USER_MODEL),
        new SimpleMeterRegistry());
  }

  /** The keys of the tombstones published. */
  private List<String> tombstones() {
    return context.forwarded().stream().filter(f -> ((Fold.Bucket) f.record().value()).totals() == null)
        .map(f -> (String) f.record().key()).toList();
  }

  private void historyBucket(String user, Instant start) {
    Subject subject = new Subject(Dimension.USER, user);
    CalendarWindow window = CalendarWindow.containing(Period.MINUTE, start, ZoneOffset.UTC);
    history.put(BucketKey.of(subject, Period.MINUTE, window.start()), new Totals().toAggregate(subject, window, ZoneOffset.UTC));
  }

  private void entryWith(String user, Instant minute) {
    SubjectBuckets entry = new SubjectBuckets();
    entry.add(SubjectBuckets.index(Period.MINUTE), minute.toEpochMilli(), new Totals());
    entry.add(SubjectBuckets.index(Period.DAY), Instant.parse("2026-12-07T00:00:00Z").toEpochMilli(), new Totals());
    entries.put("user:" + user, entry);
  }

  @Test
  void shouldForgetWhatIsPastRetentionAndKeepTheRest() {
    historyBucket("alice", NOW.minusSeconds(3 * 3600));
    historyBucket("bob", NOW.minusSeconds(3600));
    entryWith("carol", NOW.minusSeconds(3 * 3600));

    purge().run(NOW.toEpochMilli());

    assertThat(history.approximateNumEntries()).isEqualTo(1);
    // carol's three-hour-old minute is gone; her day is kept.
    SubjectBuckets carol = entries.get("user:carol");
    assertThat(carol.windows()).extracting(w -> SubjectBuckets.PERIODS.get(w.period())).containsExactly(Period.DAY);
    assertThat(tombstones()).containsExactlyInAnyOrder("user:alice|minute|2026-12-07T09:00:00Z",
        "user:carol|minute|2026-12-07T09:00:00Z");
  }

  @Test
  void shouldPurgeTheEntryTheFoldHoldsSoTheCommitDoesNotWriteItBack() {
    entryWith("carol", NOW.minusSeconds(3 * 3600));
    // An event for carol since the last commit: the fold holds her entry, read before the purge runs.
    Subject carol = new Subject(Dimension.USER, "carol");
    SubjectBuckets held = writer.entry(carol);
    writer.add(carol, held, writer.windows(NOW.minusSeconds(60)), NOW, new Totals(), 1);

    purge().run(NOW.toEpochMilli());
    writer.flush(NOW);

    assertThat(entries.get("user:carol").windows()).extracting(SubjectBuckets.Window::start)
        .doesNotContain(NOW.minusSeconds(3 * 3600).toEpochMilli());
    assertThat(tombstones()).containsExactly("user:carol|minute|2026-12-07T09:00:00Z");
  }

  @Test
  void shouldStartOverWhenATaskIsInitializedAgain() {
    BucketPurge first = purge();
    historyBucket("alice", NOW.minusSeconds(3 * 3600));
    first.run(NOW.toEpochMilli());
    assertThat(history.approximateNumEntries()).isZero();

    // A revived task's store is restored from the changelog: deletes of an aborted transaction
    // are back, below where the last run's cursor stopped. Its processor makes a new purge.
    historyBucket("alice", NOW.minusSeconds(3 * 3600));
    historyBucket("bob", NOW.minusSeconds(4 * 3600));
    purge().run(NOW.toEpochMilli());

    assertThat(history.approximateNumEntries()).isZero();
  }
}
