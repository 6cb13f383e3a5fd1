package dev.tokenledger.bench;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;

/**
 * The {@code aggregator-state} events: {@code users × eventsPerUser} events of
 * {@link UsageEventGenerator} (models, features, token counts, times over the last days) but of
 * exactly {@code users} distinct users, each making {@code eventsPerUser} calls. Each round of
 * {@code users} events visits every user once, in a scrambled order (a permutation, so that the
 * keys of a partition do not arrive sorted); a user's tenant follows from the user, as in the
 * generator.
 */
final class AggregatorStateEvents {

  private static final int TENANTS = 200;

  private final UsageEventGenerator generator;
  private final long users;
  private final long stride;
  private long index;

  AggregatorStateEvents(long seed, long users, long eventsPerUser, Instant now) {
    this.generator = new UsageEventGenerator(seed, Math.multiplyExact(users, eventsPerUser), now);
    this.users = users;
    this.stride = strideFor(users);
  }

  /** A stride coprime to {@code users}, so that {@code i * stride mod users} visits every user once per round. */
  static long strideFor(long users) {
    long stride = (long) (users * 0.6180339887) | 1; // the golden ratio: neighbours land far apart
    while (gcd(stride, users) != 1) {
      stride++;
    }
    return stride % users == 0 ? 1 : stride;
  }

  /** The user of the {@code index}-th event. */
  static long user(long index, long users, long stride) {
    return Math.floorMod(Math.multiplyExact(index % users, stride), users);
  }

  TokensConsumed next() {
    long user = user(index++, users, stride);
    TokensConsumed event = generator.next();
    event.setUserId(String.format("user-%07d", user));
    // Every 20th user has no tenant, as in UsageEventGenerator.
    event.setTenantId(user % 20 == 19 ? null : String.format("tenant-%03d", (user * 7919) % TENANTS));
    return event;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
