package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * One synthetic LLM call, in the normalized field meanings of the ingest HTTP contract:
 * {@code inputTokens} includes {@code cachedInputTokens}, {@code outputTokens} includes
 * {@code reasoningTokens}. {@code errorType} is null for a successful call.
 */
public record TrafficEvent(
    UUID eventId,
    Instant occurredAt,
    String userId,
    String tenantId,
    String feature,
    String provider,
    String model,
    long inputTokens,
    long outputTokens,
    long cachedInputTokens,
    long reasoningTokens,
    long latencyMs,
    boolean success,
    String errorType,
    long contextWindow) {

  public long totalTokens() {
    return Math.addExact(inputTokens, outputTokens);
  }

  /** The event as {@code POST /v1/events} expects it (camelCase, ISO-8601 UTC time). */
  public ObjectNode toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("eventId", eventId.toString());
    json.put("occurredAt", occurredAt.toString());
    json.put("userId", userId);
    json.put("tenantId", tenantId);
    json.put("feature", feature);
    json.put("provider", provider);
    json.put("model", model);
    json.put("inputTokens", inputTokens);
    json.put("outputTokens", outputTokens);
    json.put("cachedInputTokens", cachedInputTokens);
    json.put("reasoningTokens", reasoningTokens);
    json.put("latencyMs", latencyMs);
    json.put("success", success);
    if (errorType != null) {
      json.put("errorType", errorType);
    }
    json.put("contextWindow", contextWindow);
    return json;
  }
}
