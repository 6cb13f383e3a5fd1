package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventRulesTest {

  private static TokensConsumed.Builder event() {
    return TokensConsumed.newBuilder()
        .setEventId("evt-1")
        .setOccurredAt(Instant.parse("2026-12-07T10:00:00Z"))
        .setUserId("alice")
        .setService("chat-api")
        .setProvider("openai")
        .setModel("gpt-4o")
        .setInputTokens(1200)
        .setCachedInputTokens(200)
        .setOutputTokens(300)
        .setReasoningTokens(100);
  }

  @Test
  void shouldCountAnOrdinaryEvent() {
    assertThat(EventRules.violations(event().build())).isEmpty();
  }

  @Test
  void shouldCountTheCeilingItself() {
    TokensConsumed atCeiling = event().setInputTokens(EventRules.MAX_TOKENS).setOutputTokens(EventRules.MAX_TOKENS)
        .setCostNanos(EventRules.MAX_COST_NANOS).setLatencyMs(EventRules.MAX_LATENCY_MS)
        .setContextWindow(EventRules.MAX_CONTEXT_WINDOW).build();

    assertThat(EventRules.violations(atCeiling)).isEmpty();
  }

  @Test
  void shouldRefuseCountsNoRealCallHasNamingTheFieldAndTheCeiling() {
    // The request that stopped all counting on 2026-12-07: 10^13 input tokens.
    TokensConsumed huge = event().setInputTokens(10_000_000_000_000L).build();

    assertThat(EventRules.violations(huge)).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("inputTokens");
      assertThat(v.message()).contains("1000000000000").contains("10000000000000");
    });
  }

  @Test
  void shouldRefuseAProviderWithASlashThatWouldMakeModelKeysAmbiguous() {
    // openai/gpt-4o + mini and openai + gpt-4o/mini would share model:openai/gpt-4o/mini and one price entry.
    assertThat(EventRules.violations(event().setProvider("openai/gpt-4o").setModel("mini").build()))
        .extracting(EventRules.Violation::field).containsExactly("provider");
    assertThat(EventRules.violations(event().setProvider("openrouter").setModel("openai/gpt-4o").build())).isEmpty();
  }

  @Test
  void shouldRefuseEveryFieldOverItsCeiling() {
    TokensConsumed hostile = event().setInputTokens(Long.MAX_VALUE).setCachedInputTokens(0).setOutputTokens(Long.MAX_VALUE)
        .setReasoningTokens(0).setCostNanos(Long.MAX_VALUE).setLatencyMs(Long.MAX_VALUE).setContextWindow(Long.MAX_VALUE)
        .build();

    assertThat(EventRules.violations(hostile)).extracting(EventRules.Violation::field)
        .containsExactly("inputTokens", "outputTokens", "costNanos", "latencyMs", "contextWindow");
  }

  @Test
  void shouldRefuseSubsetsLargerThanTheirWholeWithoutOverflowing() {
    TokensConsumed subsets = event().setInputTokens(10).setCachedInputTokens(8).setCacheWriteTokens(EventRules.MAX_TOKENS)
        .setSystemTokens(11).setOutputTokens(1).setReasoningTokens(2).build();

    assertThat(EventRules.violations(subsets)).extracting(EventRules.Violation::field)
        .containsExactly("cachedInputTokens", "systemTokens", "reasoningTokens");
  }

  @Test
  void shouldRefuseBlankIdsAndTextLongerThanAnyId() {
    TokensConsumed texts = event().setUserId(" ").setModel("m".repeat(EventRules.MAX_TEXT_LENGTH + 1))
        .setTenantId("t".repeat(10_000)).build();

    assertThat(EventRules.violations(texts)).extracting(EventRules.Violation::field)
        .containsExactly("userId", "tenantId", "model");
  }

  @Test
  void shouldBoundLabels() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i <= EventRules.MAX_LABELS; i++) {
      many.put("k" + i, "v");
    }

    assertThat(EventRules.violations(event().setLabels(many).build())).extracting(EventRules.Violation::field)
        .containsExactly("labels");
    assertThat(EventRules.violations(event().setLabels(Map.of("k", "v".repeat(300))).build()))
        .extracting(EventRules.Violation::field).containsExactly("labels");
  }

  @Test
  void shouldRefuseNegativeCountsAndCosts() {
    TokensConsumed negative = event().setOutputTokens(-5).setReasoningTokens(0).setCostNanos(-1L).build();

    assertThat(EventRules.violations(negative)).extracting(EventRules.Violation::toString)
        .containsExactly("outputTokens must be ≥ 0 (got -5)", "costNanos must be ≥ 0 (got -1)");
  }

  @Test
  void shouldKeepModalitiesAndHourLongCacheWritesWithinTheirWhole() {
    TokensConsumed fits = event().setInputTokens(1200).setInputAudioTokens(900).setInputImageTokens(300)
        .setOutputTokens(300).setOutputAudioTokens(200).setOutputImageTokens(0).setCacheWriteTokens(500)
        .setCachedInputTokens(0).setCacheWrite1hTokens(500).setServiceTier("priority").build();
    TokensConsumed over = event().setInputTokens(1200).setInputAudioTokens(900).setInputImageTokens(301)
        .setOutputTokens(300).setReasoningTokens(0).setOutputImageTokens(EventRules.MAX_TOKENS).setCacheWriteTokens(10)
        .setCacheWrite1hTokens(11).build();

    assertThat(EventRules.violations(fits)).isEmpty();
    assertThat(EventRules.violations(over)).extracting(EventRules.Violation::field)
        .containsExactly("cacheWrite1hTokens", "inputImageTokens", "outputImageTokens");
    assertThat(EventRules.violations(event().setInputTokens(10).setCachedInputTokens(0).setInputAudioTokens(11).build()))
        .extracting(EventRules.Violation::field).containsExactly("inputAudioTokens");
  }

  @Test
  void shouldRefuseServiceTiersThatAreNotANameOfOne() {
    assertThat(EventRules.violations(event().setServiceTier("Priority").build())).extracting(EventRules.Violation::field)
        .containsExactly("serviceTier");
    assertThat(EventRules.violations(event().setServiceTier("x".repeat(33)).build())).isNotEmpty();
    assertThat(EventRules.violations(event().setServiceTier("batch").build())).isEmpty();
  }
}
