package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.Pricing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void shouldShipListPricesOfEveryMajorProviderWithTheirSources() {
    List<ModelPrice> catalog = PriceJson.defaultCatalog();

    assertThat(catalog).extracting(ModelPrice::getProvider)
        .contains("openai", "anthropic", "google", "xai", "mistral");
    ModelPrice gpt4o = catalog.stream().filter(p -> p.getModel().equals("gpt-4o")).findFirst().orElseThrow();
    PriceVersion version = gpt4o.getVersions().get(0);
    assertThat(version.getEffectiveFrom()).isEqualTo(Instant.EPOCH);
    assertThat(version.getInputPerMillionNanos()).isEqualTo(2_500_000_000L);
    assertThat(version.getOutputPerMillionNanos()).isEqualTo(10_000_000_000L);
    assertThat(version.getSource()).isNotBlank();
    assertThat(catalog).anySatisfy(free -> {
      assertThat(free.getVersions().get(0).getInputPerMillionNanos()).isZero();
      assertThat(free.getVersions().get(0).getOutputPerMillionNanos()).isZero();
    });
    assertThat(catalog).extracting(p -> Pricing.key(p.getProvider(), p.getModel())).doesNotHaveDuplicates();
  }

  @Test
  void shouldAddAVersionFromItsEffectiveDateAndKeepTheOlderOnes() throws Exception {
    ModelPrice current = PriceJson.defaultCatalog().stream().filter(p -> p.getModel().equals("gpt-4o")).findFirst().orElseThrow();

    ModelPrice updated = PriceJson.withVersion(current, "openai", "gpt-4o", JSON.valueToTree(Map.of(
        "effectiveFrom", "2026-12-01T00:00:00Z", "inputPerMillionUsd", "2.00", "outputPerMillionUsd", "8.00",
        "cachedInputPerMillionUsd", "0.50")), NOW);

    assertThat(updated.getVersions()).extracting(v -> v.getEffectiveFrom().toString())
        .containsExactly("1970-01-01T00:00:00Z", "2026-12-01T00:00:00Z");
    assertThat(Pricing.inForceAt(updated, Instant.parse("2026-12-01T00:00:00Z")).orElseThrow().getInputPerMillionNanos())
        .isEqualTo(2_000_000_000L);
    assertThat(updated.getContextWindow()).isEqualTo(current.getContextWindow());
  }

  @Test
  void shouldNameEveryWrongField() {
    assertThatThrownBy(() -> PriceJson.withVersion(null, "openai", "gpt-x", JSON.valueToTree(Map.of(
        "inputPerMillionUsd", "-1", "outputPerMilionUsd", "8")), NOW))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().errors())
            .extracting(error -> error.field() + ": " + error.message())
            .containsExactlyInAnyOrder(
                "outputPerMilionUsd: is not a price field (expected one of [cacheWrite1hPerMillionUsd, cacheWritePerMillionUsd,"
                    + " cachedInputPerMillionUsd, contextWindow, effectiveFrom, inputAudioPerMillionUsd, inputImagePerMillionUsd,"
                    + " inputPerMillionUsd, outputAudioPerMillionUsd, outputImagePerMillionUsd, outputPerMillionUsd, promptTiers,"
                    + " reasoningPerMillionUsd, serviceTiers, source])",
                "inputPerMillionUsd: must be ≥ 0 (got -1)",
                "outputPerMillionUsd: is required: USD per million tokens, like \"2.50\""));
  }

  @Test
  void shouldTakeTiersAndModalityPricesAndShowThemAsTheyWereGiven() throws Exception {
    String body = """
        {"inputPerMillionUsd": "3", "outputPerMillionUsd": "15", "cachedInputPerMillionUsd": "0.30",
         "cacheWritePerMillionUsd": "3.75", "cacheWrite1hPerMillionUsd": "6", "inputAudioPerMillionUsd": 40,
         "promptTiers": [{"aboveInputTokens": 200000, "inputPerMillionUsd": "6", "outputPerMillionUsd": "22.5"}],
         "serviceTiers": {"batch": {"multiplier": "0.5"}, "priority": {"inputPerMillionUsd": "5.5"}}}""";

    ModelPrice price = PriceJson.withVersion(null, "anthropic", "claude-sonnet-4-5", JSON.readTree(body), NOW);
    Map<String, Object> row = PriceJson.render(price).get(0);

    assertThat(row).containsEntry("cacheWrite1hPerMillionUsd", "6.000000000")
        .containsEntry("inputAudioPerMillionUsd", "40.000000000")
        .containsEntry("outputAudioPerMillionUsd", null)
        .containsEntry("promptTiers", List.of(Map.of("aboveInputTokens", 200_000L,
            "inputPerMillionUsd", "6.000000000", "outputPerMillionUsd", "22.500000000")))
        .containsEntry("serviceTiers", Map.of("batch", Map.of("multiplier", "0.5"),
            "priority", Map.of("inputPerMillionUsd", "5.500000000")));
    PriceVersion version = price.getVersions().get(0);
    assertThat(version.getServiceTiers().get("batch").getMultiplierPpm()).isEqualTo(500_000L);
    assertThat(version.getPromptTiers().get(0).getRates().getCachedInputPerMillionNanos()).isNull();
  }

  @Test
  void shouldNameEveryWrongTier() {
    String body = """
        {"inputPerMillionUsd": "0.000000001", "outputPerMillionUsd": "1",
         "promptTiers": [{"inputPerMillionUsd": "6"}, {"aboveInputTokens": 128000},
                         {"aboveInputTokens": 128000, "inputPerMillionUsd": "2", "outputPerMillionUzd": "3"}],
         "serviceTiers": {"standard": {"multiplier": "0.9"}, "batch": {"multiplier": "0.5"},
                          "flex": {"multiplier": "0.1234567"}, "priority": {"multiplier": "2", "inputPerMillionUsd": "5"},
                          "scale": {}}}""";

    assertThatThrownBy(() -> PriceJson.withVersion(null, "acme", "m", JSON.readTree(body), NOW))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().errors())
            .extracting(error -> error.field() + ": " + error.message())
            .containsExactlyInAnyOrder(
                "promptTiers[0].aboveInputTokens: is required: the prompt size in tokens above which the tier applies,"
                    + " a whole number ≥ 0 (got null)",
                "promptTiers[1]: sets no price (expected some of [cacheWrite1hPerMillionUsd, cacheWritePerMillionUsd,"
                    + " cachedInputPerMillionUsd, inputAudioPerMillionUsd, inputImagePerMillionUsd, inputPerMillionUsd,"
                    + " outputAudioPerMillionUsd, outputImagePerMillionUsd, outputPerMillionUsd, reasoningPerMillionUsd])",
                "promptTiers[2].outputPerMillionUzd: is not a price field (expected one of [aboveInputTokens,"
                    + " cacheWrite1hPerMillionUsd, cacheWritePerMillionUsd, cachedInputPerMillionUsd, inputAudioPerMillionUsd,"
                    + " inputImagePerMillionUsd, inputPerMillionUsd, outputAudioPerMillionUsd, outputImagePerMillionUsd,"
                    + " outputPerMillionUsd, reasoningPerMillionUsd])",
                "promptTiers[2].aboveInputTokens: repeats 128000: one tier per threshold",
                "serviceTiers.standard: must be named like batch, flex or priority: 1 to 32 lower-case letters, digits,"
                    + " '_' or '-', and not standard (the version's own prices)",
                "serviceTiers.flex.multiplier: must be a decimal ratio of the standard price with at most 6 decimals,"
                    + " above 0 and at most 1000, like \"0.5\" for half price (got \"0.1234567\")",
                "serviceTiers.priority: has a multiplier and prices: give one or the other",
                "serviceTiers.scale: sets no price (expected some of [cacheWrite1hPerMillionUsd, cacheWritePerMillionUsd,"
                    + " cachedInputPerMillionUsd, inputAudioPerMillionUsd, inputImagePerMillionUsd, inputPerMillionUsd,"
                    + " outputAudioPerMillionUsd, outputImagePerMillionUsd, outputPerMillionUsd, reasoningPerMillionUsd])",
                "serviceTiers: batch: 0.000000001 USD (inputPerMillionNanos) × 0.5 is not a whole nano-USD: a multiplier"
                    + " must price exactly; give the tier its own prices instead"));
  }
}
