package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AggregatorStateEventsTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  @Test
  void shouldVisitEveryUserOnceARound() {
    for (long users : new long[] {1_000, 1_024, 50_000, 100_003}) {
      long stride = AggregatorStateEvents.strideFor(users);
      Set<Long> seen = new HashSet<>();
      for (long i = 0; i < users; i++) {
        seen.add(AggregatorStateEvents.user(i, users, stride));
      }
      assertThat(seen).as("users %d", users).hasSize((int) users);
      assertThat(AggregatorStateEvents.user(users, users, stride)).isEqualTo(AggregatorStateEvents.user(0, users, stride));
    }
  }

  @Test
  void shouldGiveEachOfTheUsersItsEventsWithOneTenant() {
    AggregatorStateEvents events = new AggregatorStateEvents(42, 2_000, 3, NOW);
    Map<String, Integer> calls = new HashMap<>();
    Map<String, Set<String>> tenants = new HashMap<>();
    for (int i = 0; i < 6_000; i++) {
      TokensConsumed event = events.next();
      calls.merge(event.getUserId(), 1, Integer::sum);
      tenants.computeIfAbsent(event.getUserId(), u -> new HashSet<>()).add(String.valueOf(event.getTenantId()));
      assertThat(event.getOccurredAt()).isBeforeOrEqualTo(NOW);
    }

    assertThat(calls).hasSize(2_000);
    assertThat(calls.values()).containsOnly(3);
    assertThat(tenants.values()).allSatisfy(t -> assertThat(t).hasSize(1));
    assertThat(tenants.values().stream().flatMap(Set::stream).distinct().count()).isGreaterThan(100);
  }
}
