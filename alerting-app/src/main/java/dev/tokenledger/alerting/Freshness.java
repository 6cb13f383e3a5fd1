package dev.tokenledger.alerting;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest event time folded into the totals of each {@code usage.aggregates} partition this
 * instance evaluates: how current the totals an admission reads are. Written by the stream
 * thread, read by HTTP handlers.
 */
final class Freshness {

  private final Map<Integer, Instant> newestByPartition = new ConcurrentHashMap<>();

  void folded(int partition, Instant lastEventAt) {
    newestByPartition.merge(partition, lastEventAt, (known, later) -> later.isAfter(known) ? later : known);
  }

  /** Unknown again, as after a start: the partition's task was initialized anew. */
  void forget(int partition) {
    newestByPartition.remove(partition);
  }

  Optional<Instant> newest(int partition) {
    return Optional.ofNullable(newestByPartition.get(partition));
  }
}
