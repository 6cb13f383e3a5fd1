package dev.tokenledger.schemas;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Figures computed from stored totals (input + output tokens, a key's buckets over a month, a
 * projection), stopping at the ends of a long. Each stored total fits a long, as the write side
 * ensures, but a publisher can make two of them together not fit: a figure past a long saturates
 * rather than failing the request that reads it or stopping an app.
 */
public final class SaturatedSum {

  private SaturatedSum() {}

  /** {@code a + b}, or {@link Long#MAX_VALUE} ({@link Long#MIN_VALUE}) when that does not fit. */
  public static long of(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
  }

  /** {@code value} rounded half-even to a whole number, clamped to a long. */
  public static long of(BigDecimal value) {
    BigDecimal whole = value.setScale(0, RoundingMode.HALF_EVEN);
    if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      return Long.MAX_VALUE;
    }
    return whole.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0 ? Long.MIN_VALUE : whole.longValueExact();
  }
}
