package dev.tokenledger.alerting;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Deletes a store's expired entries round-robin from a cursor, at most {@value #BUDGET} entries
 * read a run: every entry is visited once a round, and a run costs a bounded time however large
 * the store. The cursor lives in memory: a revived task starts a round over.
 */
final class StoreSweep<V> {

  static final int BUDGET = 5_000;

  private final KeyValueStore<String, V> store;
  private final Predicate<V> expired;
  /** The key the next run starts after; null: from the first. */
  private String from;

  StoreSweep(KeyValueStore<String, V> store, Predicate<V> expired) {
    this.store = store;
    this.expired = expired;
  }

  /** One run; the number of entries deleted. */
  int run() {
    List<String> doomed = new ArrayList<>();
    String last = null;
    int read = 0;
    try (KeyValueIterator<String, V> next = from == null ? store.all() : store.range(from, null)) {
      while (next.hasNext() && read < BUDGET) {
        KeyValue<String, V> entry = next.next();
        read++;
        if (entry.key.equals(from)) {
          continue;
        }
        last = entry.key;
        if (expired.test(entry.value)) {
          doomed.add(entry.key);
        }
      }
      from = next.hasNext() ? last : null;
    }
    doomed.forEach(store::delete);
    return doomed.size();
  }
}
