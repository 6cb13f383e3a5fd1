package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What makes a {@link TokensConsumed} countable, beyond what Avro can say: the one definition
 * ingest-app answers field errors from and the aggregator rejects records by (services that
 * publish straight to Kafka meet the same rules).
 *
 * <p>The ceilings are far above any real call and far below where arithmetic breaks: a count
 * of 10^12 tokens times 10^6 (the parts per million of context utilization) still fits a long,
 * and so do millions of such events summed. Without them one event of 10^13 tokens stopped all
 * counting (its context utilization overflowed in the aggregator).
 */
public final class EventRules {

  /** The most tokens one count field of one call may hold: 10^12. */
  public static final long MAX_TOKENS = 1_000_000_000_000L;
  /** The most one call may cost, caller-supplied or priced: $1,000,000 in nano-USD (10^15). */
  public static final long MAX_COST_NANOS = 1_000_000_000_000_000L;
  /** The longest one call may take: a week, in milliseconds. */
  public static final long MAX_LATENCY_MS = 7L * 24 * 60 * 60 * 1000;
  /** The largest context window: as many tokens as one count may hold. */
  public static final long MAX_CONTEXT_WINDOW = MAX_TOKENS;
  /** The longest id or name (eventId, userId, tenantId, provider, model, …), in characters. */
  public static final int MAX_TEXT_LENGTH = 256;
  public static final int MAX_LABELS = 32;
  public static final int MAX_LABEL_KEY_LENGTH = 64;
  public static final int MAX_LABEL_VALUE_LENGTH = 256;
  /**
   * The most bytes an encoded event may take: a valid one, its text bounded as above, takes under
   * 50 KiB. A larger record is refused before it is decoded, so no copy of it (a reroute, a
   * changelog) can come near Kafka's 1 MB record limit.
   */
  public static final int MAX_EVENT_BYTES = 64 * 1024;
  private static final Pattern SERVICE_TIER = Pattern.compile("[a-z0-9_-]{1,32}");

  /** One broken rule: the field it is about and what is wrong, with the value that was sent. */
  public record Violation(String field, String message) {
    @Override
    public String toString() {
      return field + " " + message;
    }
  }

  private EventRules() {}

  /** Every rule {@code event} breaks, in field order; empty when it can be counted. */
  public static List<Violation> violations(TokensConsumed e) {
    List<Violation> violations = new ArrayList<>();
    requiredText(violations, "eventId", e.getEventId());
    requiredText(violations, "userId", e.getUserId());
    optionalText(violations, "tenantId", e.getTenantId());
    optionalText(violations, "service", e.getService());
    optionalText(violations, "feature", e.getFeature());
    optionalText(violations, "sessionId", e.getSessionId());
    requiredText(violations, "provider", e.getProvider());
    if (e.getProvider().indexOf('/') >= 0) {
      // A model is keyed provider/model: "openai/gpt-4o" + "mini" would be "openai" + "gpt-4o/mini".
      violations.add(new Violation("provider", "must not contain '/' (got " + e.getProvider() + ")"));
    }
    requiredText(violations, "model", e.getModel());
    count(violations, "inputTokens", e.getInputTokens());
    count(violations, "outputTokens", e.getOutputTokens());
    count(violations, "cachedInputTokens", e.getCachedInputTokens());
    count(violations, "cacheWriteTokens", e.getCacheWriteTokens());
    count(violations, "reasoningTokens", e.getReasoningTokens());
    count(violations, "systemTokens", e.getSystemTokens());
    count(violations, "cacheWrite1hTokens", e.getCacheWrite1hTokens());
    count(violations, "inputAudioTokens", e.getInputAudioTokens());
    count(violations, "inputImageTokens", e.getInputImageTokens());
    count(violations, "outputAudioTokens", e.getOutputAudioTokens());
    count(violations, "outputImageTokens", e.getOutputImageTokens());
    subsets(violations, e);
    serviceTier(violations, e.getServiceTier());
    optionalText(violations, "tokenizer", e.getTokenizer());
    if (e.getCostNanos() != null) {
      within(violations, "costNanos", e.getCostNanos(), 0, MAX_COST_NANOS, "($1,000,000, the most one call may cost)");
    }
    if (e.getLatencyMs() != null) {
      within(violations, "latencyMs", e.getLatencyMs(), 0, MAX_LATENCY_MS, "(a week)");
    }
    optionalText(violations, "errorType", e.getErrorType());
    if (e.getContextWindow() != null) {
      // 0: unknown, as the aggregator has always read it from producers that write it.
      within(violations, "contextWindow", e.getContextWindow(), 0, MAX_CONTEXT_WINDOW, "(10^12 tokens)");
    }
    labels(violations, e.getLabels());
    return violations;
  }

  private static void requiredText(List<Violation> violations, String field, String value) {
    if (value.isBlank()) {
      violations.add(new Violation(field, "must not be blank"));
    } else {
      optionalText(violations, field, value);
    }
  }

  private static void optionalText(List<Violation> violations, String field, String value) {
    if (value != null && value.length() > MAX_TEXT_LENGTH) {
      violations.add(new Violation(field, "must be at most " + MAX_TEXT_LENGTH + " characters (got " + value.length() + ")"));
    }
  }

  private static void count(List<Violation> violations, String field, long value) {
    within(violations, field, value, 0, MAX_TOKENS, "(10^12: no real call has more tokens)");
  }

  private static void within(List<Violation> violations, String field, long value, long min, long max, String why) {
    if (value < min) {
      violations.add(new Violation(field, "must be ≥ " + min + " (got " + value + ")"));
    } else if (value > max) {
      violations.add(new Violation(field, "must be at most " + max + " " + why + " (got " + value + ")"));
    }
  }

  /** Subsets within their whole; a count already wrong (negative) is not checked again. */
  private static void subsets(List<Violation> violations, TokensConsumed e) {
    long input = e.getInputTokens();
    if (input < 0 || e.getOutputTokens() < 0) {
      return;
    }
    // Subtraction, not addition: two large counts must not overflow into a pass.
    if (e.getCachedInputTokens() >= 0 && e.getCacheWriteTokens() >= 0
        && (e.getCachedInputTokens() > input || e.getCacheWriteTokens() > input - e.getCachedInputTokens())) {
      violations.add(new Violation("cachedInputTokens", "+ cacheWriteTokens must be ≤ inputTokens (got "
          + e.getCachedInputTokens() + " + " + e.getCacheWriteTokens() + " > " + input + ")"));
    }
    if (e.getSystemTokens() > input) {
      violations.add(new Violation("systemTokens", "must be ≤ inputTokens (got " + e.getSystemTokens() + " > " + input + ")"));
    }
    if (e.getReasoningTokens() > e.getOutputTokens()) {
      violations.add(new Violation("reasoningTokens",
          "must be ≤ outputTokens (got " + e.getReasoningTokens() + " > " + e.getOutputTokens() + ")"));
    }
    if (e.getCacheWrite1hTokens() > e.getCacheWriteTokens()) {
      violations.add(new Violation("cacheWrite1hTokens",
          "must be ≤ cacheWriteTokens (got " + e.getCacheWrite1hTokens() + " > " + e.getCacheWriteTokens() + ")"));
    }
    modalities(violations, "input", input, e.getInputAudioTokens(), e.getInputImageTokens());
    modalities(violations, "output", e.getOutputTokens(), e.getOutputAudioTokens(), e.getOutputImageTokens());
  }

  /** Audio and image tokens are parts of the whole; text is the rest. */
  private static void modalities(List<Violation> violations, String side, long whole, long audio, long image) {
    if (audio >= 0 && image >= 0 && (audio > whole || image > whole - audio)) {
      // Name the count that does not fit: audio alone, or else the image tokens beside it.
      String field = audio > whole ? side + "AudioTokens" : side + "ImageTokens";
      violations.add(new Violation(field, side + "AudioTokens + " + side + "ImageTokens must be ≤ " + side
          + "Tokens (got " + audio + " + " + image + " > " + whole + ")"));
    }
  }

  /** Whether {@code tier} is a service tier's name: 1 to 32 lower-case letters, digits, '_' or '-'. */
  public static boolean isServiceTier(String tier) {
    return SERVICE_TIER.matcher(tier).matches();
  }

  private static void serviceTier(List<Violation> violations, String tier) {
    if (tier != null && !isServiceTier(tier)) {
      violations.add(new Violation("serviceTier", "must be 1 to 32 lower-case letters, digits, '_' or '-', like standard,"
          + " batch, flex or priority (got " + tier.length() + " characters)"));
    }
  }

  private static void labels(List<Violation> violations, Map<String, String> labels) {
    if (labels.size() > MAX_LABELS) {
      violations.add(new Violation("labels", "must have at most " + MAX_LABELS + " entries (got " + labels.size() + ")"));
      return;
    }
    for (var label : labels.entrySet()) {
      if (label.getKey().length() > MAX_LABEL_KEY_LENGTH || label.getValue().length() > MAX_LABEL_VALUE_LENGTH) {
        violations.add(new Violation("labels", "keys must be at most " + MAX_LABEL_KEY_LENGTH + " and values "
            + MAX_LABEL_VALUE_LENGTH + " characters (got a key of " + label.getKey().length() + " and its value of "
            + label.getValue().length() + ")"));
        return;
      }
    }
  }
}
