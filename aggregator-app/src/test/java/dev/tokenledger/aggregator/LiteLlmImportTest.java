package dev.tokenledger.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.ServiceTierPrice;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against entries copied verbatim from LiteLLM's model_prices_and_context_window.json at commit
 * 00035b69f416be24e2e323c13198d9b7d2d1bdf9 of github.com/BerriAI/litellm.
 */
class LiteLlmImportTest {

  private static final Instant FROM = Instant.parse("2026-12-08T00:00:00Z");
  private static final JsonNode FILE = LiteLlmImport.read(LiteLlmImportTest.class.getResourceAsStream(
      "/pricing/litellm-excerpt-00035b69.json"));

  private static Map<String, LiteLlmImport.Entry> entries(List<LiteLlmImport.Skipped> skipped) {
    return LiteLlmImport.entries(FILE, Set.of(), FROM, "LiteLLM 00035b69", skipped).stream()
        .collect(Collectors.toMap(LiteLlmImport.Entry::key, e -> e));
  }

  private static TokensConsumed.Builder event(long input, long output) {
    return TokensConsumed.newBuilder().setEventId("e").setOccurredAt(FROM).setUserId("u").setService("s")
        .setProvider("p").setModel("m").setInputTokens(input).setOutputTokens(output);
  }

  @Test
  void shouldReadEveryPriceExactlyIntoNanosPerMillionTokens() {
    Map<String, LiteLlmImport.Entry> entries = entries(new ArrayList<>());

    PriceVersion sonnet = entries.get("anthropic/claude-sonnet-4-5").version();
    assertThat(PriceJson.prices(sonnet)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "inputPerMillionUsd", "3.000000000", "outputPerMillionUsd", "15.000000000",
        "cachedInputPerMillionUsd", "0.300000000", "cacheWritePerMillionUsd", "3.750000000",
        "cacheWrite1hPerMillionUsd", "6.000000000",
        "promptTiers[>200000].inputPerMillionUsd", "6.000000000",
        "promptTiers[>200000].outputPerMillionUsd", "22.500000000",
        "promptTiers[>200000].cachedInputPerMillionUsd", "0.600000000",
        "promptTiers[>200000].cacheWritePerMillionUsd", "7.500000000",
        "promptTiers[>200000].cacheWrite1hPerMillionUsd", "12.000000000"));
    assertThat(sonnet.getEffectiveFrom()).isEqualTo(FROM);
    assertThat(sonnet.getSource()).isEqualTo("LiteLLM 00035b69 (claude-sonnet-4-5)");
    // An imported price prices like any other: 200 001 × $6 + 1 000 × $22.50, per million.
    assertThat(Pricing.cost(event(200_001, 1_000).build(), sonnet)).isEqualTo(Pricing.Cost.ofNanos(1_222_506_000L));

    assertThat(PriceJson.prices(entries.get("openai/gpt-4o-realtime-preview").version())).containsAllEntriesOf(Map.of(
        "inputAudioPerMillionUsd", "40.000000000", "outputAudioPerMillionUsd", "80.000000000"));
    assertThat(PriceJson.prices(entries.get("openai/gpt-image-1.5").version())).containsAllEntriesOf(Map.of(
        "inputImagePerMillionUsd", "8.000000000", "outputImagePerMillionUsd", "32.000000000"));
    // 2.1875e-06-style prices are exact; 6.25e-08 is 0.0625 USD per million
    assertThat(PriceJson.prices(entries.get("openai/gpt-5").version()))
        .containsEntry("cachedInputPerMillionUsd", "0.125000000");
  }

  @Test
  void shouldMakeATierAMultiplierWhenEachOfItsPricesIsTheSameRatioOfTheStandardOne() {
    Map<String, LiteLlmImport.Entry> entries = entries(new ArrayList<>());

    assertThat(PriceJson.prices(entries.get("openai/gpt-5.6-luna").version())).containsAllEntriesOf(Map.of(
        "serviceTiers.batch.multiplier", "0.5", "serviceTiers.flex.multiplier", "0.5",
        "serviceTiers.priority.multiplier", "2", "promptTiers[>272000].inputPerMillionUsd", "2.000000000"));
    // Priority on GPT-4o mini is 5/3 of the standard price: no exact multiplier, so prices of its own.
    assertThat(PriceJson.prices(entries.get("openai/gpt-4o-mini").version())).containsAllEntriesOf(Map.of(
        "serviceTiers.batch.multiplier", "0.5", "serviceTiers.priority.inputPerMillionUsd", "0.250000000",
        "serviceTiers.priority.outputPerMillionUsd", "1.000000000",
        "serviceTiers.priority.cachedInputPerMillionUsd", "0.125000000"));
    // Gemini 3.1 Pro's priority tier is 1.8× (its long-context priority prices are that too: 7.2e-06 = 4e-06 × 1.8).
    LiteLlmImport.Entry gemini = entries.get("google/gemini-3.1-pro-preview");
    assertThat(PriceJson.prices(gemini.version())).containsEntry("serviceTiers.priority.multiplier", "1.8");
    assertThat(gemini.ignoredKeys()).contains("input_cost_per_token_above_200k_tokens_priority",
        "search_context_cost_per_query");
    TokensConsumed longPriority = event(300_000, 0).setServiceTier("priority").build();
    assertThat(Pricing.cost(longPriority, gemini.version())).isEqualTo(Pricing.Cost.ofNanos(2_160_000_000L));
  }

  @Test
  void shouldMapProvidersModelsAndContextWindows() {
    Map<String, LiteLlmImport.Entry> entries = entries(new ArrayList<>());

    assertThat(entries).containsKeys("google/gemini-3.1-pro-preview", "xai/grok-4-1-fast", "mistral/mistral-large-latest",
        "mistral/mistral-embed", "vertex_ai/text-embedding-004", "openai/gpt-4o-mini-tts");
    assertThat(entries.get("xai/grok-4-1-fast").contextWindow()).isEqualTo(2_000_000L);
    assertThat(entries.get("mistral/mistral-embed").version().getOutputPerMillionNanos()).isZero();
    assertThat(entries.get("openai/gpt-4o-mini-tts").ignoredKeys()).containsExactly("output_cost_per_second");
    assertThat(entries.get("vertex_ai/text-embedding-004").ignoredKeys()).containsExactly("input_cost_per_character");
  }

  @Test
  void shouldSkipWhatIsNotPricedPerToken() {
    List<LiteLlmImport.Skipped> skipped = new ArrayList<>();
    entries(skipped);

    assertThat(skipped).containsExactly(
        new LiteLlmImport.Skipped("1024-x-1024/dall-e-2", "is priced per second, character, image, pixel or request"
            + " (input_cost_per_pixel, output_cost_per_pixel), not per token: TokenLedger prices the tokens of a call"),
        new LiteLlmImport.Skipped("standard/1024-x-1024/dall-e-3", "is priced per second, character, image, pixel or request"
            + " (input_cost_per_pixel, output_cost_per_pixel), not per token: TokenLedger prices the tokens of a call"));
  }

  @Test
  void shouldSkipAPriceFinerThanANanoPerMillionTokensRatherThanRoundIt() {
    JsonNode file = LiteLlmImport.read(new ByteArrayInputStream("""
        {"acme/fine": {"litellm_provider": "acme", "input_cost_per_token": 1.0000000000000001e-06,
                       "output_cost_per_token": 2e-06}}""".getBytes(StandardCharsets.UTF_8)));
    List<LiteLlmImport.Skipped> skipped = new ArrayList<>();

    assertThat(LiteLlmImport.entries(file, Set.of(), FROM, "test", skipped)).isEmpty();
    assertThat(skipped).containsExactly(new LiteLlmImport.Skipped("acme/fine",
        "has input_cost_per_token 0.0000010000000000000001 USD, not a whole nano-USD per million tokens"));
  }

  @Test
  void shouldNotBeMisledByAHostileFile() {
    // A supply-chain view of the importer: numbers no real price file has, each refused or bounded.
    JsonNode file = LiteLlmImport.read(new ByteArrayInputStream("""
        {"acme/huge-batch": {"litellm_provider": "acme", "input_cost_per_token": 1e-15, "output_cost_per_token": 1e-15,
                             "input_cost_per_token_batches": 0.01, "output_cost_per_token_batches": 0.01},
         "acme/wrapped-tier": {"litellm_provider": "acme", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                               "input_cost_per_token_above_9223372036854776k_tokens": 2e-06},
         "acme/wrapped-window": {"litellm_provider": "acme", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                                 "max_input_tokens": 18446744073709551617}}""".getBytes(StandardCharsets.UTF_8)));
    List<LiteLlmImport.Skipped> skipped = new ArrayList<>();

    Map<String, LiteLlmImport.Entry> entries = LiteLlmImport.entries(file, Set.of(), FROM, "test", skipped).stream()
        .collect(Collectors.toMap(LiteLlmImport.Entry::key, e -> e));

    // 10^13 times the standard price is no multiplier (at most 1000): the tier keeps its own prices.
    ServiceTierPrice batch = entries.get("acme/huge-batch").version().getServiceTiers().get("batch");
    assertThat(batch.getMultiplierPpm()).isNull();
    assertThat(batch.getRates().getInputPerMillionNanos()).isEqualTo(10_000_000_000_000L);
    assertThat(skipped).containsExactly(new LiteLlmImport.Skipped("acme/wrapped-tier",
        "has input_cost_per_token_above_9223372036854776k_tokens: a tier above more tokens than any prompt (1000000000000)"));
    assertThat(entries.get("acme/wrapped-window").contextWindow()).isNull();
    assertThat(entries.get("acme/wrapped-window").ignoredKeys()).contains("max_input_tokens");
  }

  @Test
  void shouldPreviewAddedChangedAndRemovedModelsAgainstTheCatalogue() throws Exception {
    List<ModelPrice> catalogue = List.of(
        price("openai", "gpt-4o-mini", """
            {"inputPerMillionUsd": "0.15", "outputPerMillionUsd": "0.60", "cachedInputPerMillionUsd": "0.075",
             "contextWindow": 128000}"""),
        price("openai", "gpt-4.1", """
            {"inputPerMillionUsd": "2", "outputPerMillionUsd": "8"}"""),
        price("google", "gemini-2.5-pro", """
            {"inputPerMillionUsd": "1.25", "outputPerMillionUsd": "10"}"""));
    List<LiteLlmImport.Skipped> skipped = new ArrayList<>();
    List<LiteLlmImport.Entry> entries = LiteLlmImport.entries(FILE, Set.of("openai", "anthropic"), FROM, "LiteLLM", skipped);

    LiteLlmImport.Preview preview = LiteLlmImport.preview(entries, catalogue, skipped);

    assertThat(preview.added()).extracting(LiteLlmImport.Entry::key).containsExactlyInAnyOrder(
        "openai/gpt-4o-mini-tts", "openai/gpt-4o-realtime-preview", "openai/gpt-image-1.5", "openai/gpt-5",
        "openai/gpt-5.6-luna", "anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5");
    assertThat(preview.changed()).singleElement().satisfies(changed -> {
      assertThat(changed.entry().key()).isEqualTo("openai/gpt-4o-mini");
      assertThat(changed.changes()).containsExactly(
          new LiteLlmImport.Change("serviceTiers.batch.multiplier", null, "0.5"),
          new LiteLlmImport.Change("serviceTiers.priority.cachedInputPerMillionUsd", null, "0.125000000"),
          new LiteLlmImport.Change("serviceTiers.priority.inputPerMillionUsd", null, "0.250000000"),
          new LiteLlmImport.Change("serviceTiers.priority.outputPerMillionUsd", null, "1.000000000"));
    });
    // Only the providers the import covers, and never deleted: the catalogue keeps them.
    assertThat(preview.removed()).containsExactly("openai/gpt-4.1");
    assertThat(preview.skipped()).extracting(LiteLlmImport.Skipped::entry)
        .containsExactly("1024-x-1024/dall-e-2", "standard/1024-x-1024/dall-e-3");
  }

  @Test
  void shouldFindTheShippedCatalogueAsTheFileHasIt() {
    List<LiteLlmImport.Skipped> skipped = new ArrayList<>();
    List<LiteLlmImport.Entry> entries = LiteLlmImport.entries(FILE, Set.of(), Instant.now(), "LiteLLM", skipped);

    LiteLlmImport.Preview preview = LiteLlmImport.preview(entries, PriceJson.defaultCatalog(), skipped);

    // The shipped entries taken from this commit import as they are.
    assertThat(preview.changed()).extracting(c -> c.entry().key() + " " + c.changes()).isEmpty();
    assertThat(preview.unchanged()).isEqualTo(9);
    assertThat(preview.added()).extracting(LiteLlmImport.Entry::key).containsExactlyInAnyOrder("openai/gpt-4o-mini-tts",
        "openai/gpt-5.6-luna", "mistral/mistral-embed", "vertex_ai/text-embedding-004");
  }

  private static ModelPrice price(String provider, String model, String json) throws Exception {
    return PriceJson.withVersion(null, provider, model, new ObjectMapper().readTree(json), Instant.EPOCH);
  }
}
