package dev.tokenledger.bench;

import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * {@link TokensConsumed} events as a large deployment publishes them, for benchmarks that load
 * Kafka directly: 10 000 users with Zipf-skewed activity (the busiest ≈ 6 % of calls), 30 priced
 * models of five providers (also skewed), 200 tenants, 12 features, log-normal token counts,
 * cache hits, reasoning on reasoning models, ≈ 3 % failures. Event times run from a span (at most
 * {@link #MAX_SPAN}) before {@code now} up to {@code now} in arrival order, each up to a minute
 * early: a short span is a busy deployment's last minutes, a long one a replay of quiet days. Same
 * seed, same events.
 */
final class UsageEventGenerator {

  static final int USERS = 10_000;
  static final Duration MAX_SPAN = Duration.ofDays(3);
  private static final long JITTER_MILLIS = 60_000;
  private static final int TENANTS = 200;

  /** Every one is in the aggregator's default price catalogue, so every event is priced. */
  static final List<String> MODELS = List.of(
      "openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "openai/gpt-4o", "google/gemini-2.5-flash",
      "openai/gpt-5-mini", "anthropic/claude-haiku-4-5", "openai/gpt-4.1-mini", "openai/o4-mini",
      "google/gemini-2.5-pro", "openai/gpt-5", "mistral/mistral-small-latest", "anthropic/claude-opus-4-1",
      "xai/grok-3-mini", "openai/gpt-4.1", "google/gemini-2.0-flash", "openai/o3-mini",
      "mistral/mistral-large-latest", "openai/gpt-5-nano", "xai/grok-4", "anthropic/claude-3-5-haiku",
      "google/gemini-2.5-flash-lite", "openai/gpt-4.1-nano", "mistral/codestral-latest", "xai/grok-code-fast-1",
      "openai/o3", "anthropic/claude-sonnet-4", "google/gemini-2.0-flash-lite", "mistral/open-mistral-nemo",
      "xai/grok-3", "openai/gpt-3.5-turbo");
  private static final Set<String> REASONING = Set.of("openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-5-nano",
      "openai/o4-mini", "openai/o3-mini", "openai/o3", "google/gemini-2.5-pro", "google/gemini-2.5-flash",
      "xai/grok-3-mini", "xai/grok-4");
  private static final List<String> FEATURES = List.of("chat", "search", "summarize", "code-review", "support-bot",
      "translate", "extract", "classify", "agent", "autocomplete", "email-draft", "rag-answer");
  private static final List<String> SERVICES = List.of("web-api", "mobile-api", "batch-worker", "agent-runner");
  private static final List<String> ERRORS = List.of("rate_limit", "timeout", "server_error", "context_length");

  private final SplittableRandom random;
  private final double[] userCdf = zipfCdf(USERS, 0.9);
  private final double[] modelCdf = zipfCdf(MODELS.size(), 1.0);
  private final double[] featureCdf = zipfCdf(FEATURES.size(), 0.8);
  private final long firstMillis;
  private final double millisPerEvent;
  private long index;

  /** {@code count} events over the {@link #MAX_SPAN} ending at {@code now}. */
  UsageEventGenerator(long seed, long count, Instant now) {
    this(seed, count, now, MAX_SPAN);
  }

  /** {@code count} events ending at {@code now}: the i-th at {@code now - span + i * span / count}, minus jitter. */
  UsageEventGenerator(long seed, long count, Instant now, Duration span) {
    if (span.isNegative() || span.isZero() || span.compareTo(MAX_SPAN) > 0) {
      throw new IllegalArgumentException("span must be more than 0 and at most " + MAX_SPAN + " (got " + span + ")");
    }
    this.random = new SplittableRandom(seed);
    this.firstMillis = now.toEpochMilli() - span.toMillis();
    this.millisPerEvent = (double) span.toMillis() / count;
  }

  TokensConsumed next() {
    int user = pick(userCdf);
    String model = MODELS.get(pick(modelCdf));
    int slash = model.indexOf('/');
    String provider = model.substring(0, slash);
    // Every 20th user has no tenant and every 12th call no feature: both count as "unassigned".
    String tenant = user % 20 == 19 ? null : String.format("tenant-%03d", (user * 7919) % TENANTS);
    int feature = pick(featureCdf);
    boolean success = random.nextDouble() >= 0.03;

    long input = logNormal(900, 1.1, 1, 200_000);
    long output = success ? logNormal(220, 0.9, 1, 16_000) : 0;
    long cached = random.nextDouble() < 0.35 ? (long) (input * (0.3 + 0.6 * random.nextDouble())) : 0;
    long cacheWrite = provider.equals("anthropic") && random.nextDouble() < 0.1 ? (input - cached) / 2 : 0;
    long reasoning = REASONING.contains(model) ? (long) (output * (0.2 + 0.6 * random.nextDouble())) : 0;
    long system = Math.min(input, 50 + random.nextInt(400));
    long occurredAt = firstMillis + (long) (index++ * millisPerEvent) - random.nextLong(JITTER_MILLIS);

    return TokensConsumed.newBuilder()
        .setEventId(new UUID(random.nextLong(), random.nextLong()).toString())
        .setOccurredAt(Instant.ofEpochMilli(occurredAt))
        .setUserId(String.format("user-%05d", user))
        .setTenantId(tenant)
        .setService(SERVICES.get(feature % SERVICES.size()))
        .setFeature(random.nextInt(12) == 0 ? null : FEATURES.get(feature))
        .setSessionId(random.nextDouble() < 0.6 ? "sess-" + Long.toHexString(random.nextLong()) : null)
        .setProvider(provider)
        .setModel(model.substring(slash + 1))
        .setInputTokens(input)
        .setOutputTokens(output)
        .setCachedInputTokens(cached)
        .setCacheWriteTokens(cacheWrite)
        .setReasoningTokens(reasoning)
        .setSystemTokens(system)
        .setTokenSource(TokenSource.REPORTED)
        .setLatencyMs(150 + output * 12 + random.nextInt(400))
        .setSuccess(success)
        .setErrorType(success ? null : ERRORS.get(random.nextInt(ERRORS.size())))
        .setLabels(Map.of("env", random.nextInt(10) == 0 ? "staging" : "prod"))
        .build();
  }

  /** Cumulative weights of ranks 1..n with weight {@code 1 / rank^exponent}, normalised to end at 1. */
  static double[] zipfCdf(int n, double exponent) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int rank = 1; rank <= n; rank++) {
      sum += 1 / Math.pow(rank, exponent);
      cdf[rank - 1] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  private int pick(double[] cdf) {
    int i = Arrays.binarySearch(cdf, random.nextDouble());
    // Not found gives -(insertion point) - 1: the first rank whose cumulative weight exceeds the draw.
    return Math.min(i >= 0 ? i : -i - 1, cdf.length - 1);
  }

  /** A log-normal count around {@code median}, clamped: token counts have a long right tail. */
  private long logNormal(double median, double sigma, long min, long max) {
    // Box-Muller: SplittableRandom has no nextGaussian.
    double gaussian = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    return Math.max(min, Math.min(max, Math.round(median * Math.exp(sigma * gaussian))));
  }
}
