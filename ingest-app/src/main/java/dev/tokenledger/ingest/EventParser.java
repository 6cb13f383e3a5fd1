package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns one JSON event of the HTTP contract into a {@link TokensConsumed}, or into the list of
 * what is wrong with it. Unknown fields are errors, so a misspelt count never silently becomes 0.
 */
final class EventParser {

  /** The whole item, for errors that are not about one field. */
  static final String EVENT = "event";
  /** Text to be counted with the model's tokenizer, when no counts are given. */
  static final String PROMPT = "prompt";
  static final String COMPLETION = "completion";
  static final String SERVICE_TIER = "serviceTier";
  static final Set<String> FIELDS = Stream.concat(Stream.of(
      "eventId", "occurredAt", "userId", "tenantId", "service", "feature", "sessionId", "provider", "model",
      "costUsd", "latencyMs", "success", "errorType", "contextWindow", "labels", SERVICE_TIER,
      ProviderUsage.FIELD, OtelAttributes.FIELD, PROMPT, COMPLETION), TokenCounts.FIELDS.stream())
      .collect(Collectors.toUnmodifiableSet());
  /** Providers' names of the standard tier. */
  private static final Set<String> STANDARD_TIER = Set.of("standard", "default", "on_demand");
  private static final String DEFAULT_SERVICE = "unknown";

  /**
   * One item's outcome: an event, or the errors that rejected it. {@code alsoBilled}: the call's
   * sub-inferences on other models (an Anthropic advisor), each an event of its own model with the
   * event's id and {@code "#"} and the model, so a repeated item is still counted once.
   */
  record Result(Optional<TokensConsumed> event, List<TokensConsumed> alsoBilled, List<FieldError> errors) {
    static Result rejected(List<FieldError> errors) {
      return new Result(Optional.empty(), List.of(), List.copyOf(errors));
    }

    /** Every event the item stands for: the call's own, then its sub-inferences'. */
    List<TokensConsumed> events() {
      List<TokensConsumed> all = new ArrayList<>(1 + alsoBilled.size());
      event.ifPresent(all::add);
      all.addAll(alsoBilled);
      return all;
    }
  }

  private final Clock clock;
  private final Duration maxFutureSkew;
  private final Optional<Duration> retention;
  private final TokenCounter counter;

  EventParser(Clock clock, Duration maxFutureSkew) {
    this(clock, maxFutureSkew, Optional.empty(), new TokenCounter());
  }

  /**
   * @param retention how long the events topic keeps records: an older {@code occurredAt} is
   *     rejected, since Kafka would delete the record before anyone counted it; empty: no bound
   */
  EventParser(Clock clock, Duration maxFutureSkew, Optional<Duration> retention, TokenCounter counter) {
    this.clock = clock;
    this.maxFutureSkew = maxFutureSkew;
    this.retention = retention;
    this.counter = counter;
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
    retention.ifPresent(kept -> {
      if (occurredAt.isBefore(now.minus(kept))) {
        fields.reject("occurredAt", "must not be older than the events topic's retention of " + describe(kept)
            + " (now " + now + ", got \"" + occurredAt + "\"): Kafka would delete the event before it is counted");
      }
    });
    Optional<String> userId = fields.requiredText("userId");
    Optional<String> tenantId = fields.text("tenantId");
    String service = service(fields, keyOwner);
    Optional<String> feature = fields.text("feature");
    Optional<String> sessionId = fields.text("sessionId");

    Optional<String> source = tokenSource(fields);
    Optional<OtelAttributes.Result> otel = source.filter(OtelAttributes.FIELD::equals)
        .flatMap(s -> OtelAttributes.read(fields.node(OtelAttributes.FIELD), fields));
    Optional<String> provider = provider(fields, otel);
    boolean modelFromAttributes = !fields.has("model")
        && otel.filter(o -> o.model().isPresent() || o.badModel()).isPresent();
    Optional<String> model = modelFromAttributes
        ? otel.flatMap(OtelAttributes.Result::model) : fields.requiredText("model");
    TokenCounts tokens = tokens(fields, source, otel, provider, model);
    Optional<String> serviceTier = serviceTier(fields, tokens);
    OptionalLong costNanos = fields.usdNanos("costUsd");
    OptionalLong latencyMs = fields.wholeNumber("latencyMs", 0, EventRules.MAX_LATENCY_MS, "(a week)");
    boolean success = fields.bool("success").orElse(true);
    Optional<String> errorType = fields.text("errorType");
    OptionalLong contextWindow = fields.wholeNumber("contextWindow", 1, EventRules.MAX_CONTEXT_WINDOW,
        "(10^12 tokens)");
    Map<String, String> labels = fields.labels("labels");

    if (!fields.errors().isEmpty()) {
      return Result.rejected(fields.errors());
    }
    TokensConsumed event = TokensConsumed.newBuilder()
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
        .setCacheWrite1hTokens(tokens.cacheWrite1h())
        .setInputAudioTokens(tokens.inputAudio())
        .setInputImageTokens(tokens.inputImage())
        .setOutputAudioTokens(tokens.outputAudio())
        .setOutputImageTokens(tokens.outputImage())
        .setServiceTier(serviceTier.orElse(null))
        .setTokenSource(tokens.source())
        .setTokenizer(tokens.tokenizer())
        .setCostNanos(boxed(costNanos))
        .setLatencyMs(boxed(latencyMs))
        .setSuccess(success)
        .setErrorType(errorType.orElse(null))
        .setContextWindow(boxed(contextWindow))
        .setLabels(labels)
        .build();
    // What the fields make together (a provider's usage summed into inputTokens, say) must be
    // countable too: the aggregator would refuse it with the same words.
    List<TokensConsumed> alsoBilled = new ArrayList<>();
    tokens.otherModels().forEach((otherModel, counts) -> alsoBilled.add(subInference(event, otherModel, counts)));
    Result result = new Result(Optional.of(event), List.copyOf(alsoBilled), List.of());
    List<FieldError> violations = result.events().stream().flatMap(e -> EventRules.violations(e).stream())
        .map(v -> new FieldError(v.field(), v.message())).toList();
    return violations.isEmpty() ? result : Result.rejected(violations);
  }

  /**
   * {@code <eventId>#<model>}, or, when that is longer than an id may be, the eventId's start and a
   * hash of both: as deterministic (a retried call gives the same id), and never the caller's fault.
   */
  static String subInferenceId(String eventId, String model) {
    String id = eventId + "#" + model;
    if (id.length() <= EventRules.MAX_TEXT_LENGTH) {
      return id;
    }
    String hash = HexFormat.of().formatHex(sha256(id), 0, 16);
    return eventId.substring(0, Math.min(eventId.length(), EventRules.MAX_TEXT_LENGTH - 1 - hash.length())) + "#" + hash;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * A sub-inference of {@code call} on {@code model}: the call's who and when, its own counts;
   * a caller's cost covers the whole call, so it stays with the call and the sub-inference is 0;
   * latency and context window are the call's alone.
   */
  private static TokensConsumed subInference(TokensConsumed call, String model, TokenCounts counts) {
    return TokensConsumed.newBuilder(call)
        .setEventId(subInferenceId(call.getEventId(), model))
        .setModel(model)
        .setInputTokens(counts.input())
        .setOutputTokens(counts.output())
        .setCachedInputTokens(counts.cachedInput())
        .setCacheWriteTokens(counts.cacheWrite())
        .setCacheWrite1hTokens(counts.cacheWrite1h())
        .setReasoningTokens(counts.reasoning())
        .setSystemTokens(0)
        .setInputAudioTokens(0)
        .setInputImageTokens(0)
        .setOutputAudioTokens(0)
        .setOutputImageTokens(0)
        .setCostNanos(call.getCostNanos() == null ? null : 0L)
        .setLatencyMs(null)
        .setContextWindow(null)
        .build();
  }

  /**
   * Which way the item reports its tokens: normalized counts (empty), {@code usage}, {@code
   * attributes} or {@code prompt}/{@code completion} text. Two ways at once are ambiguous.
   */
  private static Optional<String> tokenSource(FieldReader fields) {
    List<String> ways = new ArrayList<>();
    TokenCounts.FIELDS.stream().filter(fields::has).findFirst().ifPresent(ways::add);
    for (String way : List.of(ProviderUsage.FIELD, OtelAttributes.FIELD)) {
      if (fields.has(way)) {
        ways.add(way);
      }
    }
    if (fields.has(PROMPT) || fields.has(COMPLETION)) {
      ways.add(fields.has(PROMPT) ? PROMPT : COMPLETION);
    }
    if (ways.size() > 1) {
      fields.reject(ways.get(1), "is ambiguous together with " + ways.get(0) + ": report the tokens one way only"
          + " (the normalized counts, the provider's usage object, OpenTelemetry attributes, or prompt/completion"
          + " text to be counted)");
      return Optional.of(EVENT);
    }
    return ways.stream().filter(w -> !TokenCounts.FIELDS.contains(w)).findFirst()
        .map(w -> w.equals(COMPLETION) ? PROMPT : w);
  }

  /**
   * The tier the call was served on, from the event or the usage object (both: they must agree),
   * lower-case, with the providers' names of the standard tier ({@code default} in OpenAI's
   * responses) as {@code standard}; absent: standard.
   */
  private static Optional<String> serviceTier(FieldReader fields, TokenCounts tokens) {
    Optional<String> fromEvent = fields.text(SERVICE_TIER).map(EventParser::tierName);
    Optional<String> fromUsage = Optional.ofNullable(tokens.serviceTier()).map(EventParser::tierName);
    if (fromEvent.isPresent() && fromUsage.isPresent() && !fromEvent.equals(fromUsage)) {
      fields.reject(SERVICE_TIER, "must match the usage object's service_tier (\"" + fromUsage.get()
          + "\") or be left out (got \"" + fromEvent.get() + "\")");
    }
    return fromEvent.or(() -> fromUsage);
  }

  private static String tierName(String tier) {
    String lower = tier.toLowerCase(Locale.ROOT);
    return STANDARD_TIER.contains(lower) ? "standard" : lower;
  }

  private static Optional<String> provider(FieldReader fields, Optional<OtelAttributes.Result> otel) {
    Optional<String> fromAttributes = otel.flatMap(OtelAttributes.Result::provider);
    if (!fields.has("provider")
        && (fromAttributes.isPresent() || otel.filter(OtelAttributes.Result::badProvider).isPresent())) {
      return fromAttributes;
    }
    Optional<String> provider = fields.requiredText("provider").map(p -> p.toLowerCase(Locale.ROOT));
    if (provider.isPresent() && fromAttributes.isPresent() && !provider.equals(fromAttributes)) {
      fields.reject("provider", "must match attributes." + OtelAttributes.PROVIDER + " (\"" + fromAttributes.get()
          + "\") or be left out (got \"" + provider.get() + "\")");
    }
    return provider;
  }

  private TokenCounts tokens(FieldReader fields, Optional<String> source, Optional<OtelAttributes.Result> otel,
      Optional<String> provider, Optional<String> model) {
    if (source.isEmpty()) {
      return TokenCounts.fromFields(fields);
    }
    return switch (source.get()) {
      case ProviderUsage.FIELD ->
          ProviderUsage.normalize(fields.node(ProviderUsage.FIELD), provider, model, fields).orElse(TokenCounts.ZERO);
      case OtelAttributes.FIELD -> otel.map(OtelAttributes.Result::counts).orElse(TokenCounts.ZERO);
      case PROMPT -> counted(fields, model);
      default -> TokenCounts.ZERO; // ambiguous: already an error
    };
  }

  /** Counts prompt and completion text with the model's tokenizer: ESTIMATED counts. */
  private TokenCounts counted(FieldReader fields, Optional<String> model) {
    Optional<String> prompt = fields.longText(PROMPT);
    Optional<String> completion = fields.longText(COMPLETION);
    if (model.isEmpty() || !fields.isValid(PROMPT) || !fields.isValid(COMPLETION)) {
      return TokenCounts.ZERO;
    }
    TokenCounter.Count in = counter.count(model.get(), prompt.orElse(""));
    TokenCounter.Count out = counter.count(model.get(), completion.orElse(""));
    return TokenCounts.estimated(in.tokens(), out.tokens(), in.tokenizer());
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
    if (duration.toHoursPart() == 0 && duration.toMinutesPart() == 0 && duration.toSecondsPart() == 0
        && duration.toMillisPart() == 0) {
      return duration.toDays() + " days";
    }
    return duration.toSecondsPart() == 0 && duration.toMillisPart() == 0
        ? duration.toMinutes() + " minutes"
        : duration.toMillis() + " ms";
  }

  private static Long boxed(OptionalLong value) {
    return value.isPresent() ? value.getAsLong() : null;
  }
}
