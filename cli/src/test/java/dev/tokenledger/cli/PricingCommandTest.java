package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pricing set} with tiers and {@code pricing import}: what is sent, and the preview printed. */
class PricingCommandTest {

  /** The aggregator's answer to a dry run of part of LiteLLM's file (as AggregatorOpenApiTest gets it). */
  private static final String PREVIEW = """
      {"dryRun":true,"effectiveFrom":"2026-12-08T00:00:00Z",
       "added":[{"provider":"openai","model":"gpt-4o-realtime-preview","liteLlmKey":"gpt-4o-realtime-preview",
                 "contextWindow":128000,"prices":{"inputPerMillionUsd":"5.000000000","outputPerMillionUsd":"20.000000000",
                 "inputAudioPerMillionUsd":"40.000000000"},"ignoredKeys":[]}],
       "changed":[{"provider":"openai","model":"gpt-4o-mini","liteLlmKey":"gpt-4o-mini","contextWindow":128000,
                   "changes":[{"price":"outputPerMillionUsd","from":"0.600000000","to":"0.650000000"},
                              {"price":"serviceTiers.batch.multiplier","from":null,"to":"0.5"}],"ignoredKeys":[]}],
       "unchanged":3,"removed":["openai/gpt-3.5-turbo"],
       "skipped":[{"entry":"1024-x-1024/dall-e-2","reason":"is priced per second, character, image, pixel or request (input_cost_per_pixel, output_cost_per_pixel), not per token: TokenLedger prices the tokens of a call"}]}""";

  /** GET /v1/pricing for Claude Sonnet 4.5 as the shipped catalogue has it. */
  private static final String PRICES = """
      {"prices":[{"provider":"anthropic","model":"claude-sonnet-4-5","effectiveFrom":"1970-01-01T00:00:00Z",
        "inputPerMillionUsd":"3.000000000","outputPerMillionUsd":"15.000000000","cachedInputPerMillionUsd":"0.300000000",
        "cacheWritePerMillionUsd":"3.750000000","cacheWrite1hPerMillionUsd":"6.000000000","reasoningPerMillionUsd":null,
        "inputAudioPerMillionUsd":null,"inputImagePerMillionUsd":null,"outputAudioPerMillionUsd":null,
        "outputImagePerMillionUsd":null,"promptTiers":[{"aboveInputTokens":200000,"inputPerMillionUsd":"6.000000000"}],
        "serviceTiers":{"batch":{"multiplier":"0.5"},"priority":{"inputPerMillionUsd":"5.000000000"}},
        "contextWindow":200000,"source":"test"}]}""";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private StandInApi api;

  @BeforeEach
  void startApi() throws IOException {
    api = new StandInApi(target -> new StandInApi.Answer(200, Map.of(),
        target.getPath().equals("/v1/pricing/import") ? PREVIEW : PRICES));
  }

  @AfterEach
  void stopApi() {
    api.close();
  }

  @Test
  void shouldSendTheFileWithItsNumbersAsWrittenAndPrintThePreview(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("model_prices_and_context_window.json");
    Files.writeString(file, """
        {"gpt-4o-mini": {"input_cost_per_token": 1.5e-07, "output_cost_per_token": 6.5e-07,
                         "litellm_provider": "openai"}}""");

    assertThat(api.run(out, err, "pricing", "import", file.toString(), "--dry-run", "--provider", "openai",
        "--effective-from", "2026-12-08")).as(err.toString(StandardCharsets.UTF_8)).isZero();

    assertThat(api.targets()).containsExactly("/v1/pricing/import?dryRun=true&provider=openai&effectiveFrom=2026-12-08");
    // 1.5e-07 stays 1.5E-7, a decimal: never 1.4999999999999999E-7
    assertThat(api.bodies().get(0)).contains("1.5E-7", "6.5E-7");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
        would take effect 2026-12-08T00:00:00Z (dry run: nothing written)
        added: 1
          openai/gpt-4o-realtime-preview  input 5.000000000, output 20.000000000 USD per million
        changed: 1
          openai/gpt-4o-mini
            outputPerMillionUsd: 0.600000000 -> 0.650000000
            serviceTiers.batch.multiplier: (none) -> 0.5
        unchanged: 3
        not in the file (kept): 1
          openai/gpt-3.5-turbo
        skipped: 1
          1024-x-1024/dall-e-2: is priced per second, character, image, pixel or request (input_cost_per_pixel, output_cost_per_pixel), not per token: TokenLedger prices the tokens of a call
        """);
  }

  @Test
  void shouldSendPromptAndServiceTiers() throws Exception {
    assertThat(api.run(out, err, "pricing", "set", "anthropic/claude-sonnet-4-5", "--input", "3", "--output", "15",
        "--cache-write-1h", "6", "--input-audio", "40",
        "--prompt-tiers", "200000: input=6 output=22.50 cache-write-1h=12",
        "--service-tiers", "batch: multiplier=0.5; priority: input=5 output=25"))
        .as(err.toString(StandardCharsets.UTF_8)).isZero();

    assertThat(api.targets()).containsExactly("/v1/pricing/anthropic/claude-sonnet-4-5");
    assertThat(JSON.readTree(api.bodies().get(0))).isEqualTo(JSON.readTree("""
        {"inputPerMillionUsd": "3", "outputPerMillionUsd": "15", "cacheWrite1hPerMillionUsd": "6",
         "inputAudioPerMillionUsd": "40",
         "promptTiers": [{"inputPerMillionUsd": "6", "outputPerMillionUsd": "22.50", "cacheWrite1hPerMillionUsd": "12",
                          "aboveInputTokens": 200000}],
         "serviceTiers": {"batch": {"multiplier": "0.5"}, "priority": {"inputPerMillionUsd": "5", "outputPerMillionUsd": "25"}}}"""));
  }

  @Test
  void shouldRefuseATierPriceItDoesNotKnow() {
    assertThat(api.run(out, err, "pricing", "set", "openai/gpt-5", "--input", "1.25", "--output", "10",
        "--service-tiers", "flex: inptu=0.625")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: --service-tiers: inptu=0.625 is not PRICE=USD");
    assertThat(api.targets()).isEmpty();
  }

  @Test
  void shouldListThePricesTheTableHasNoColumnForInShort() {
    assertThat(api.run(out, err, "pricing", "--provider", "anthropic")).as(err.toString(StandardCharsets.UTF_8)).isZero();

    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
        USD per million tokens
        MODEL                        EFFECTIVE FROM  INPUT  OUTPUT  CACHED INPUT  CACHE WRITE  REASONING  CONTEXT  MORE
        anthropic/claude-sonnet-4-5  always           3.00   15.00          0.30         3.75          -  200,000  cache-write-1h 6.00, above 200,000 tokens: tier prices, batch ×0.5, priority: own prices
        """);
  }
}
