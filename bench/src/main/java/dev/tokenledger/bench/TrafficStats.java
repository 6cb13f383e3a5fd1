package dev.tokenledger.bench;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a traffic run, updated by the sender and read by the progress printer. */
final class TrafficStats {

  final AtomicLong sent = new AtomicLong();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  /** Failed attempts (each retried) plus answers that were neither 2xx nor retryable. */
  final AtomicLong httpErrors = new AtomicLong();
  /** Why the current batch is being retried; null while delivery works. */
  volatile String retrying;

  String line(long elapsedSeconds) {
    String retry = retrying == null ? "" : " retrying (" + retrying + ")";
    return String.format("%5ds sent=%d accepted=%d rejected=%d httpErrors=%d%s",
        elapsedSeconds, sent.get(), accepted.get(), rejected.get(), httpErrors.get(), retry);
  }
}
