package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Model ids as the providers' responses and consoles carry them (the {@code model} field of
 * OpenAI's, Anthropic's and Gemini's responses; Bedrock's model and inference-profile ids and
 * Vertex AI's Claude ids from their model-id tables), resolved against a catalogue of base names.
 */
class ModelResolverTest {

  private static final Set<String> CATALOGUE = Set.of("openai/gpt-4o", "openai/gpt-4o-2024-05-13", "openai/gpt-4o-mini",
      "openai/gpt-4", "openai/o3-mini", "anthropic/claude-sonnet-4-5", "anthropic/claude-3-5-haiku",
      "google/gemini-2.0-flash", "google/gemini-2.5-pro", "xai/grok-4", "mistral/mistral-large-latest");
  private final ModelResolver resolver = new ModelResolver(Map.of("azure/prod-gpt4o", "openai/gpt-4o"));

  @ParameterizedTest
  @CsvSource({
      "openai, gpt-4o-2024-08-06, openai/gpt-4o",
      "openai, gpt-4o-2024-05-13, openai/gpt-4o-2024-05-13", // a snapshot with a price of its own
      "openai, gpt-4o-mini-2024-07-18, openai/gpt-4o-mini",
      "openai, o3-mini-2025-01-31, openai/o3-mini",
      "openai, gpt-4-0613, openai/gpt-4",
      "anthropic, claude-sonnet-4-5-20250929, anthropic/claude-sonnet-4-5",
      "anthropic, claude-3-5-haiku-latest, anthropic/claude-3-5-haiku",
      "bedrock, us.anthropic.claude-sonnet-4-5-20250929-v1:0, anthropic/claude-sonnet-4-5",
      "bedrock, anthropic.claude-3-5-haiku-20241022-v1:0, anthropic/claude-3-5-haiku",
      "bedrock, global.anthropic.claude-sonnet-4-5-20250929-v1:0, anthropic/claude-sonnet-4-5",
      "vertex_ai, claude-sonnet-4-5@20250929, anthropic/claude-sonnet-4-5",
      "openrouter, openai/gpt-4o-2024-08-06, openai/gpt-4o",
      "azure, gpt-4o-2024-08-06, openai/gpt-4o",
      "anthropic, claude-sonnet-4-5@20250929, anthropic/claude-sonnet-4-5",
      "google, models/gemini-2.0-flash-001, google/gemini-2.0-flash",
      "google, gemini-2.5-pro, google/gemini-2.5-pro",
      "xai, grok-4-0709, xai/grok-4",
      "mistral, mistral-large-latest, mistral/mistral-large-latest",
      "azure, prod-gpt4o, openai/gpt-4o",
      "openai, GPT-4o-2024-08-06, openai/gpt-4o",
  })
  void shouldPriceAModelIdAsItsCatalogueEntry(String provider, String model, String expected) {
    assertThat(resolver.resolve(provider, model, CATALOGUE::contains).map(ModelResolver.Resolution::key))
        .isEqualTo(java.util.Optional.ofNullable(expected));
  }

  @Test
  void shouldSayWhichRuleFoundTheEntry() {
    assertThat(resolver.resolve("openai", "gpt-4o", CATALOGUE::contains).orElseThrow().rule()).isEqualTo("exact");
    assertThat(resolver.resolve("azure", "prod-gpt4o", CATALOGUE::contains).orElseThrow().rule()).isEqualTo("alias");
    assertThat(resolver.resolve("openai", "gpt-4o-2024-08-06", CATALOGUE::contains).orElseThrow().rule())
        .isEqualTo("provider-id");
    assertThat(resolver.resolve("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", CATALOGUE::contains)
        .orElseThrow().rule()).isEqualTo("vendor");
  }

  @Test
  void shouldTryABoundedNumberOfKeysForAHostileId() {
    // 256 characters of date-like groups: each suffix round strips one; a few rounds, then it stops.
    String hostile = "m" + "-0000".repeat(51);
    assertThat(ModelResolver.candidates("openai", hostile)).hasSizeLessThanOrEqualTo(10);
    assertThat(ModelResolver.candidates("xai", "grok-4-0709")).contains("xai/grok-4");
  }

  @Test
  void shouldLeaveAModelOfNoKnownFamilyUnpriced() {
    assertThat(resolver.resolve("openai", "gpt-99-2030-01-01", CATALOGUE::contains)).isEmpty();
    assertThat(resolver.resolve("acme", "llama-9-70b", CATALOGUE::contains)).isEmpty();
  }

  @Test
  void shouldReadAliasesFromASetting() {
    ModelResolver fromSetting = ModelResolver.withAliases(" Azure/Prod-GPT4o = openai/gpt-4o , azure/mini=openai/gpt-4o-mini");

    assertThat(fromSetting.resolve("azure", "prod-gpt4o", CATALOGUE::contains).orElseThrow().key()).isEqualTo("openai/gpt-4o");
    assertThat(ModelResolver.withAliases("").resolve("azure", "prod-gpt4o", CATALOGUE::contains)).isEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelResolver.withAliases("prod-gpt4o=openai/gpt-4o"))
        .hasMessageContaining("provider/model=provider/model (got prod-gpt4o=openai/gpt-4o)");
  }
}
