package dev.tokenledger.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The provider usage objects under {@code src/test/resources/fixtures/}, each with what the
 * provider bills, in TokenLedger's meanings.
 */
final class ProviderFixtures {

  /**
   * One fixture: sent as {@code field} ("usage" or "attributes") with {@code provider} and
   * {@code model} (null: taken from the attributes), and the normalized counts it must give.
   */
  record Fixture(String file, String field, String provider, String model, String expectedProvider,
      String expectedModel, long input, long output, long cachedInput, long cacheWrite, long reasoning) {

    String json() {
      try (InputStream in = ProviderFixtures.class.getResourceAsStream("/fixtures/" + file)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The event body for {@code user}. */
    String event(String user) {
      String names = (provider == null ? "" : "\"provider\":\"" + provider + "\",")
          + (model == null ? "" : "\"model\":\"" + model + "\",");
      return "{\"occurredAt\":\"2026-11-22T09:59:00Z\",\"userId\":\"" + user + "\"," + names + "\"" + field + "\":"
          + json() + "}";
    }

    @Override
    public String toString() {
      return file;
    }
  }

  static final List<Fixture> ALL = List.of(
      // prompt_tokens include the 1920 cached
      new Fixture("openai-chat-completions.json", "usage", "openai", "gpt-4o", "openai", "gpt-4o",
          2006, 300, 1920, 0, 0),
      // completion_tokens include the 1024 reasoning
      new Fixture("openai-chat-completions-reasoning.json", "usage", "openai", "o3-mini", "openai", "o3-mini",
          75, 1186, 0, 0, 1024),
      new Fixture("openai-responses.json", "usage", "openai", "gpt-5", "openai", "gpt-5",
          2006, 1186, 1920, 0, 1024),
      // input_tokens exclude cache: 50 + 1800 read + 248 written
      new Fixture("anthropic-messages.json", "usage", "anthropic", "claude-sonnet-4-20250514", "anthropic",
          "claude-sonnet-4-20250514", 2098, 503, 1800, 248, 0),
      // thoughts are billed as output, outside candidatesTokenCount: 310 + 844
      new Fixture("gemini-usage-metadata.json", "usage", "google", "gemini-2.5-flash", "google", "gemini-2.5-flash",
          1205, 1154, 1024, 0, 844),
      // The same response as the Python SDK (google-genai) serializes it: response.model_dump(mode="json")'s
      // usage_metadata, snake_case, absent counts as null (field names of types.GenerateContentResponseUsageMetadata).
      new Fixture("gemini-usage-metadata-python-sdk.json", "usage", "google", "gemini-2.5-flash", "google",
          "gemini-2.5-flash", 1205, 1154, 1024, 0, 844),
      // A Live API (BidiGenerateContent) server message's usageMetadata: responseTokenCount for the model's
      // turn, as the Live API reference's UsageMetadata names it; audio in and out.
      new Fixture("gemini-live-usage-metadata.json", "usage", "google", "gemini-live-2.5-flash-preview", "google",
          "gemini-live-2.5-flash-preview", 543, 128, 0, 0, 0),
      // xAI counts reasoning outside completion_tokens (total = 10120 + 1499 + 2809)
      new Fixture("xai-chat-completions.json", "usage", "xai", "grok-4", "xai", "grok-4",
          10120, 4308, 128, 0, 2809),
      // inputTokens exclude cache: 12 + 1600 read
      new Fixture("bedrock-converse.json", "usage", "bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0", "bedrock",
          "anthropic.claude-3-7-sonnet-20250219-v1:0", 1612, 265, 1600, 0, 0),
      new Fixture("otel-genai-attributes.json", "attributes", null, null, "openai", "gpt-4o-2024-08-06",
          2006, 300, 1920, 0, 0),
      new Fixture("otel-genai-attributes-legacy-system.json", "attributes", null, null, "anthropic",
          "claude-sonnet-4-20250514", 2098, 503, 1800, 248, 0));

  private ProviderFixtures() {}
}
