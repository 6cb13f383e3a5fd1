package dev.tokenledger.aggregator;

import org.apache.kafka.streams.kstream.internals.Change;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The one place that uses Kafka Streams' internals, for the one hook it has before a commit.
 *
 * <p>A store built {@code withCachingEnabled()} keeps its writes in the record cache and flushes
 * each dirty entry into the store, and its changelog, in {@code StreamTask.prepareCommit}, before
 * the producer's transaction commits (and when the cache must make room). What is forwarded from
 * a flush listener lands in that same transaction: the DSL publishes a cached KTable's updates
 * this way ({@code TimestampedCacheFlushListener}), and so does the aggregator its buckets, once a
 * commit per bucket however many events changed it. {@code StateStore#flush}/{@code commit} run
 * only after the transaction (KIP-1035), too late; a punctuator is not tied to commits at all, so
 * what it had not published yet would be lost on a revocation.
 */
final class CacheFlush {

  /** Called for each entry the cache flushes, with the processor's node current so it may forward. */
  interface Listener<K, V> {
    void flushed(K key, V newValue, V oldValue);
  }

  private CacheFlush() {}

  /**
   * Listens to the flushes of {@code storeName}'s record cache, on behalf of the processor whose
   * {@code init} this is called from.
   *
   * @throws IllegalStateException when the store has no record cache: its updates would never be published
   */
  @SuppressWarnings("unchecked")
  static <K, V> void listen(ProcessorContext<?, ?> context, String storeName, Listener<K, V> listener) {
    InternalProcessorContext<Object, Object> internal = (InternalProcessorContext<Object, Object>) context;
    // init() runs with the processor's own node current: the node a forward must come from.
    ProcessorNode<?, ?, ?, ?> node = internal.currentNode();
    WrappedStateStore<?, K, V> store = context.getStateStore(storeName);
    boolean cached = store.setFlushListener(record -> {
      ProcessorNode<?, ?, ?, ?> previous = internal.currentNode();
      internal.setCurrentNode(node);
      try {
        Change<V> change = record.value();
        listener.flushed(record.key(), change.newValue, change.oldValue);
      } finally {
        internal.setCurrentNode(previous);
      }
    }, true);
    if (!cached) {
      throw new IllegalStateException(storeName + " has no record cache: build it withCachingEnabled()");
    }
  }
}
