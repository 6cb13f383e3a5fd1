package dev.tokenledger.alerting;

import dev.tokenledger.schemas.avro.Severity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/** Thresholds in basis points (1.0 = 10 000), compared in integers so 80 % of a limit is exact. */
final class Thresholds {

  static final int FULL = 10_000;

  private Thresholds() {}

  /** The smallest use that reaches {@code basisPoints} of {@code limit}: ⌈limit × bp / 10 000⌉. */
  static long usageAt(long limit, int basisPoints) {
    BigInteger[] qr = BigInteger.valueOf(limit).multiply(BigInteger.valueOf(basisPoints))
        .divideAndRemainder(BigInteger.valueOf(FULL));
    BigInteger ceil = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    return ceil.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
  }

  static Severity severity(int basisPoints) {
    return basisPoints < 9_000 ? Severity.WARNING : Severity.CRITICAL;
  }

  /** {@code 8000} → {@code 0.8}. */
  static BigDecimal asFraction(int basisPoints) {
    return BigDecimal.valueOf(basisPoints, 4).stripTrailingZeros();
  }

  /** {@code 0.8} → {@code 8000}; at most 4 decimals. */
  static int fromFraction(BigDecimal fraction) {
    return fraction.movePointRight(4).setScale(0, RoundingMode.UNNECESSARY).intValueExact();
  }
}
