package dev.tokenledger.ingest;

import dev.tokenledger.schemas.avro.TokenSource;
import java.util.List;
import java.util.Map;

/**
 * The token counts of one call in TokenLedger's meaning: input is every prompt token (cache reads,
 * cache writes, system, audio and image tokens included), output every completion token
 * (reasoning, audio and image included). Each way of reporting usage (normalized fields, a
 * provider's usage object, OpenTelemetry attributes, counted text) produces one of these.
 *
 * @param cacheWrite1h the part of {@code cacheWrite} kept an hour (Anthropic's 1-hour TTL)
 * @param serviceTier the tier the usage itself names (Anthropic's {@code service_tier}), or null
 * @param otherModels sub-inferences of the call on other models (an Anthropic advisor), by model:
 *     billed at their model's price, so counted as their model's
 * @param tokenizer the encoding or estimate that counted the tokens when {@code source} is
 *     ESTIMATED, else null
 */
record TokenCounts(
    long input,
    long output,
    long cachedInput,
    long cacheWrite,
    long reasoning,
    long system,
    long cacheWrite1h,
    long inputAudio,
    long inputImage,
    long outputAudio,
    long outputImage,
    String serviceTier,
    Map<String, TokenCounts> otherModels,
    TokenSource source,
    String tokenizer) {

  static final String INPUT = "inputTokens";
  static final String OUTPUT = "outputTokens";
  static final String CACHED_INPUT = "cachedInputTokens";
  static final String CACHE_WRITE = "cacheWriteTokens";
  static final String REASONING = "reasoningTokens";
  static final String SYSTEM = "systemTokens";
  static final String CACHE_WRITE_1H = "cacheWrite1hTokens";
  static final String INPUT_AUDIO = "inputAudioTokens";
  static final String INPUT_IMAGE = "inputImageTokens";
  static final String OUTPUT_AUDIO = "outputAudioTokens";
  static final String OUTPUT_IMAGE = "outputImageTokens";
  /** The normalized count fields, each a whole number ≥ 0, default 0. */
  static final List<String> FIELDS = List.of(INPUT, OUTPUT, CACHED_INPUT, CACHE_WRITE, REASONING, SYSTEM,
      CACHE_WRITE_1H, INPUT_AUDIO, INPUT_IMAGE, OUTPUT_AUDIO, OUTPUT_IMAGE);

  static final TokenCounts ZERO = reported(0, 0, 0, 0, 0);

  /** Counts the provider reported (no system-token breakdown: no provider reports one). */
  static TokenCounts reported(long input, long output, long cachedInput, long cacheWrite, long reasoning) {
    return new TokenCounts(input, output, cachedInput, cacheWrite, reasoning, 0, 0, 0, 0, 0, 0, null, Map.of(),
        TokenSource.REPORTED, null);
  }

  /** These counts with audio and image parts of the input and output. */
  TokenCounts withModalities(long inAudio, long inImage, long outAudio, long outImage) {
    return new TokenCounts(input, output, cachedInput, cacheWrite, reasoning, system, cacheWrite1h, inAudio, inImage,
        outAudio, outImage, serviceTier, otherModels, source, tokenizer);
  }

  /** These counts with the part of the cache writes kept an hour. */
  TokenCounts withCacheWrite1h(long hourLong) {
    return new TokenCounts(input, output, cachedInput, cacheWrite, reasoning, system, hourLong, inputAudio,
        inputImage, outputAudio, outputImage, serviceTier, otherModels, source, tokenizer);
  }

  /** These counts with sub-inferences on other models. */
  TokenCounts withOtherModels(Map<String, TokenCounts> byModel) {
    return new TokenCounts(input, output, cachedInput, cacheWrite, reasoning, system, cacheWrite1h, inputAudio,
        inputImage, outputAudio, outputImage, serviceTier, Map.copyOf(byModel), source, tokenizer);
  }

  /** These counts with the service tier the usage names. */
  TokenCounts withServiceTier(String tier) {
    return new TokenCounts(input, output, cachedInput, cacheWrite, reasoning, system, cacheWrite1h, inputAudio,
        inputImage, outputAudio, outputImage, tier, otherModels, source, tokenizer);
  }

  /** Counts of text by {@code tokenizer}. */
  static TokenCounts estimated(long input, long output, String tokenizer) {
    return new TokenCounts(input, output, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, Map.of(), TokenSource.ESTIMATED, tokenizer);
  }

  /**
   * Reads the normalized fields (each a whole number ≥ 0, default 0) and checks the subsets
   * (modalities and hour-long writes against their whole are {@code EventRules}').
   */
  static TokenCounts fromFields(FieldReader fields) {
    TokenCounts counts = new TokenCounts(
        fields.count(INPUT), fields.count(OUTPUT), fields.count(CACHED_INPUT),
        fields.count(CACHE_WRITE), fields.count(REASONING), fields.count(SYSTEM), fields.count(CACHE_WRITE_1H),
        fields.count(INPUT_AUDIO), fields.count(INPUT_IMAGE), fields.count(OUTPUT_AUDIO), fields.count(OUTPUT_IMAGE),
        null, Map.of(), TokenSource.REPORTED, null);
    counts.checkSubsets(fields);
    return counts;
  }

  /** Rejects a subset larger than its whole; a field already wrong is not checked again. */
  private void checkSubsets(FieldReader fields) {
    if (fields.isValid(INPUT) && fields.isValid(CACHED_INPUT) && fields.isValid(CACHE_WRITE)
        // Subtraction, not addition: two large counts must not overflow into a pass.
        && (cachedInput > input || cacheWrite > input - cachedInput)) {
      // Without cache reads the writes alone are too many: name them, not a field that was not sent.
      fields.reject(cachedInput == 0 ? CACHE_WRITE : CACHED_INPUT,
          "cachedInputTokens + cacheWriteTokens must be ≤ inputTokens (got " + cachedInput + " + " + cacheWrite
              + " > " + input + "); inputTokens counts every prompt token, cache reads and writes included");
    }
    if (fields.isValid(OUTPUT) && fields.isValid(REASONING) && reasoning > output) {
      fields.reject(REASONING, "must be ≤ outputTokens (got " + reasoning + " > " + output
          + "); outputTokens counts every completion token, reasoning included");
    }
    if (fields.isValid(INPUT) && fields.isValid(SYSTEM) && system > input) {
      fields.reject(SYSTEM, "must be ≤ inputTokens (got " + system + " > " + input
          + "); inputTokens counts every prompt token, system tokens included");
    }
  }
}
