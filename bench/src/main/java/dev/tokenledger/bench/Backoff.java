package dev.tokenledger.bench;

import java.time.Duration;

/** Exponential backoff: {@code initial}, doubling per failed attempt, capped at {@code max}. */
public record Backoff(Duration initial, Duration max) {

  public Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max (got initial " + initial + ", max " + max + ")");
    }
  }

  /** The wait before retry number {@code attempt} (1 = the first retry). */
  public Duration delay(int attempt) {
    // Shift at most 30 so the multiplier cannot overflow; the cap applies long before that.
    long factor = 1L << Math.min(Math.max(attempt - 1, 0), 30);
    Duration wait = initial.multipliedBy(factor);
    return wait.compareTo(max) > 0 ? max : wait;
  }

  /** A server-requested wait (Retry-After) wins over our own, up to {@code max}. */
  public Duration delay(int attempt, Duration requested) {
    Duration own = delay(attempt);
    Duration wait = requested != null && requested.compareTo(own) > 0 ? requested : own;
    return wait.compareTo(max) > 0 ? max : wait;
  }
}
