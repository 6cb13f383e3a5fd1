package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UsageEventGeneratorTest {

  private static final int COUNT = 100_000;
  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  private static List<TokensConsumed> generate(long seed) {
    UsageEventGenerator generator = new UsageEventGenerator(seed, COUNT, NOW);
    List<TokensConsumed> events = new ArrayList<>(COUNT);
    for (int i = 0; i < COUNT; i++) {
      events.add(generator.next());
    }
    return events;
  }

  @Test
  void shouldSkewTenThousandUsersAndUseThirtyModelsOfFiveProviders() {
    List<TokensConsumed> events = generate(42);
    Map<String, Integer> perUser = new HashMap<>();
    Set<String> models = new HashSet<>();
    Set<String> providers = new HashSet<>();
    events.forEach(e -> {
      perUser.merge(e.getUserId(), 1, Integer::sum);
      models.add(e.getProvider() + "/" + e.getModel());
      providers.add(e.getProvider());
    });

    assertThat(perUser.size()).isBetween(8_000, UsageEventGenerator.USERS);
    double busiest = Collections.max(perUser.values()) / (double) COUNT;
    assertThat(busiest).as("the busiest user's share").isBetween(0.04, 0.09);
    assertThat(models).hasSize(30).containsExactlyInAnyOrderElementsOf(UsageEventGenerator.MODELS);
    assertThat(providers).containsExactlyInAnyOrder("openai", "anthropic", "google", "xai", "mistral");
  }

  @Test
  void shouldSpreadEventsOverTheSpanAsked() {
    UsageEventGenerator generator = new UsageEventGenerator(3, 1_000, NOW, Duration.ofMinutes(10));
    List<Instant> times = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      times.add(generator.next().getOccurredAt());
    }

    // Ten minutes, each event up to a minute early.
    assertThat(times).allSatisfy(t -> assertThat(t).isBetween(NOW.minus(Duration.ofMinutes(11)), NOW));
    assertThat(times.get(999)).isAfter(NOW.minus(Duration.ofMinutes(2)));
    assertThatThrownBy(() -> new UsageEventGenerator(3, 1_000, NOW, Duration.ofDays(4)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldMakeValidUniqueEventsOverTheSpanInArrivalOrder() {
    List<TokensConsumed> events = generate(7);
    Instant first = NOW.minus(UsageEventGenerator.MAX_SPAN).minusSeconds(60);

    assertThat(events).allSatisfy(e -> {
      assertThat(e.getOccurredAt()).isBetween(first, NOW);
      assertThat(e.getCachedInputTokens() + e.getCacheWriteTokens()).isLessThanOrEqualTo(e.getInputTokens());
      assertThat(e.getSystemTokens()).isLessThanOrEqualTo(e.getInputTokens());
      assertThat(e.getReasoningTokens()).isLessThanOrEqualTo(e.getOutputTokens());
    });
    assertThat(events.stream().map(TokensConsumed::getEventId).distinct().count()).isEqualTo(COUNT);
    // Later events are later, up to the minute of jitter.
    assertThat(events.get(COUNT - 1).getOccurredAt()).isAfter(events.get(COUNT / 2).getOccurredAt());
    assertThat(events.stream().filter(e -> e.getTenantId() == null).count()).isBetween(1L, COUNT / 5L);
    double averageBytes = events.stream().mapToInt(e -> AvroSerdes.tokensConsumed().encode(e).length).average()
        .orElseThrow();
    assertThat(averageBytes).as("average encoded size").isBetween(120.0, 400.0);
  }

  @Test
  void shouldRepeatTheSameEventsForTheSameSeed() {
    assertThat(generate(3).subList(0, 100)).isEqualTo(generate(3).subList(0, 100));
  }
}
