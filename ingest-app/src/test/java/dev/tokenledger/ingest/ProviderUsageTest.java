package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static org.assertj.core.api.Assertions.assertThat;

/** Provider-native usage and OpenTelemetry attributes, normalized by the parser. */
class ProviderUsageTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final ObjectMapper JSON = Json.newMapper();
  private final EventParser parser = new EventParser(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5),
      Optional.of(Duration.ofDays(30)), new TokenCounter());

  static Stream<ProviderFixtures.Fixture> fixtures() {
    return ProviderFixtures.ALL.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void shouldNormalizeEachProvidersDocumentedUsage(ProviderFixtures.Fixture fixture) {
    EventParser.Result result = parser.parse(read(fixture.event("alice")), Optional.empty());
    assertThat(result.errors()).isEmpty();
    TokensConsumed event = result.event().orElseThrow();
    assertThat(result.alsoBilled()).extracting(TokensConsumed::getModel)
        .containsExactlyElementsOf(fixture.alsoBilledModels());

    assertThat(event.getProvider()).isEqualTo(fixture.expectedProvider());
    assertThat(event.getModel()).isEqualTo(fixture.expectedModel());
    assertThat(List.of(event.getInputTokens(), event.getOutputTokens(), event.getCachedInputTokens(),
        event.getCacheWriteTokens(), event.getReasoningTokens()))
        .containsExactly(fixture.input(), fixture.output(), fixture.cachedInput(), fixture.cacheWrite(),
            fixture.reasoning());
    assertThat(new ProviderFixtures.Parts(event.getCacheWrite1hTokens(), event.getInputAudioTokens(),
        event.getInputImageTokens(), event.getOutputAudioTokens(), event.getOutputImageTokens(), event.getServiceTier()))
        .isEqualTo(fixture.parts());
    assertThat(event.getTokenSource()).isEqualTo(TokenSource.REPORTED);
    assertThat(event.getTokenizer()).isNull();
  }

  @Test
  void shouldTakeTheServiceTierFromAnthropicsUsageAndRefuseAnEventThatSaysOtherwise() {
    String usage = "{\"input_tokens\":10,\"output_tokens\":5,\"service_tier\":\"batch\"}";
    assertThat(accepted(event("anthropic", usage)).getServiceTier()).isEqualTo("batch");

    String contradicting = "{\"occurredAt\":\"2026-11-22T09:59:00Z\",\"userId\":\"alice\",\"provider\":\"anthropic\","
        + "\"model\":\"claude-sonnet-4-5\",\"serviceTier\":\"priority\",\"usage\":" + usage + "}";
    assertThat(errors(contradicting)).extracting(FieldError::field).containsExactly("serviceTier");
  }

  @Test
  void shouldReadOtelInputThatLeavesOutTheCacheAsAnthropicsUncachedRest() {
    // As instrumentations that copy Anthropic's usage into the attributes do: input_tokens is
    // Anthropic's (the uncached rest), the cache counts beside it.
    TokensConsumed event = accepted("""
        {"occurredAt":"2026-11-22T09:59:00Z","userId":"alice","attributes":{"gen_ai.provider.name":"anthropic",
         "gen_ai.request.model":"claude-sonnet-4-5","gen_ai.usage.input_tokens":50,"gen_ai.usage.output_tokens":503,
         "gen_ai.usage.cache_read.input_tokens":1800,"gen_ai.usage.cache_creation.input_tokens":248}}""");
    TokensConsumed conforming = accepted("""
        {"occurredAt":"2026-11-22T09:59:00Z","userId":"alice","attributes":{"gen_ai.provider.name":"anthropic",
         "gen_ai.request.model":"claude-sonnet-4-5","gen_ai.usage.input_tokens":2098,"gen_ai.usage.output_tokens":503,
         "gen_ai.usage.cache_read.input_tokens":1800,"gen_ai.usage.cache_creation.input_tokens":248}}""");

    assertThat(List.of(event.getInputTokens(), event.getCachedInputTokens(), event.getCacheWriteTokens()))
        .containsExactly(2098L, 1800L, 248L);
    assertThat(conforming.getInputTokens()).isEqualTo(2098);
  }

  @Test
  void shouldKeepOtelAudioAndImageCountsApart() {
    TokensConsumed event = accepted("""
        {"occurredAt":"2026-11-22T09:59:00Z","userId":"alice","attributes":{"gen_ai.provider.name":"openai",
         "gen_ai.request.model":"gpt-4o-realtime-preview","gen_ai.usage.input_tokens":700,
         "gen_ai.usage.audio.input_tokens":600,"gen_ai.usage.text.input_tokens":100,
         "gen_ai.usage.output_tokens":300,"gen_ai.usage.audio.output_tokens":250,"gen_ai.usage.image.output_tokens":0}}""");

    assertThat(List.of(event.getInputAudioTokens(), event.getInputImageTokens(), event.getOutputAudioTokens()))
        .containsExactly(600L, 0L, 250L);
  }

  @Test
  void shouldReadAnthropicInputTokensAsExcludingTheCache() {
    TokensConsumed event = accepted(event("anthropic", """
        {"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":100}"""));

    assertThat(event.getInputTokens()).isEqualTo(110);
    assertThat(event.getCachedInputTokens()).isEqualTo(100);
  }

  @Test
  void shouldTellAnthropicFromResponsesByProviderWhenTheFieldsDoNot() {
    assertThat(accepted(event("anthropic", "{\"input_tokens\":10,\"output_tokens\":5}")).getInputTokens()).isEqualTo(10);
    assertThat(accepted(event("openai", "{\"input_tokens\":10,\"output_tokens\":5}")).getInputTokens()).isEqualTo(10);
    assertThat(errors(event("mistral", "{\"input_tokens\":10,\"output_tokens\":5}")))
        .singleElement().satisfies(e -> {
          assertThat(e.field()).isEqualTo("usage");
          assertThat(e.message()).startsWith("has input_tokens/output_tokens, which Anthropic");
        });
  }

  @Test
  void shouldCountXaiReasoningAsOutputWithoutATotal() {
    TokensConsumed event = accepted(event("xai", """
        {"prompt_tokens":10,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":30}}"""));

    assertThat(event.getOutputTokens()).isEqualTo(32);
    assertThat(event.getReasoningTokens()).isEqualTo(30);
  }

  @Test
  void shouldAcceptGeminiUsageMetadataWithoutTheWrapperAndWithZeroCountsLeftOut() {
    TokensConsumed event = accepted(event("google", "{\"promptTokenCount\":7,\"totalTokenCount\":7}"));

    assertThat(List.of(event.getInputTokens(), event.getOutputTokens())).containsExactly(7L, 0L);
  }

  @Test
  void shouldRejectAnUnknownShapeNamingItsFields() {
    assertThat(errors(event("openai", "{\"tokens_in\":10,\"tokens_out\":5}"))).singleElement().satisfies(e -> {
      assertThat(e.field()).isEqualTo("usage");
      assertThat(e.message()).startsWith("is not a usage shape TokenLedger reads (got fields [tokens_in, tokens_out]);");
    });
  }

  @Test
  void shouldRejectMixedShapes() {
    assertThat(errors(event("openai", "{\"prompt_tokens\":10,\"completion_tokens\":5,\"cache_read_input_tokens\":3}")))
        .singleElement().satisfies(e -> {
          assertThat(e.field()).isEqualTo("usage");
          assertThat(e.message()).startsWith("mixes the fields of OpenAI Chat Completions");
        });
  }

  @Test
  void shouldRejectContradictoryTotals() {
    assertThat(errors(event("openai", "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":99}")))
        .singleElement().satisfies(e -> {
          assertThat(e.field()).isEqualTo("usage.total_tokens");
          assertThat(e.message()).startsWith("must be prompt_tokens + completion_tokens (15)");
        });
    assertThat(errors(event("google", "{\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":5,"
        + "\"thoughtsTokenCount\":4,\"totalTokenCount\":15}}")))
        .containsExactly(new FieldError("usage.usageMetadata.totalTokenCount", "must equal promptTokenCount + "
            + "toolUsePromptTokenCount + candidatesTokenCount + thoughtsTokenCount (19, got 15); the counts"
            + " contradict each other, send the usage object unchanged"));
    assertThat(errors(event("bedrock", "{\"inputTokens\":10,\"outputTokens\":5,\"cacheReadInputTokens\":100,"
        + "\"totalTokens\":15}")))
        .extracting(FieldError::field).containsExactly("usage.totalTokens");
  }

  @Test
  void shouldRejectACachedCountLargerThanThePrompt() {
    assertThat(errors(event("openai", """
        {"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":11}}""")))
        .containsExactly(new FieldError("usage.prompt_tokens_details.cached_tokens",
            "must be ≤ prompt_tokens (got 11 > 10): OpenAI's prompt_tokens include cached tokens"));
  }

  @Test
  void shouldRejectNegativeWrongTypedAndOverflowingCounts() {
    assertThat(errors(event("anthropic", "{\"input_tokens\":-1,\"output_tokens\":\"5\"}")))
        .containsExactly(new FieldError("usage.input_tokens", "must be ≥ 0 (got -1)"),
            new FieldError("usage.output_tokens", "must be a whole number (got \"5\")"));
    assertThat(errors(event("anthropic", "{\"input_tokens\":9223372036854775807,\"output_tokens\":1,"
        + "\"cache_read_input_tokens\":1}")))
        .containsExactly(new FieldError("usage.input_tokens",
            "must be at most 1000000000000 (10^12: no real call has more tokens) (got 9223372036854775807)"));
    assertThat(errors(event("openai", "{\"prompt_tokens\":1e30,\"completion_tokens\":1}")))
        .extracting(FieldError::field).containsExactly("usage.prompt_tokens");
  }

  @Test
  void shouldRejectAMissingRequiredCount() {
    assertThat(errors(event("openai", "{\"completion_tokens\":5,\"total_tokens\":5}")))
        .containsExactly(new FieldError("usage.prompt_tokens",
            "is required in this usage shape; send the usage object as the provider returned it"));
  }

  @Test
  void shouldRejectUsageThatIsNotAnObject() {
    assertThat(errors(event("openai", "[1,2]"))).extracting(FieldError::field).containsExactly("usage");
  }

  @Test
  void shouldRejectNormalizedCountsTogetherWithUsageAsAmbiguous() {
    String item = """
        {"userId":"alice","provider":"openai","model":"gpt-4o","inputTokens":10,
         "usage":{"prompt_tokens":10,"completion_tokens":5}}""";

    assertThat(errors(item)).singleElement().satisfies(e -> {
      assertThat(e.field()).isEqualTo("usage");
      assertThat(e.message()).startsWith("is ambiguous together with inputTokens: report the tokens one way only");
    });
  }

  @Test
  void shouldRejectUsageTogetherWithTextAsAmbiguous() {
    assertThat(errors("""
        {"userId":"alice","provider":"openai","model":"gpt-4o","prompt":"hi",
         "usage":{"prompt_tokens":10,"completion_tokens":5}}""")).extracting(FieldError::field).containsExactly("prompt");
  }

  @Test
  void shouldIgnoreUsageAttributesItDoesNotReadInsteadOfRefusingTheSpan() {
    // Per-modality counts and totals of newer conventions, and OpenLLMetry's total: not refused.
    TokensConsumed event = accepted("""
        {"userId":"alice","attributes":{"gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-4o",
         "gen_ai.usage.input_tokens":10,"gen_ai.usage.output_tokens":5,"gen_ai.usage.total_tokens":15,
         "gen_ai.usage.text.input_tokens":8,"gen_ai.usage.image.input_tokens":2,"gen_ai.usage.audio.output_tokens":0}}""");

    assertThat(event.getInputTokens()).isEqualTo(10);
    assertThat(event.getOutputTokens()).isEqualTo(5);
  }

  @Test
  void shouldReadReasoningAndCacheWritesUnderTheNewestNames() {
    TokensConsumed event = accepted("""
        {"userId":"alice","attributes":{"gen_ai.provider.name":"anthropic","gen_ai.response.model":"claude-sonnet-4-5-20250929",
         "gen_ai.usage.input_tokens":2098,"gen_ai.usage.output_tokens":503,"gen_ai.usage.cache_read.input_tokens":1800,
         "gen_ai.usage.cache_write.input_tokens":248,"gen_ai.usage.reasoning.output_tokens":120}}""");

    assertThat(event.getCachedInputTokens()).isEqualTo(1800);
    assertThat(event.getCacheWriteTokens()).isEqualTo(248);
    assertThat(event.getReasoningTokens()).isEqualTo(120);
  }

  @Test
  void shouldReadOpenLlMetrysCacheAttributes() {
    // The names Traceloop's OpenLLMetry instrumentations send (as lmnr-ai/lmnr reads them in span_attributes.rs).
    TokensConsumed event = accepted("""
        {"userId":"alice","attributes":{"gen_ai.system":"Anthropic","gen_ai.response.model":"claude-3-7-sonnet-20250219",
         "gen_ai.usage.prompt_tokens":2098,"gen_ai.usage.completion_tokens":503,
         "gen_ai.usage.cache_read_input_tokens":1800,"gen_ai.usage.cache_creation_input_tokens":248}}""");

    assertThat(event.getInputTokens()).isEqualTo(2098);
    assertThat(event.getCachedInputTokens()).isEqualTo(1800);
    assertThat(event.getCacheWriteTokens()).isEqualTo(248);
  }

  @Test
  void shouldRejectTwoNamesOfOneCountThatDisagree() {
    String item = """
        {"userId":"alice","attributes":{"gen_ai.provider.name":"anthropic","gen_ai.request.model":"claude-sonnet-4",
         "gen_ai.usage.input_tokens":2000,"gen_ai.usage.output_tokens":5,"gen_ai.usage.cache_write.input_tokens":100,
         "gen_ai.usage.cache_creation.input_tokens":200}}""";

    assertThat(errors(item)).extracting(FieldError::field).containsExactly("attributes.gen_ai.usage.cache_creation.input_tokens");
  }

  @Test
  void shouldRejectMoreReasoningThanOutput() {
    String item = """
        {"userId":"alice","attributes":{"gen_ai.provider.name":"openai","gen_ai.request.model":"o3",
         "gen_ai.usage.input_tokens":20,"gen_ai.usage.output_tokens":5,"gen_ai.usage.reasoning.output_tokens":6}}""";

    assertThat(errors(item)).extracting(FieldError::field).containsExactly("attributes.gen_ai.usage.reasoning.output_tokens");
  }

  @Test
  void shouldRejectAProviderThatContradictsTheAttributes() {
    String item = """
        {"userId":"alice","provider":"anthropic","attributes":{"gen_ai.provider.name":"openai",
         "gen_ai.request.model":"gpt-4o","gen_ai.usage.input_tokens":10,"gen_ai.usage.output_tokens":5}}""";

    assertThat(errors(item)).containsExactly(new FieldError("provider",
        "must match attributes.gen_ai.provider.name (\"openai\") or be left out (got \"anthropic\")"));
  }

  @Test
  void shouldMapSemanticConventionProviderNames() {
    TokensConsumed event = accepted("""
        {"userId":"alice","attributes":{"gen_ai.provider.name":"gcp.gemini","gen_ai.request.model":"gemini-2.5-pro",
         "gen_ai.usage.input_tokens":10,"gen_ai.usage.output_tokens":5}}""");

    assertThat(event.getProvider()).isEqualTo("google");
  }

  @Test
  void shouldRequireProviderAndModelWhenTheAttributesDoNotNameThem() {
    assertThat(errors("{\"userId\":\"alice\",\"attributes\":{\"gen_ai.usage.input_tokens\":10}}"))
        .extracting(FieldError::field).containsExactly("provider", "model");
  }

  @Test
  void shouldRejectAnEventOlderThanTheTopicsRetention() {
    assertThat(errors("""
        {"occurredAt":"2026-10-23T09:59:59Z","userId":"alice","provider":"openai","model":"gpt-4o"}"""))
        .containsExactly(new FieldError("occurredAt", "must not be older than the events topic's retention of 30 days"
            + " (now 2026-11-22T10:00:00Z, got \"2026-10-23T09:59:59Z\"): Kafka would delete the event before it is"
            + " counted"));
    assertThat(accepted("""
        {"occurredAt":"2026-10-23T10:00:00Z","userId":"alice","provider":"openai","model":"gpt-4o"}""").getOccurredAt())
        .isEqualTo(Instant.parse("2026-10-23T10:00:00Z"));
  }

  @Test
  void shouldCountAnAdvisorsIterationsAsAnEventOfTheAdvisorsModel() {
    ProviderFixtures.Fixture advisor = ProviderFixtures.ALL.stream()
        .filter(f -> f.file().equals("anthropic-iterations-advisor.json")).findFirst().orElseThrow();
    EventParser.Result result = parser.parse(read(advisor.event("alice").replace("{\"occurredAt\"",
        "{\"eventId\":\"call-1\",\"occurredAt\"")), Optional.empty());

    assertThat(result.errors()).isEmpty();
    assertThat(result.event().orElseThrow().getModel()).isEqualTo("claude-sonnet-5");
    assertThat(result.alsoBilled()).singleElement().satisfies(sub -> {
      assertThat(sub.getEventId()).isEqualTo("call-1#claude-opus-4-8");
      assertThat(sub.getModel()).isEqualTo("claude-opus-4-8");
      assertThat(List.of(sub.getInputTokens(), sub.getOutputTokens())).containsExactly(2518L, 22L);
      assertThat(sub.getUserId()).isEqualTo("alice");
      assertThat(sub.getLatencyMs()).isNull();
    });
    // A repeated item stands for the same two events: the aggregator counts it once.
    EventParser.Result again = parser.parse(read(advisor.event("alice").replace("{\"occurredAt\"",
        "{\"eventId\":\"call-1\",\"occurredAt\"")), Optional.empty());
    assertThat(again.events()).extracting(TokensConsumed::getEventId).containsExactly("call-1", "call-1#claude-opus-4-8");

    // An eventId as long as an id may be: the advisor's event still has a valid, repeatable id.
    String longId = "c".repeat(EventRules.MAX_TEXT_LENGTH);
    EventParser.Result longCall = parser.parse(read(advisor.event("alice").replace("{\"occurredAt\"",
        "{\"eventId\":\"" + longId + "\",\"occurredAt\"")), Optional.empty());
    assertThat(longCall.errors()).isEmpty();
    String subId = longCall.alsoBilled().get(0).getEventId();
    assertThat(subId).hasSizeLessThanOrEqualTo(EventRules.MAX_TEXT_LENGTH).startsWith("ccc").isNotEqualTo(longId)
        .isEqualTo(EventParser.subInferenceId(longId, "claude-opus-4-8"))
        .isNotEqualTo(EventParser.subInferenceId(longId, "claude-opus-4-9"));
  }

  @Test
  void shouldBoundTheModelsAUsageObjectMayBillAndRefuseAModelIdThatIsNotOne() {
    StringBuilder iterations = new StringBuilder();
    for (int i = 0; i < 9; i++) {
      iterations.append(i == 0 ? "" : ",").append("{\"type\":\"advisor_message\",\"model\":\"advisor-").append(i)
          .append("\",\"input_tokens\":1,\"output_tokens\":1}");
    }
    assertThat(errors(event("anthropic", "{\"input_tokens\":1,\"output_tokens\":1,\"iterations\":[" + iterations + "]}")))
        .extracting(FieldError::field).containsExactly("usage.iterations");
    assertThat(errors(event("anthropic", """
        {"input_tokens":1,"output_tokens":1,"iterations":[{"model":"bad\\u0000","input_tokens":1,"output_tokens":1}]}""")))
        .extracting(FieldError::field).containsExactly("usage.iterations[0].model");
  }

  @Test
  void shouldReadBedrockOpenAiFamilyStreamsAsCountingTheCacheInInputTokens() {
    // As maximhq/bifrost PR 6942 measured on openai.gpt-5.6: ConverseStream reported inputTokens 4995
    // with cacheWriteInputTokens 4993 (totalTokens 10007), the non-streaming call inputTokens 2.
    String stream = "{\"inputTokens\":4995,\"outputTokens\":19,\"totalTokens\":10007,\"cacheWriteInputTokens\":4993}";
    String converse = "{\"inputTokens\":2,\"outputTokens\":19,\"totalTokens\":5014,\"cacheWriteInputTokens\":4993}";

    for (String usage : List.of(stream, converse)) {
      TokensConsumed event = accepted(event("bedrock", "us.openai.gpt-5.6", usage));
      assertThat(List.of(event.getInputTokens(), event.getCacheWriteTokens())).containsExactly(4995L, 4993L);
    }
    // Other families follow the documented remainder-only inputTokens.
    assertThat(accepted(event("bedrock", "us.amazon.nova-pro-v1:0", converse))
        .getInputTokens()).isEqualTo(4995);
    assertThat(accepted(event("bedrock", "us.amazon.nova-pro-v1:0", stream)).getInputTokens()).isEqualTo(9988);
  }

  @Test
  void shouldReadGeminiLiveResponseTokenCountAsItsCandidates() {
    // The Live API's UsageMetadata names the model's tokens responseTokenCount (field names from its
    // reference; counts ours).
    TokensConsumed event = accepted(event("google", """
        {"usageMetadata":{"promptTokenCount":543,"responseTokenCount":128,"totalTokenCount":671,
         "promptTokensDetails":[{"modality":"TEXT","tokenCount":31},{"modality":"AUDIO","tokenCount":512}],
         "responseTokensDetails":[{"modality":"AUDIO","tokenCount":128}]}}"""));

    assertThat(List.of(event.getInputTokens(), event.getOutputTokens(), event.getInputAudioTokens(),
        event.getOutputAudioTokens())).containsExactly(543L, 128L, 512L, 128L);
    assertThat(errors(event("google", "{\"promptTokenCount\":5,\"responseTokenCount\":3,\"candidatesTokenCount\":4}")))
        .extracting(FieldError::field).containsExactly("usage.responseTokenCount");
  }

  @Test
  void shouldRefuseDeepSeekCacheHitsAndMissesThatAreNotThePrompt() {
    assertThat(errors(event("deepseek", """
        {"prompt_tokens":563,"completion_tokens":1,"prompt_cache_hit_tokens":512,"prompt_cache_miss_tokens":50}""")))
        .extracting(FieldError::field).containsExactly("usage.prompt_cache_miss_tokens");
    assertThat(errors(event("deepseek", """
        {"prompt_tokens":563,"completion_tokens":1,"prompt_cache_hit_tokens":512,"prompt_tokens_details":{"cached_tokens":500}}""")))
        .extracting(FieldError::field).containsExactly("usage.prompt_cache_hit_tokens");
  }

  @Test
  void shouldReadXaiCachedTokensBeyondThePromptAsOutsideItWithoutATotal() {
    TokensConsumed event = accepted(event("xai", """
        {"prompt_tokens":4142,"completion_tokens":254,"prompt_tokens_details":{"cached_tokens":4328}}"""));

    assertThat(List.of(event.getInputTokens(), event.getCachedInputTokens())).containsExactly(8470L, 4328L);
    assertThat(errors(event("openai", """
        {"prompt_tokens":4142,"completion_tokens":254,"prompt_tokens_details":{"cached_tokens":4328}}""")))
        .extracting(FieldError::field).containsExactly("usage.prompt_tokens_details.cached_tokens");
  }

  private static String event(String provider, String usage) {
    return event(provider, "m-1", usage);
  }

  private static String event(String provider, String model, String usage) {
    return "{\"userId\":\"alice\",\"provider\":\"" + provider + "\",\"model\":\"" + model + "\",\"usage\":"
        + usage + "}";
  }

  private TokensConsumed accepted(String item) {
    EventParser.Result result = parser.parse(read(item), Optional.empty());
    assertThat(result.errors()).isEmpty();
    return result.event().orElseThrow();
  }

  private List<FieldError> errors(String item) {
    EventParser.Result result = parser.parse(read(item), Optional.empty());
    assertThat(result.event()).isEmpty();
    return result.errors();
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
