package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ProcessorSchedules;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * Runs a fold's flush before each commit of its task, inside the transaction that commits the
 * input offsets: the one use of Kafka Streams' internals, for the one hook it has there.
 *
 * <p>Kafka Streams flushes the record cache of every store built {@code withCachingEnabled()} in
 * {@code StreamTask.prepareCommit}, before the producer's transaction commits, and what a cache
 * flush listener writes or forwards lands in that transaction: the DSL publishes a cached KTable's
 * updates this way ({@code TimestampedCacheFlushListener}). {@code StateStore#flush}/{@code commit}
 * run after the transaction (KIP-1035), too late; a punctuator is not tied to commits at all, so
 * what it had not written would be lost on a revocation. A trigger is a one-entry cached store
 * (in memory, not logged) that the fold marks dirty once after it first holds something: its
 * flush calls the fold back, with the fold's node current so it may forward. The fold's own
 * entries stay in plain Java objects, not behind the record cache, which serializes on every put
 * and flushes a whole store whenever it must make room.
 *
 * <p>How often: every {@code commit-interval} (Kafka Streams' own), and every {@code
 * caught-up-commit-interval} while the task is caught up, its stream time (the newest record time
 * it has read: the event time) within {@link #CAUGHT_UP_LAG} of the wall clock. Working through a
 * backlog, a fold holds a subject through many events and writes it once; caught up, totals are
 * fresh within a fraction of a second. (Under exactly-once v2 a thread commits all its tasks
 * together, so a caught-up task brings the others' commits forward too.)
 */
final class CommitTrigger {

  /** How far behind the wall clock a task's newest event may be for it to count as caught up: SDKs batch for seconds. */
  static final Duration CAUGHT_UP_LAG = Duration.ofSeconds(10);

  private final KeyValueStore<Integer, Integer> marker;
  private boolean armed;

  private CommitTrigger(KeyValueStore<Integer, Integer> marker) {
    this.marker = marker;
  }

  static StoreBuilder<KeyValueStore<Integer, Integer>> storeBuilder(String name) {
    return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Integer(), Serdes.Integer())
        .withCachingEnabled().withLoggingDisabled();
  }

  /**
   * Calls {@code beforeCommit} before each commit of the task whose processor's {@code init} this
   * is called from, once {@link #arm()} was called since the last time; asks for a commit every
   * {@code caughtUpInterval} while armed and caught up.
   */
  @SuppressWarnings("unchecked")
  static CommitTrigger listen(ProcessorContext<?, ?> context, ProcessorSchedules schedules, String storeName,
      Duration caughtUpInterval, Runnable beforeCommit) {
    InternalProcessorContext<Object, Object> internal = (InternalProcessorContext<Object, Object>) context;
    // init() runs with the processor's own node current: the node a forward must come from.
    ProcessorNode<?, ?, ?, ?> node = internal.currentNode();
    KeyValueStore<Integer, Integer> store = context.getStateStore(storeName);
    CommitTrigger trigger = new CommitTrigger(store);
    boolean cached = ((WrappedStateStore<?, Integer, Integer>) store).setFlushListener(record -> {
      trigger.armed = false;
      ProcessorNode<?, ?, ?, ?> previous = internal.currentNode();
      internal.setCurrentNode(node);
      try {
        beforeCommit.run();
      } finally {
        internal.setCurrentNode(previous);
      }
    }, false);
    if (!cached) {
      throw new IllegalStateException(storeName + " has no record cache: build it with CommitTrigger.storeBuilder");
    }
    schedules.schedule(context, caughtUpInterval, PunctuationType.WALL_CLOCK_TIME, now -> {
      if (trigger.armed && now - context.currentStreamTimeMs() <= CAUGHT_UP_LAG.toMillis()) {
        context.commit();
      }
    });
    return trigger;
  }

  /** Makes the next commit call the fold back (a cached write, once per commit). */
  void arm() {
    if (!armed) {
      armed = true;
      marker.put(0, 0);
    }
  }
}
