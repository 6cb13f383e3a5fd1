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
      String expectedModel, long input, long output, long cachedInput, long cacheWrite, long reasoning,
      Parts parts, List<String> alsoBilledModels) {

    Fixture(String file, String field, String provider, String model, String expectedProvider, String expectedModel,
        long input, long output, long cachedInput, long cacheWrite, long reasoning) {
      this(file, field, provider, model, expectedProvider, expectedModel, input, output, cachedInput, cacheWrite,
          reasoning, Parts.NONE, List.of());
    }

    /** This fixture, expected to give these parts too. */
    Fixture with(Parts expected) {
      return new Fixture(file, field, provider, model, expectedProvider, expectedModel, input, output, cachedInput,
          cacheWrite, reasoning, expected, alsoBilledModels);
    }

    /** This fixture, expected to bill sub-inferences of these other models as events of their own. */
    Fixture alsoBilling(String... models) {
      return new Fixture(file, field, provider, model, expectedProvider, expectedModel, input, output, cachedInput,
          cacheWrite, reasoning, parts, List.of(models));
    }

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

  /** The parts of the counts a fixture must give beyond the five main ones; tier null: none named. */
  record Parts(long cacheWrite1h, long inputAudio, long inputImage, long outputAudio, long outputImage,
      String serviceTier) {
    static final Parts NONE = new Parts(0, 0, 0, 0, 0, null);
  }

  /**
   * Every fixture is a real usage object: a recorded API response (pydantic-ai's VCR cassettes of
   * real provider traffic), an SDK's test fixture, or a provider's documentation example; where
   * each comes from, and what its provider documents about it, is in {@code fixtures/SOURCES.md}.
   */
  static final List<Fixture> ALL = List.of(
      // OpenAI's prompt-caching guide: prompt_tokens include the 1920 cached
      new Fixture("openai-chat-completions.json", "usage", "openai", "gpt-4o", "openai", "gpt-4o",
          2006, 300, 1920, 0, 0),
      // recorded: 44 of the 64 prompt tokens are audio
      new Fixture("openai-chat-audio.json", "usage", "openai", "gpt-4o-audio-preview-2024-12-17", "openai",
          "gpt-4o-audio-preview-2024-12-17", 64, 9, 0, 0, 0).with(new Parts(0, 44, 0, 0, 0, null)),
      // recorded: cache writes counted within prompt_tokens
      new Fixture("openai-chat-cache-write-tokens.json", "usage", "openai", "gpt-5.6-sol", "openai", "gpt-5.6-sol",
          4020, 4, 0, 4012, 0),
      // OpenAI's reasoning guide: output_tokens include the 1024 reasoning
      new Fixture("openai-responses.json", "usage", "openai", "o4-mini", "openai", "o4-mini", 75, 1186, 0, 0, 1024),
      // recorded (openai-python's test of a real response)
      new Fixture("openai-responses-mini.json", "usage", "openai", "gpt-4o-mini-2024-07-18", "openai",
          "gpt-4o-mini-2024-07-18", 14, 50, 0, 0, 0),
      new Fixture("openai-responses-cache-write-tokens.json", "usage", "openai", "gpt-5.6-sol", "openai", "gpt-5.6-sol",
          4020, 5, 0, 4012, 0),
      // the Realtime API's response.done: input_token_details (64 cached; 13 audio), output 91 audio
      new Fixture("openai-realtime-response-done.json", "usage", "openai", "gpt-realtime", "openai", "gpt-realtime",
          132, 121, 64, 0, 0).with(new Parts(0, 13, 0, 91, 0, null)),
      // a transcription's usage: the 14 input tokens are audio
      new Fixture("openai-transcription-usage.json", "usage", "openai", "gpt-4o-transcribe", "openai",
          "gpt-4o-transcribe", 14, 45, 0, 0, 0).with(new Parts(0, 14, 0, 0, 0, null)),
      // recorded, with OpenRouter's cost fields beside the counts
      new Fixture("openrouter-responses-cache-write-tokens.json", "usage", "openrouter", "openai/gpt-5.6-sol",
          "openrouter", "openai/gpt-5.6-sol", 4020, 5, 0, 4012, 0),
      new Fixture("azure-openai-chat.json", "usage", "azure", "gpt-4o-2024-11-20", "azure", "gpt-4o-2024-11-20",
          14, 9, 0, 0, 0),
      // Anthropic's prompt-caching docs ("1-hour cache duration"): input_tokens exclude the cache,
      // 2048 + 1800 read + 248 written, 100 of them for an hour
      new Fixture("anthropic-messages.json", "usage", "anthropic", "claude-sonnet-4-5", "anthropic",
          "claude-sonnet-4-5", 4096, 503, 1800, 248, 0).with(new Parts(100, 0, 0, 0, 0, null)),
      // recorded: thinking_tokens within output_tokens
      new Fixture("anthropic-output-tokens-details.json", "usage", "anthropic", "claude-opus-5", "anthropic",
          "claude-opus-5", 13, 44, 0, 0, 33).with(new Parts(0, 0, 0, 0, 0, "standard")),
      // recorded: the compaction iteration (55196 + 125) is billed beside the message (220 + 8)
      new Fixture("anthropic-iterations-compaction.json", "usage", "anthropic", "claude-sonnet-4-6", "anthropic",
          "claude-sonnet-4-6", 55_416, 133, 0, 0, 0).with(new Parts(0, 0, 0, 0, 0, "standard")),
      // recorded: the two message iterations; the advisor's (claude-opus-4-8) is an event of its own
      new Fixture("anthropic-iterations-advisor.json", "usage", "anthropic", "claude-sonnet-5", "anthropic",
          "claude-sonnet-5", 2390, 121, 0, 0, 28).with(new Parts(0, 0, 0, 0, 0, "standard"))
          .alsoBilling("claude-opus-4-8"),
      // recorded stream: the last message_delta's cumulative usage
      new Fixture("anthropic-message-delta.json", "usage", "anthropic", "claude-sonnet-5", "anthropic",
          "claude-sonnet-5", 2411, 145, 0, 0, 47).alsoBilling("claude-opus-4-8"),
      // recorded: thoughts are billed as output, outside candidatesTokenCount: 68 + 821; 1917 audio tokens
      new Fixture("gemini-video-cached-thoughts.json", "usage", "google", "gemini-2.5-flash", "google",
          "gemini-2.5-flash", 17_713, 889, 17_379, 0, 821).with(new Parts(0, 1917, 0, 0, 0, "standard")),
      // recorded on Vertex AI: trafficType ON_DEMAND is the standard tier
      new Fixture("vertex-gemini-audio-input.json", "usage", "google", "gemini-2.0-flash", "google",
          "gemini-2.0-flash", 159, 19, 0, 0, 0).with(new Parts(0, 150, 0, 0, 0, "standard")),
      // recorded: image output (the modality list need not add up to the count)
      new Fixture("gemini-image-output.json", "usage", "google", "gemini-2.5-flash-image", "google",
          "gemini-2.5-flash-image", 17, 1336, 0, 0, 0).with(new Parts(0, 0, 0, 0, 1290, null)),
      // python-genai's test response, as the Python SDK serializes it: snake_case, usage_metadata
      new Fixture("gemini-python-sdk-usage-metadata.json", "usage", "google", "gemini-2.5-flash-preview-05-20",
          "google", "gemini-2.5-flash-preview-05-20", 7, 1946, 0, 0, 860),
      // xAI's prompt-caching docs
      new Fixture("xai-chat-completions.json", "usage", "xai", "grok-4", "xai", "grok-4", 125, 48, 98, 0, 0),
      // a real grok-4-fast usage: reasoning outside completion_tokens (total = 2640 + 182 + 672)
      new Fixture("xai-chat-reasoning-outside-completion.json", "usage", "xai", "grok-4-fast", "xai", "grok-4-fast",
          2640, 854, 473, 0, 672),
      // vercel/ai's case of a model reporting cached tokens outside prompt_tokens (total = 4142 + 254 + 4328)
      new Fixture("xai-cached-outside-prompt.json", "usage", "xai", "grok-4-1-fast-non-reasoning", "xai",
          "grok-4-1-fast-non-reasoning", 8470, 254, 4328, 0, 0),
      // recorded through xAI's gRPC SDK
      new Fixture("xai-grpc-sdk-usage.json", "usage", "xai", "grok-4-1-fast", "xai", "grok-4-1-fast",
          181, 27, 162, 0, 0),
      // recorded: prompt = 512 cache hits + 51 misses
      new Fixture("deepseek-cache-hit-miss.json", "usage", "deepseek", "deepseek-v4-flash", "deepseek",
          "deepseek-v4-flash", 563, 116, 512, 0, 60),
      // Kimi's API reference: cached_tokens at the top of usage
      new Fixture("moonshot-cached-tokens.json", "usage", "moonshot", "kimi-k2-turbo-preview", "moonshot",
          "kimi-k2-turbo-preview", 19, 13, 12, 0, 0),
      new Fixture("mistral-cached.json", "usage", "mistral", "mistral-large-latest", "mistral", "mistral-large-latest",
          268, 5, 224, 0, 0),
      // recorded, with Groq's timings beside the counts
      new Fixture("groq-reasoning.json", "usage", "groq", "openai/gpt-oss-120b", "groq", "openai/gpt-oss-120b",
          336, 96, 256, 0, 59),
      // recorded: billed_units, not tokens (which include Cohere's prompt template)
      new Fixture("cohere-v2-billed-units.json", "usage", "cohere", "command-r7b-12-2024", "cohere",
          "command-r7b-12-2024", 2406, 2, 0, 0, 0),
      // recorded: inputTokens exclude the cache: 2326 + 1505 written
      new Fixture("bedrock-converse-nova-pro-cache-write.json", "usage", "bedrock", "us.amazon.nova-pro-v1:0",
          "bedrock", "us.amazon.nova-pro-v1:0", 3831, 37, 0, 1505, 0),
      new Fixture("bedrock-converse-claude-cache-write.json", "usage", "bedrock",
          "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
          1715, 227, 0, 1712, 0),
      new Fixture("bedrock-converse-claude-cache-read.json", "usage", "bedrock",
          "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
          1517, 5, 1504, 0, 0),
      // recorded ConverseStream metadata event's usage
      new Fixture("bedrock-converse-stream-metadata.json", "usage", "bedrock", "us.amazon.nova-micro-v1:0", "bedrock",
          "us.amazon.nova-micro-v1:0", 13, 82, 0, 0, 0),
      // the semantic conventions' example span (v1.41.1): the response model wins
      new Fixture("otel-genai-attributes.json", "attributes", null, null, "openai", "gpt-4-0613", 52, 47, 0, 0, 0));

  private ProviderFixtures() {}
}
