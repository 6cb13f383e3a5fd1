package dev.tokenledger.bench;

import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The latencies of one kind of query, each measured from the time its request was scheduled to be
 * sent (not from when it went out), so that a stalled sender or server shows in the figures
 * instead of delaying the requests after it (coordinated omission). Answers that are not 2xx are
 * counted by status and kept out of the percentiles. Thread-safe.
 */
final class QueryLatencyRecorder {

  /** p50, p99 and max in milliseconds of {@code count} 2xx answers; {@code failures} counts the others by answer. */
  record Summary(long count, double p50Millis, double p99Millis, double maxMillis, SortedMap<String, Long> failures) {

    long failed() {
      return failures.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private long[] nanos = new long[1024];
  private int size;
  private final SortedMap<String, Long> failures = new TreeMap<>();

  synchronized void ok(long latencyNanos) {
    if (size == nanos.length) {
      nanos = Arrays.copyOf(nanos, size * 2);
    }
    nanos[size++] = latencyNanos;
  }

  /** An answer that is not 2xx ({@code "503"}), or none at all ({@code "timeout"}, {@code "io-error"}). */
  synchronized void failed(String answer) {
    failures.merge(answer, 1L, Long::sum);
  }

  synchronized Summary summary() {
    long[] sorted = Arrays.copyOf(nanos, size);
    Arrays.sort(sorted);
    return new Summary(size, millis(percentile(sorted, 50)), millis(percentile(sorted, 99)),
        millis(size == 0 ? 0 : sorted[size - 1]), new TreeMap<>(failures));
  }

  /**
   * The nearest-rank percentile of ascending {@code sorted}: the smallest value with at least
   * {@code percent}% of the values at or below it; 0 when there are none.
   */
  static long percentile(long[] sorted, double percent) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(percent * sorted.length / 100);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }
}
