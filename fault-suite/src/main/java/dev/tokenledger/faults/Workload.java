package dev.tokenledger.faults;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A case's unique events, made up front from a seed: users skewed (a few heavy ones), three
 * models whose cost is exact in nano-USD (gpt-4o from the shipped catalogue, the others priced
 * by the caller), features and tenants, event times in the last 20 minutes.
 */
final class Workload {

  /** provider, model; gpt-4o costs $2.50 in and $10 out per million: 2,500 and 10,000 nano-USD a token. */
  private static final String[][] MODELS = {{"openai", "gpt-4o"}, {"anthropic", "claude-haiku-4-5"}, {"google", "gemini-2.5-flash"}};
  private static final String[] FEATURES = {"chat", "search", null};
  private static final String[] TENANTS = {"acme", "globex"};

  private Workload() {}

  static List<TokensConsumed> events(String prefix, int count, int users, long seed) {
    Random random = new Random(seed);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<TokensConsumed> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      double skew = random.nextDouble();
      String user = "u" + (int) (users * skew * skew);
      String[] model = MODELS[random.nextInt(MODELS.length)];
      long input = 50 + random.nextInt(4_000);
      long output = random.nextInt(1_500);
      events.add(TokensConsumed.newBuilder()
          .setEventId(prefix + "-" + i)
          .setOccurredAt(now.minus(Duration.ofMillis(random.nextInt(20 * 60 * 1000))))
          .setUserId(user)
          .setTenantId(TENANTS[random.nextInt(TENANTS.length)])
          .setService("fault-suite")
          .setFeature(FEATURES[random.nextInt(FEATURES.length)])
          .setProvider(model[0])
          .setModel(model[1])
          .setInputTokens(input)
          .setOutputTokens(output)
          .setCostNanos(model[1].equals("gpt-4o") ? null : Long.valueOf(1 + random.nextInt(3_000_000)))
          .build());
    }
    return events;
  }

  /**
   * The order a producer sends them in when every {@code every}-th event is retried: the retry
   * (same eventId, same content) follows a few hundred events after the first copy.
   */
  static List<TokensConsumed> withRetries(List<TokensConsumed> events, int every, long seed) {
    Random random = new Random(seed);
    List<Map.Entry<Double, TokensConsumed>> ordered = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      ordered.add(Map.entry((double) i, events.get(i)));
      if (i % every == 0) {
        ordered.add(Map.entry(i + 1 + random.nextInt(300) + random.nextDouble(), events.get(i)));
      }
    }
    ordered.sort(Map.Entry.comparingByKey());
    return ordered.stream().map(Map.Entry::getValue).toList();
  }

  /** What the aggregator must charge: the caller's cost, else the catalogue's gpt-4o price. */
  static long costNanos(TokensConsumed event) {
    if (event.getCostNanos() != null) {
      return event.getCostNanos();
    }
    return event.getInputTokens() * 2_500 + event.getOutputTokens() * 10_000;
  }
}
