package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * Turns one JSON event of the HTTP contract into a {@link TokensConsumed}, or into the list of
 * what is wrong with it. Unknown fields are errors, so a misspelt count never silently becomes 0.
 */
final class EventParser {

  /** The whole item, for errors that are not about one field. */
  static final String EVENT = "event";
  static final Set<String> FIELDS = Set.of(
      "eventId", "occurredAt", "userId", "tenantId", "service", "feature", "sessionId", "provider", "model",
      TokenCounts.INPUT, TokenCounts.OUTPUT, TokenCounts.CACHED_INPUT, TokenCounts.CACHE_WRITE,
      TokenCounts.REASONING, TokenCounts.SYSTEM,
      "costUsd", "latencyMs", "success", "errorType", "contextWindow", "labels");
  private static final String DEFAULT_SERVICE = "unknown";

  /** One item's outcome: an event, or the errors that rejected it. */
  record Result(Optional<TokensConsumed> event, List<FieldError> errors) {
    static Result rejected(List<FieldError> errors) {
      return new Result(Optional.empty(), List.copyOf(errors));
    }
  }

  private final Clock clock;
  private final Duration maxFutureSkew;

  EventParser(Clock clock, Duration maxFutureSkew) {
    this.clock = clock;
    this.maxFutureSkew = maxFutureSkew;
  }

  /**
   * @param keyOwner the publish key's name when authentication is on: it is the service stamped on
   *     the event, and a {@code service} in the body must match it
   */
  Result parse(JsonNode item, Optional<String> keyOwner) {
    if (!item.isObject()) {
      return Result.rejected(List.of(new FieldError(EVENT,
          "must be a JSON object like {\"userId\":\"alice\",\"provider\":\"openai\",\"model\":\"gpt-4o\"} (got "
              + FieldReader.echo(item) + ")")));
    }
    if (item.size() > FIELDS.size()) {
      // Bounds the error list: every field beyond the known ones would be one more error.
      return Result.rejected(List.of(new FieldError(EVENT,
          "must have at most " + FIELDS.size() + " fields, the known event fields (got " + item.size() + ")")));
    }
    FieldReader fields = new FieldReader(item);
    rejectUnknownFields(item, fields);

    Instant now = clock.instant();
    String eventId = fields.text("eventId").orElseGet(() -> UUID.randomUUID().toString());
    Instant occurredAt = fields.instant("occurredAt").orElse(now).truncatedTo(ChronoUnit.MILLIS);
    if (occurredAt.isAfter(now.plus(maxFutureSkew))) {
      fields.reject("occurredAt", "must not be more than " + describe(maxFutureSkew)
          + " ahead of the server clock (now " + now + ", got \"" + occurredAt + "\"); send the time the call happened");
    }
    Optional<String> userId = fields.requiredText("userId");
    Optional<String> tenantId = fields.text("tenantId");
    String service = service(fields, keyOwner);
    Optional<String> feature = fields.text("feature");
    Optional<String> sessionId = fields.text("sessionId");
    Optional<String> provider = fields.requiredText("provider").map(p -> p.toLowerCase(Locale.ROOT));
    Optional<String> model = fields.requiredText("model");
    TokenCounts tokens = TokenCounts.fromFields(fields);
    OptionalLong costNanos = fields.usdNanos("costUsd");
    OptionalLong latencyMs = fields.wholeNumber("latencyMs", 0);
    boolean success = fields.bool("success").orElse(true);
    Optional<String> errorType = fields.text("errorType");
    OptionalLong contextWindow = fields.wholeNumber("contextWindow", 1);
    Map<String, String> labels = fields.labels("labels");

    if (!fields.errors().isEmpty()) {
      return Result.rejected(fields.errors());
    }
    return new Result(Optional.of(TokensConsumed.newBuilder()
        .setEventId(eventId)
        .setOccurredAt(occurredAt)
        .setUserId(userId.orElseThrow())
        .setTenantId(tenantId.orElse(null))
        .setService(service)
        .setFeature(feature.orElse(null))
        .setSessionId(sessionId.orElse(null))
        .setProvider(provider.orElseThrow())
        .setModel(model.orElseThrow())
        .setInputTokens(tokens.input())
        .setOutputTokens(tokens.output())
        .setCachedInputTokens(tokens.cachedInput())
        .setCacheWriteTokens(tokens.cacheWrite())
        .setReasoningTokens(tokens.reasoning())
        .setSystemTokens(tokens.system())
        .setTokenSource(tokens.source())
        .setCostNanos(boxed(costNanos))
        .setLatencyMs(boxed(latencyMs))
        .setSuccess(success)
        .setErrorType(errorType.orElse(null))
        .setContextWindow(boxed(contextWindow))
        .setLabels(labels)
        .build()), List.of());
  }

  private static void rejectUnknownFields(JsonNode item, FieldReader fields) {
    item.fieldNames().forEachRemaining(name -> {
      if (!FIELDS.contains(name)) {
        fields.reject(FieldReader.shorten(name), "is not an event field; " + suggestion(name));
      }
    });
  }

  /** Points {@code input_tokens} or {@code InputTokens} to {@code inputTokens}. */
  private static String suggestion(String unknown) {
    String folded = fold(unknown);
    return FIELDS.stream().filter(known -> fold(known).equals(folded)).findFirst()
        .map(known -> "did you mean " + known + "?")
        .orElse("check the spelling (fields are camelCase, like inputTokens)");
  }

  private static String fold(String name) {
    return name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
  }

  private static String service(FieldReader fields, Optional<String> keyOwner) {
    Optional<String> fromBody = fields.text("service");
    if (keyOwner.isEmpty()) {
      return fromBody.orElse(DEFAULT_SERVICE);
    }
    if (fromBody.isPresent() && !fromBody.get().equals(keyOwner.get())) {
      fields.reject("service", "must match the API key's service \"" + keyOwner.get() + "\" or be left out (got \""
          + fromBody.get() + "\")");
    }
    return keyOwner.get();
  }

  private static String describe(Duration duration) {
    return duration.toSecondsPart() == 0 && duration.toMillisPart() == 0
        ? duration.toMinutes() + " minutes"
        : duration.toMillis() + " ms";
  }

  private static Long boxed(OptionalLong value) {
    return value.isPresent() ? value.getAsLong() : null;
  }
}
