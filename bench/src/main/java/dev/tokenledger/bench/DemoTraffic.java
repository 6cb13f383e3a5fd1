package dev.tokenledger.bench;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * Generates a realistic mix of {@link TrafficEvent}s: five users in two tenants, four features,
 * seven models of four providers. Bob is the heavy user (about 3x anyone else's call share and
 * larger calls), so at 5 events/s he crosses a 200 000-token daily quota in about a minute.
 *
 * <p>Every draw comes from the given {@link RandomGenerator} in a fixed order, so the same seed
 * gives the same sequence. Event ids and times do not: ids must be fresh on every run, or a
 * second demo run would be deduplicated away downstream.
 */
public final class DemoTraffic {

  /** {@code sizeSkew} shapes token counts inside a feature's range: lower means larger calls. */
  record User(String id, String tenant, int weight, double sizeSkew) {}

  record Feature(String name, int weight, int inputMin, int inputMax, int outputMin, int outputMax) {}

  record Model(
      String provider,
      String name,
      int weight,
      long contextWindow,
      boolean reasons,
      boolean caches,
      int firstTokenMs,
      double msPerOutputToken) {}

  static final List<User> USERS = List.of(
      new User("alice", "acme", 1, 3.5),
      new User("bob", "acme", 3, 2.2),
      new User("carol", "acme", 1, 3.5),
      new User("dave", "globex", 1, 3.5),
      new User("erin", "globex", 1, 3.5));

  static final List<Feature> FEATURES = List.of(
      new Feature("chat", 4, 200, 3_000, 50, 800),
      new Feature("search", 2, 300, 6_000, 50, 400),
      new Feature("summarize", 2, 1_000, 8_000, 100, 600),
      new Feature("code-review", 1, 1_000, 8_000, 200, 2_000));

  static final List<Model> MODELS = List.of(
      new Model("openai", "gpt-4o", 3, 128_000, false, true, 400, 12.0),
      new Model("openai", "gpt-4o-mini", 4, 128_000, false, true, 250, 6.0),
      new Model("openai", "o3-mini", 1, 200_000, true, true, 800, 9.0),
      new Model("anthropic", "claude-sonnet-4-5", 3, 200_000, false, true, 600, 14.0),
      new Model("anthropic", "claude-haiku-4-5", 2, 200_000, false, true, 300, 7.0),
      new Model("google", "gemini-2.5-flash", 2, 1_048_576, false, true, 250, 5.0),
      new Model("mistral", "mistral-large-latest", 1, 128_000, false, false, 450, 15.0));

  private static final List<String> ERROR_TYPES =
      List.of("rate_limit_exceeded", "timeout", "server_error", "context_length_exceeded");
  private static final double FAILURE_RATE = 0.03;
  private static final double CACHE_HIT_RATE = 0.35;

  private final RandomGenerator random;
  private final Supplier<UUID> eventIds;
  private final Clock clock;

  /** Random event ids and the system clock: what the demo sends. */
  public DemoTraffic(RandomGenerator random) {
    this(random, UUID::randomUUID, Clock.systemUTC());
  }

  public DemoTraffic(RandomGenerator random, Supplier<UUID> eventIds, Clock clock) {
    this.random = random;
    this.eventIds = eventIds;
    this.clock = clock;
  }

  public List<TrafficEvent> next(int count) {
    List<TrafficEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(next());
    }
    return events;
  }

  public TrafficEvent next() {
    User user = pick(USERS, User::weight);
    Feature feature = pick(FEATURES, Feature::weight);
    Model model = pick(MODELS, Model::weight);

    long input = between(feature.inputMin(), feature.inputMax(), user.sizeSkew());
    long output = between(feature.outputMin(), feature.outputMax(), user.sizeSkew());
    long cached = model.caches() && random.nextDouble() < CACHE_HIT_RATE
        ? (long) (input * random.nextDouble(0.3, 0.9))
        : 0;
    // Reasoning tokens are part of the output, and only reasoning models produce them.
    long reasoning = model.reasons() ? (long) (output * random.nextDouble(0.4, 0.85)) : 0;
    long latency = Math.round(
        (model.firstTokenMs() + output * model.msPerOutputToken()) * random.nextDouble(0.7, 1.3));

    String errorType = null;
    if (random.nextDouble() < FAILURE_RATE) {
      // A failed call sent its prompt but produced nothing.
      errorType = ERROR_TYPES.get(random.nextInt(ERROR_TYPES.size()));
      output = 0;
      reasoning = 0;
      if (errorType.equals("timeout")) {
        latency = 30_000 + random.nextInt(30_000);
      }
    }

    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    return new TrafficEvent(eventIds.get(), now, user.id(), user.tenant(), feature.name(),
        model.provider(), model.name(), input, output, cached, reasoning, latency,
        errorType == null, errorType, model.contextWindow());
  }

  /** A value in [min, max], skewed towards min by {@code skew} (1 = uniform). */
  private long between(int min, int max, double skew) {
    return min + Math.round((max - min) * Math.pow(random.nextDouble(), skew));
  }

  private <T> T pick(List<T> items, ToIntFunction<T> weight) {
    int total = items.stream().mapToInt(weight).sum();
    int r = random.nextInt(total);
    for (T item : items) {
      r -= weight.applyAsInt(item);
      if (r < 0) {
        return item;
      }
    }
    throw new IllegalStateException("unreachable: weights changed during pick");
  }
}
