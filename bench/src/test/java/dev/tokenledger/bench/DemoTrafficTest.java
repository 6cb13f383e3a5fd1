package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DemoTrafficTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final Set<String> USERS = Set.of("alice", "bob", "carol", "dave", "erin");
  private static final Map<String, Set<String>> MODELS_BY_PROVIDER = Map.of(
      "openai", Set.of("gpt-4o", "gpt-4o-mini", "o3-mini"),
      "anthropic", Set.of("claude-sonnet-4-5", "claude-haiku-4-5"),
      "google", Set.of("gemini-2.5-flash"),
      "mistral", Set.of("mistral-large-latest"));

  private static List<TrafficEvent> events(long seed, int count) {
    return new DemoTraffic(new SplittableRandom(seed), UUID::randomUUID,
        Clock.fixed(NOW, ZoneOffset.UTC)).next(count);
  }

  @Test
  void shouldGenerateValidEvents() {
    List<TrafficEvent> events = events(42, 10_000);

    assertThat(events).allSatisfy(e -> {
      assertThat(e.eventId()).isNotNull();
      assertThat(e.occurredAt()).isEqualTo(NOW);
      assertThat(e.userId()).isIn(USERS);
      assertThat(e.tenantId()).isIn("acme", "globex");
      assertThat(e.feature()).isIn("chat", "search", "summarize", "code-review");
      assertThat(MODELS_BY_PROVIDER).containsKey(e.provider());
      assertThat(MODELS_BY_PROVIDER.get(e.provider())).contains(e.model());
      assertThat(e.inputTokens()).isBetween(200L, 8_000L);
      assertThat(e.outputTokens()).isBetween(e.success() ? 50L : 0L, 2_000L);
      assertThat(e.cachedInputTokens()).isBetween(0L, e.inputTokens());
      assertThat(e.reasoningTokens()).isBetween(0L, e.outputTokens());
      assertThat(e.inputTokens()).isLessThanOrEqualTo(e.contextWindow());
      assertThat(e.latencyMs()).isPositive();
      assertThat(e.errorType() == null).isEqualTo(e.success());
    });
    assertThat(events).map(TrafficEvent::eventId).doesNotHaveDuplicates();
  }

  @Test
  void shouldGiveReasoningTokensOnlyToReasoningModels() {
    List<TrafficEvent> events = events(42, 10_000);

    assertThat(events).filteredOn(e -> e.reasoningTokens() > 0)
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.model()).isEqualTo("o3-mini"));
    assertThat(events).filteredOn(e -> e.model().equals("o3-mini") && e.success())
        .allSatisfy(e -> assertThat(e.reasoningTokens()).isPositive());
  }

  @Test
  void shouldMixCachingFailuresAndEveryModel() {
    List<TrafficEvent> events = events(42, 10_000);

    assertThat(events).map(TrafficEvent::model).containsAll(
        MODELS_BY_PROVIDER.values().stream().flatMap(Set::stream).toList());
    long cached = events.stream().filter(e -> e.cachedInputTokens() > 0).count();
    long failed = events.stream().filter(e -> !e.success()).count();
    assertThat(cached).isBetween(2_000L, 4_500L);
    assertThat(failed).isBetween(200L, 400L); // ~3 %
  }

  @Test
  void shouldMakeBobTheHeaviestUser() {
    Map<String, Long> tokensByUser = events(42, 10_000).stream()
        .collect(Collectors.groupingBy(TrafficEvent::userId,
            Collectors.summingLong(TrafficEvent::totalTokens)));

    long bob = tokensByUser.get("bob");
    assertThat(tokensByUser).hasSize(5).allSatisfy((user, tokens) -> {
      if (!user.equals("bob")) {
        assertThat(bob).isGreaterThan(3 * tokens);
      }
    });
  }

  @Test
  void shouldPushBobOverHisDailyQuotaWithinAMinuteOrTwoAtFiveEventsPerSecond() {
    List<TrafficEvent> events = events(42, 5 * 300);
    long bobTokens = 0;
    int crossedAt = -1;
    for (int i = 0; i < events.size() && crossedAt < 0; i++) {
      if (events.get(i).userId().equals("bob")) {
        bobTokens += events.get(i).totalTokens();
        if (bobTokens >= 200_000) {
          crossedAt = i;
        }
      }
    }

    double seconds = crossedAt / 5.0;
    assertThat(seconds).isBetween(20.0, 120.0);
  }

  @Test
  void shouldRepeatTheSameSequenceForTheSameSeed() {
    // Event ids are random on purpose (a rerun must not be deduplicated), so compare the rest.
    assertThat(events(7, 500)).map(DemoTrafficTest::withoutId)
        .containsExactlyElementsOf(events(7, 500).stream().map(DemoTrafficTest::withoutId).toList());
    assertThat(events(7, 500).stream().map(DemoTrafficTest::withoutId).toList())
        .isNotEqualTo(events(8, 500).stream().map(DemoTrafficTest::withoutId).toList());
  }

  private static TrafficEvent withoutId(TrafficEvent e) {
    return new TrafficEvent(null, e.occurredAt(), e.userId(), e.tenantId(), e.feature(),
        e.provider(), e.model(), e.inputTokens(), e.outputTokens(), e.cachedInputTokens(),
        e.reasoningTokens(), e.latencyMs(), e.success(), e.errorType(), e.contextWindow());
  }

  @Test
  void shouldWriteTheContractsFieldNames() {
    TrafficEvent event = events(42, 1).get(0);

    assertThat(event.toJson().fieldNames()).toIterable().contains("eventId", "occurredAt",
        "userId", "tenantId", "feature", "provider", "model", "inputTokens", "outputTokens",
        "cachedInputTokens", "reasoningTokens", "latencyMs", "success", "contextWindow");
    assertThat(event.toJson().get("occurredAt").asText()).isEqualTo("2026-11-22T10:00:00Z");
  }
}
