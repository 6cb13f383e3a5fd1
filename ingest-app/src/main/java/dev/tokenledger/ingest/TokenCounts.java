package dev.tokenledger.ingest;

import dev.tokenledger.schemas.avro.TokenSource;

/**
 * The token counts of one call in TokenLedger's meaning: input is every prompt token (cache reads,
 * cache writes and system tokens included), output every completion token (reasoning included).
 * Each way of reporting usage (normalized fields, a provider's usage object, OpenTelemetry
 * attributes, counted text) produces one of these.
 *
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
    TokenSource source,
    String tokenizer) {

  static final String INPUT = "inputTokens";
  static final String OUTPUT = "outputTokens";
  static final String CACHED_INPUT = "cachedInputTokens";
  static final String CACHE_WRITE = "cacheWriteTokens";
  static final String REASONING = "reasoningTokens";
  static final String SYSTEM = "systemTokens";

  static final TokenCounts ZERO = reported(0, 0, 0, 0, 0);

  /** Counts the provider reported (no system-token breakdown: no provider reports one). */
  static TokenCounts reported(long input, long output, long cachedInput, long cacheWrite, long reasoning) {
    return new TokenCounts(input, output, cachedInput, cacheWrite, reasoning, 0, TokenSource.REPORTED, null);
  }

  /** Counts of text by {@code tokenizer}. */
  static TokenCounts estimated(long input, long output, String tokenizer) {
    return new TokenCounts(input, output, 0, 0, 0, 0, TokenSource.ESTIMATED, tokenizer);
  }

  /** Reads the normalized fields (each a whole number ≥ 0, default 0) and checks the subsets. */
  static TokenCounts fromFields(FieldReader fields) {
    TokenCounts counts = new TokenCounts(
        fields.count(INPUT), fields.count(OUTPUT), fields.count(CACHED_INPUT),
        fields.count(CACHE_WRITE), fields.count(REASONING), fields.count(SYSTEM), TokenSource.REPORTED, null);
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
