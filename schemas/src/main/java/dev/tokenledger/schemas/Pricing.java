package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/**
 * Prices one event exactly. Prices are nano-USD per million tokens, so tokens × price is the
 * cost in femto-USD (1e-15) with nothing rounded; it is split into whole nanos and the
 * sub-nano remainder, and buckets carry the remainder, so a million priced events add up to
 * exactly what one big event of the same tokens would cost.
 */
public final class Pricing {

  public static final long FEMTOS_PER_NANO = 1_000_000L;
  private static final BigInteger FEMTOS_PER_NANO_BIG = BigInteger.valueOf(FEMTOS_PER_NANO);
  private static final BigInteger MAX_COST_NANOS_BIG = BigInteger.valueOf(EventRules.MAX_COST_NANOS);

  /** An event's cost: whole nano-USD plus a remainder in femto-USD, 0 ≤ remainder < 1 000 000. */
  public record Cost(long nanos, long remainderFemtos) {
    public static Cost ofNanos(long nanos) {
      return new Cost(nanos, 0);
    }
  }

  private Pricing() {}

  /** The catalogue key of a model: {@code provider/model}, lower-case. */
  public static String key(String provider, String model) {
    return (provider + "/" + model).toLowerCase(Locale.ROOT);
  }

  /** The version in force when the event happened: the latest whose effectiveFrom is not after it. */
  public static Optional<PriceVersion> inForceAt(ModelPrice price, Instant occurredAt) {
    return price.getVersions().stream()
        .filter(v -> !v.getEffectiveFrom().isAfter(occurredAt))
        .max(Comparator.comparing(PriceVersion::getEffectiveFrom));
  }

  /**
   * Uncached input at the input price; cache reads and writes at their own prices (the input
   * price when the model has none); output that is not reasoning at the output price; reasoning
   * at its own price (the output price when none).
   *
   * @throws ArithmeticException when the cost is more than one call may cost ({@link
   *     EventRules#MAX_COST_NANOS}): such an event is refused, never counted with a wrapped cost
   */
  public static Cost cost(TokensConsumed e, PriceVersion p) {
    long uncachedInput = e.getInputTokens() - e.getCachedInputTokens() - e.getCacheWriteTokens();
    long plainOutput = e.getOutputTokens() - e.getReasoningTokens();
    BigInteger femtos = femtos(uncachedInput, p.getInputPerMillionNanos())
        .add(femtos(e.getCachedInputTokens(), orElse(p.getCachedInputPerMillionNanos(), p.getInputPerMillionNanos())))
        .add(femtos(e.getCacheWriteTokens(), orElse(p.getCacheWritePerMillionNanos(), p.getInputPerMillionNanos())))
        .add(femtos(plainOutput, p.getOutputPerMillionNanos()))
        .add(femtos(e.getReasoningTokens(), orElse(p.getReasoningPerMillionNanos(), p.getOutputPerMillionNanos())));
    BigInteger[] nanosAndRemainder = femtos.divideAndRemainder(FEMTOS_PER_NANO_BIG);
    if (nanosAndRemainder[0].compareTo(MAX_COST_NANOS_BIG) > 0) {
      throw new ArithmeticException("priced at " + Usd.format(nanosAndRemainder[0]) + " USD, more than the "
          + Usd.format(BigInteger.valueOf(EventRules.MAX_COST_NANOS)) + " USD one call may cost");
    }
    return new Cost(nanosAndRemainder[0].longValueExact(), nanosAndRemainder[1].longValueExact());
  }

  private static BigInteger femtos(long tokens, long nanosPerMillion) {
    return BigInteger.valueOf(tokens).multiply(BigInteger.valueOf(nanosPerMillion));
  }

  private static long orElse(Long specific, long fallback) {
    return specific == null ? fallback : specific;
  }
}
