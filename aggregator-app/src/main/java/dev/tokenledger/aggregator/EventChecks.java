package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.Optional;

/**
 * The invariants of a {@link TokensConsumed} that Avro cannot express. ingest-app checks them
 * too; these catch services that publish straight to Kafka.
 */
final class EventChecks {

  private EventChecks() {}

  static Optional<String> violation(TokensConsumed e) {
    if (e.getEventId().isBlank()) {
      return Optional.of("eventId is blank");
    }
    if (e.getUserId().isBlank()) {
      return Optional.of("userId is blank");
    }
    if (e.getProvider().isBlank() || e.getModel().isBlank()) {
      return Optional.of("provider and model are required (got provider=" + e.getProvider() + ", model=" + e.getModel() + ")");
    }
    for (var count : new Object[][] {
        {"inputTokens", e.getInputTokens()}, {"outputTokens", e.getOutputTokens()},
        {"cachedInputTokens", e.getCachedInputTokens()}, {"cacheWriteTokens", e.getCacheWriteTokens()},
        {"reasoningTokens", e.getReasoningTokens()}, {"systemTokens", e.getSystemTokens()}}) {
      if ((long) count[1] < 0) {
        return Optional.of(count[0] + " must be ≥ 0 (got " + count[1] + ")");
      }
    }
    if (e.getCachedInputTokens() + e.getCacheWriteTokens() > e.getInputTokens()) {
      return Optional.of("cachedInputTokens + cacheWriteTokens must be ≤ inputTokens (got "
          + e.getCachedInputTokens() + " + " + e.getCacheWriteTokens() + " > " + e.getInputTokens() + ")");
    }
    if (e.getSystemTokens() > e.getInputTokens()) {
      return Optional.of("systemTokens must be ≤ inputTokens (got " + e.getSystemTokens() + " > " + e.getInputTokens() + ")");
    }
    if (e.getReasoningTokens() > e.getOutputTokens()) {
      return Optional.of("reasoningTokens must be ≤ outputTokens (got " + e.getReasoningTokens() + " > " + e.getOutputTokens() + ")");
    }
    if (e.getCostNanos() != null && e.getCostNanos() < 0) {
      return Optional.of("costNanos must be ≥ 0 (got " + e.getCostNanos() + ")");
    }
    if (e.getLatencyMs() != null && e.getLatencyMs() < 0) {
      return Optional.of("latencyMs must be ≥ 0 (got " + e.getLatencyMs() + ")");
    }
    return Optional.empty();
  }
}
