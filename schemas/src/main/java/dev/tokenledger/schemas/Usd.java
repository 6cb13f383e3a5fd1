package dev.tokenledger.schemas;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/** US dollars as TokenLedger carries them: integer nano-USD inside, a 9-decimal string outside. */
public final class Usd {

  public static final int SCALE = 9;
  /**
   * The longest amount text read: the largest valid one, {@code 9223372036.854775807}, has 20
   * characters. Parsing a longer text costs time quadratic in its length (a 1 MB string of
   * zeros held a core for minutes), so it is refused unread.
   */
  public static final int MAX_TEXT_LENGTH = 64;
  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE, SCALE);

  private Usd() {}

  /** {@code 1234500} → {@code "0.001234500"}. */
  public static String format(long nanos) {
    return BigDecimal.valueOf(nanos, SCALE).toPlainString();
  }

  /** The same for an amount that may not fit a long (a cost being refused for its size). */
  public static String format(BigInteger nanos) {
    return new BigDecimal(nanos, SCALE).toPlainString();
  }

  /**
   * {@code "0.0012345"} → {@code 1234500}, exactly.
   *
   * @throws IllegalArgumentException when the amount is not a number, is negative, has more than
   *     9 decimals, or does not fit in a long of nano-USD
   */
  public static long parseNanos(String amount) {
    if (amount.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException("must be a decimal amount of USD of at most " + MAX_TEXT_LENGTH
          + " characters (got " + amount.length() + ")");
    }
    BigDecimal value;
    try {
      value = new BigDecimal(amount.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a decimal amount of USD like \"0.0025\" (got " + amount + ")");
    }
    return toNanos(value, amount);
  }

  /** The same as {@link #parseNanos(String)} for an already parsed number. */
  public static long toNanos(BigDecimal value, String given) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException("must be ≥ 0 (got " + given + ")");
    }
    // Size first: a comparison is cheap whatever the exponent, stripping zeros is not.
    if (value.compareTo(MAX) > 0) {
      throw new IllegalArgumentException("must be at most " + MAX.toPlainString() + " (got " + given + ")");
    }
    if (value.stripTrailingZeros().scale() > SCALE) {
      throw new IllegalArgumentException("must have at most 9 decimals, the precision of nano-USD (got " + given + ")");
    }
    return value.setScale(SCALE, RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
  }
}
