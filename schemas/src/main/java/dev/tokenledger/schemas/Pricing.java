package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceRates;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.PromptTier;
import dev.tokenledger.schemas.avro.ServiceTierPrice;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;

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
  private static final BigInteger PPM_BIG = BigInteger.valueOf(1_000_000);
  private static final BigDecimal PPM_DECIMAL = new BigDecimal(PPM_BIG);

  /** An event's cost: whole nano-USD plus a remainder in femto-USD, 0 ≤ remainder < 1 000 000. */
  public record Cost(long nanos, long remainderFemtos) {
    public static Cost ofNanos(long nanos) {
      return new Cost(nanos, 0);
    }
  }

  /** Every price of one call, a price not set replaced by the one it falls back to. */
  private record Resolved(long input, long output, long cachedInput, long cacheWrite, long cacheWrite1h,
      long reasoning, long inputAudio, long inputImage, long outputAudio, long outputImage) {}

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
   * The call's cost at the prices of its tier and prompt size.
   *
   * <p>Prices: the service tier's (a tier the version has no price for, and {@code standard} or
   * none, are billed at the standard price); within them the prompt tier with the highest {@code
   * aboveInputTokens} that the call's inputTokens exceed prices the whole call (as Anthropic and
   * Google bill long context), a price the tier leaves out being the version's own.
   *
   * <p>Tokens: cache reads at the cached price, 1-hour cache writes at their price, the other cache
   * writes at the 5-minute one; the rest of the input is audio, image, then text, each at its own
   * price; output likewise after reasoning. A price not set falls back: cached, cache write,
   * audio and image input to input; 1-hour writes to 5-minute writes; reasoning, audio and image
   * output to output. Events do not say which modality a cached token was, so cache prices apply
   * whatever it was and audio and image tokens count as uncached as far as the uncached input goes.
   *
   * @throws ArithmeticException when the cost is more than one call may cost ({@link
   *     EventRules#MAX_COST_NANOS}): such an event is refused, never counted with a wrapped cost
   */
  public static Cost cost(TokensConsumed e, PriceVersion p) {
    ServiceTierPrice tier = e.getServiceTier() == null ? null : p.getServiceTiers().get(e.getServiceTier());
    BigInteger femtos;
    if (tier != null && tier.getRates() != null) {
      femtos = femtos(e, resolve(overlay(baseRates(p), tier.getRates())));
    } else {
      femtos = femtos(e, resolve(promptTierRates(p, e.getInputTokens())));
      if (tier != null && tier.getMultiplierPpm() != null) {
        femtos = multiplied(femtos, tier.getMultiplierPpm());
      }
    }
    BigInteger[] nanosAndRemainder = femtos.divideAndRemainder(FEMTOS_PER_NANO_BIG);
    if (nanosAndRemainder[0].compareTo(MAX_COST_NANOS_BIG) > 0) {
      throw new ArithmeticException("priced at " + Usd.format(nanosAndRemainder[0]) + " USD, more than the "
          + Usd.format(BigInteger.valueOf(EventRules.MAX_COST_NANOS)) + " USD one call may cost");
    }
    return new Cost(nanosAndRemainder[0].longValueExact(), nanosAndRemainder[1].longValueExact());
  }

  /**
   * The prices of a version that a tier multiplier would leave with a fraction of a nano-USD per
   * million tokens, described; empty when every multiplied price is whole, so the multiplier
   * prices exactly. The catalogue accepts no version with any.
   */
  public static List<String> inexactMultiplied(PriceVersion p) {
    List<PriceRates> priceLists = new ArrayList<>();
    priceLists.add(baseRates(p));
    p.getPromptTiers().forEach(t -> priceLists.add(t.getRates()));
    List<String> problems = new ArrayList<>();
    for (var tier : new TreeMap<>(p.getServiceTiers()).entrySet()) {
      Long ppm = tier.getValue().getMultiplierPpm();
      if (ppm == null) {
        continue;
      }
      for (PriceRates rates : priceLists) {
        for (Schema.Field field : PriceRates.getClassSchema().getFields()) {
          Long price = (Long) rates.get(field.pos());
          if (price != null && BigInteger.valueOf(price).multiply(BigInteger.valueOf(ppm)).mod(PPM_BIG).signum() != 0) {
            problems.add(tier.getKey() + ": " + Usd.format(price) + " USD (" + field.name() + ") × "
                + BigDecimal.valueOf(ppm, 6).stripTrailingZeros().toPlainString() + " is not a whole nano-USD");
          }
        }
      }
    }
    return problems;
  }

  private static BigInteger femtos(TokensConsumed e, Resolved r) {
    long uncachedInput = e.getInputTokens() - e.getCachedInputTokens() - e.getCacheWriteTokens();
    long inputAudio = Math.min(e.getInputAudioTokens(), uncachedInput);
    long inputImage = Math.min(e.getInputImageTokens(), uncachedInput - inputAudio);
    long plainOutput = e.getOutputTokens() - e.getReasoningTokens();
    long outputAudio = Math.min(e.getOutputAudioTokens(), plainOutput);
    long outputImage = Math.min(e.getOutputImageTokens(), plainOutput - outputAudio);
    return femtos(uncachedInput - inputAudio - inputImage, r.input())
        .add(femtos(inputAudio, r.inputAudio()))
        .add(femtos(inputImage, r.inputImage()))
        .add(femtos(e.getCachedInputTokens(), r.cachedInput()))
        .add(femtos(e.getCacheWriteTokens() - e.getCacheWrite1hTokens(), r.cacheWrite()))
        .add(femtos(e.getCacheWrite1hTokens(), r.cacheWrite1h()))
        .add(femtos(plainOutput - outputAudio - outputImage, r.output()))
        .add(femtos(outputAudio, r.outputAudio()))
        .add(femtos(outputImage, r.outputImage()))
        .add(femtos(e.getReasoningTokens(), r.reasoning()));
  }

  /** The version's prices overlaid with those of the prompt tier the input exceeds, if any. */
  private static PriceRates promptTierRates(PriceVersion p, long inputTokens) {
    return p.getPromptTiers().stream()
        .filter(t -> inputTokens > t.getAboveInputTokens())
        .max(Comparator.comparingLong(PromptTier::getAboveInputTokens))
        .map(t -> overlay(baseRates(p), t.getRates()))
        .orElseGet(() -> baseRates(p));
  }

  private static PriceRates baseRates(PriceVersion p) {
    return new PriceRates(p.getInputPerMillionNanos(), p.getOutputPerMillionNanos(), p.getCachedInputPerMillionNanos(),
        p.getCacheWritePerMillionNanos(), p.getCacheWrite1hPerMillionNanos(), p.getReasoningPerMillionNanos(),
        p.getInputAudioPerMillionNanos(), p.getInputImagePerMillionNanos(), p.getOutputAudioPerMillionNanos(),
        p.getOutputImagePerMillionNanos());
  }

  /** {@code base} with every price {@code over} sets replaced by it. */
  private static PriceRates overlay(PriceRates base, PriceRates over) {
    PriceRates result = new PriceRates();
    for (Schema.Field field : PriceRates.getClassSchema().getFields()) {
      result.put(field.pos(), over.get(field.pos()) != null ? over.get(field.pos()) : base.get(field.pos()));
    }
    return result;
  }

  private static Resolved resolve(PriceRates r) {
    long input = r.getInputPerMillionNanos();
    long output = r.getOutputPerMillionNanos();
    long cacheWrite = orElse(r.getCacheWritePerMillionNanos(), input);
    return new Resolved(input, output, orElse(r.getCachedInputPerMillionNanos(), input), cacheWrite,
        orElse(r.getCacheWrite1hPerMillionNanos(), cacheWrite), orElse(r.getReasoningPerMillionNanos(), output),
        orElse(r.getInputAudioPerMillionNanos(), input), orElse(r.getInputImagePerMillionNanos(), input),
        orElse(r.getOutputAudioPerMillionNanos(), output), orElse(r.getOutputImagePerMillionNanos(), output));
  }

  /**
   * {@code femtos} × ppm / 10^6. Exact for every catalogue the API accepts ({@link
   * #inexactMultiplied}); a version written to the topic by other means that leaves a fraction of
   * a femto-USD is rounded half-even there, never refused.
   */
  private static BigInteger multiplied(BigInteger femtos, long ppm) {
    return new BigDecimal(femtos.multiply(BigInteger.valueOf(ppm)))
        .divide(PPM_DECIMAL, 0, RoundingMode.HALF_EVEN).toBigIntegerExact();
  }

  private static BigInteger femtos(long tokens, long nanosPerMillion) {
    return BigInteger.valueOf(tokens).multiply(BigInteger.valueOf(nanosPerMillion));
  }

  private static long orElse(Long specific, long fallback) {
    return specific == null ? fallback : specific;
  }
}
