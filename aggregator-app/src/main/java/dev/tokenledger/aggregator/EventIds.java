package dev.tokenledger.aggregator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The event ids seen on one partition: the aggregator's dedupe, and the bench's dedupe floor,
 * which must do exactly this work and nothing else.
 *
 * <p>A window store stamped with the wall-clock time an id was first seen: Kafka Streams keeps it
 * in segments of half the retention and drops a segment whole once it is past it (a directory
 * deleted: no scan, no tombstone per id), so months of ids cost nothing to forget and an id is
 * remembered for one to one and a half retentions. A lookup is a range over the few live
 * segments; a new id is one put and one changelog record. The earlier key-value store was walked
 * whole every hour on the stream thread: ~600 M ids at 1,000 events/s, far past the 10 s
 * transaction timeout.
 *
 * <p>A new id is held in memory and written before the task's next commit ({@link #write()}), as
 * the folds' totals are. Kafka Streams 4.4, when one task of a thread is marked corrupted under
 * exactly-once v2, first commits the thread's other tasks, in the transaction the corrupted task
 * also wrote to, and then reprocesses that task from its last committed offset: ids written
 * straight to the store would be in that commit while the totals they stand for are not, and the
 * reprocessed events would be taken for duplicates and lost (the aggregator's TaskReviveTest saw 22
 * of 600). Held, they leave nothing behind that the reprocessing does not write again.
 */
public final class EventIds {

  public static final String STORE = "dedupe-event-ids";
  /** Clocks step back a little (NTP); an id stamped that far ahead of now is still found. */
  private static final Duration CLOCK_STEP_TOLERANCE = Duration.ofHours(1);

  private final WindowStore<String, Long> store;
  private final long retentionMs;
  private final Map<String, Long> unwritten = new HashMap<>();

  public EventIds(WindowStore<String, Long> store, Duration retention) {
    this.store = store;
    this.retentionMs = retention.toMillis();
  }

  public static StoreBuilder<WindowStore<String, Long>> storeBuilder(Duration retention) {
    return Stores.windowStoreBuilder(Stores.persistentWindowStore(STORE, retention, Duration.ofMillis(1), false),
        Serdes.String(), Serdes.Long());
  }

  /** Whether {@code eventId} was first seen within the retention before {@code now}. */
  public boolean seen(String eventId, long now) {
    if (unwritten.containsKey(eventId)) {
      return true;
    }
    try (WindowStoreIterator<Long> firstSeen = store.fetch(eventId, now - retentionMs,
        now + CLOCK_STEP_TOLERANCE.toMillis())) {
      return firstSeen.hasNext();
    }
  }

  /** Remembers {@code eventId} as first seen {@code now}; in the store after {@link #write()}. */
  public void remember(String eventId, long now) {
    unwritten.put(eventId, now);
  }

  /** How many ids are remembered but not yet written. */
  public int unwritten() {
    return unwritten.size();
  }

  /** Writes the ids remembered since the last write: one put and one changelog record each. */
  public void write() {
    unwritten.forEach((eventId, firstSeen) -> store.put(eventId, firstSeen, firstSeen));
    unwritten.clear();
  }
}
