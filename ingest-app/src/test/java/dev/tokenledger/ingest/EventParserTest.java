package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventParserTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String MINIMAL = "\"userId\":\"alice\",\"provider\":\"openai\",\"model\":\"gpt-4o\"";

  private final EventParser parser = new EventParser(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5));

  @Test
  void shouldParseEveryField() {
    TokensConsumed event = accepted("""
        {"eventId":"evt-1","occurredAt":"2026-11-22T09:59:00Z","userId":"alice","tenantId":"acme",
         "feature":"chat","sessionId":"s-1","provider":"OpenAI","model":"gpt-4o",
         "inputTokens":1200,"outputTokens":300,"cachedInputTokens":1000,"cacheWriteTokens":100,
         "reasoningTokens":50,"systemTokens":200,"costUsd":"0.001234500","latencyMs":850,
         "success":false,"errorType":"rate_limit","contextWindow":128000,"labels":{"env":"prod"}}""");

    assertThat(event.getEventId()).isEqualTo("evt-1");
    assertThat(event.getOccurredAt()).isEqualTo(Instant.parse("2026-11-22T09:59:00Z"));
    assertThat(event.getUserId()).isEqualTo("alice");
    assertThat(event.getTenantId()).isEqualTo("acme");
    assertThat(event.getFeature()).isEqualTo("chat");
    assertThat(event.getSessionId()).isEqualTo("s-1");
    assertThat(event.getProvider()).isEqualTo("openai");
    assertThat(event.getModel()).isEqualTo("gpt-4o");
    assertThat(List.of(event.getInputTokens(), event.getOutputTokens(), event.getCachedInputTokens(),
        event.getCacheWriteTokens(), event.getReasoningTokens(), event.getSystemTokens()))
        .containsExactly(1200L, 300L, 1000L, 100L, 50L, 200L);
    assertThat(event.getCostNanos()).isEqualTo(1_234_500L);
    assertThat(event.getLatencyMs()).isEqualTo(850L);
    assertThat(event.getSuccess()).isFalse();
    assertThat(event.getErrorType()).isEqualTo("rate_limit");
    assertThat(event.getContextWindow()).isEqualTo(128_000L);
    assertThat(event.getLabels()).containsExactly(Map.entry("env", "prod"));
    assertThat(event.getTokenSource()).isEqualTo(TokenSource.REPORTED);
    assertThat(event.getService()).isEqualTo("unknown");
  }

  @Test
  void shouldReadModalitiesHourLongCacheWritesAndTheServiceTier() {
    TokensConsumed event = accepted("{" + MINIMAL + """
        ,"inputTokens":1500,"inputAudioTokens":900,"inputImageTokens":500,"cacheWriteTokens":400,
         "cacheWrite1hTokens":300,"outputTokens":200,"outputAudioTokens":150,"outputImageTokens":50,
         "serviceTier":"Priority"}""");

    assertThat(List.of(event.getInputAudioTokens(), event.getInputImageTokens(), event.getOutputAudioTokens(),
        event.getOutputImageTokens(), event.getCacheWrite1hTokens())).containsExactly(900L, 500L, 150L, 50L, 300L);
    assertThat(event.getServiceTier()).isEqualTo("priority");
    assertThat(accepted("{" + MINIMAL + ",\"serviceTier\":\"default\"}").getServiceTier()).isEqualTo("standard");
    assertThat(accepted("{" + MINIMAL + "}").getServiceTier()).isNull();
  }

  @Test
  void shouldRefuseModalitiesBeyondTheirWholeAndATierThatIsNotAName() {
    assertThat(errors("{" + MINIMAL + ",\"inputTokens\":10,\"inputAudioTokens\":8,\"inputImageTokens\":3}"))
        .extracting(FieldError::field).containsExactly("inputImageTokens");
    assertThat(errors("{" + MINIMAL + ",\"cacheWriteTokens\":0,\"inputTokens\":5,\"cacheWrite1hTokens\":1}"))
        .extracting(FieldError::field).containsExactly("cacheWrite1hTokens");
    assertThat(errors("{" + MINIMAL + ",\"serviceTier\":\"very fast\"}"))
        .extracting(FieldError::field).containsExactly("serviceTier");
  }

  @Test
  void shouldFillDefaultsForOptionalFields() {
    TokensConsumed event = accepted("{" + MINIMAL + "}");

    assertThat(UUID.fromString(event.getEventId())).isNotNull();
    assertThat(event.getOccurredAt()).isEqualTo(NOW);
    assertThat(event.getSuccess()).isTrue();
    assertThat(event.getInputTokens()).isZero();
    assertThat(event.getOutputTokens()).isZero();
    assertThat(event.getCostNanos()).isNull();
    assertThat(event.getLatencyMs()).isNull();
    assertThat(event.getContextWindow()).isNull();
    assertThat(event.getTenantId()).isNull();
    assertThat(event.getLabels()).isEmpty();
    assertThat(event.getTokenizer()).isNull();
  }

  @Test
  void shouldTreatNullAsAbsent() {
    TokensConsumed event = accepted("{" + MINIMAL + ",\"tenantId\":null,\"inputTokens\":null,\"costUsd\":null}");

    assertThat(event.getTenantId()).isNull();
    assertThat(event.getInputTokens()).isZero();
    assertThat(event.getCostNanos()).isNull();
  }

  @Test
  void shouldRequireUserIdProviderAndModel() {
    assertThat(errors("{\"inputTokens\":5}")).containsExactly(
        new FieldError("userId", "is required"),
        new FieldError("provider", "is required"),
        new FieldError("model", "is required"));
  }

  @Test
  void shouldReportEveryErrorOfAnItemAtOnce() {
    assertThat(errors("{\"userId\":\"alice\",\"provider\":\"openai\",\"inputTokens\":-5,\"success\":\"yes\"}"))
        .extracting(FieldError::field)
        .containsExactly("model", "inputTokens", "success");
  }

  @Test
  void shouldRejectAnItemThatIsNotAnObject() {
    assertThat(errors("42")).singleElement().satisfies(error -> {
      assertThat(error.field()).isEqualTo("event");
      assertThat(error.message()).startsWith("must be a JSON object like {").endsWith("(got 42)");
    });
  }

  @Nested
  class TokenCountsTest {

    @Test
    void shouldRejectANegativeCount() {
      assertThat(errors("{" + MINIMAL + ",\"inputTokens\":-5}"))
          .containsExactly(new FieldError("inputTokens", "must be ≥ 0 (got -5)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5.5", "\"5\"", "true", "[5]"})
    void shouldRejectACountThatIsNotAWholeNumber(String value) {
      assertThat(errors("{" + MINIMAL + ",\"outputTokens\":" + value + "}"))
          .containsExactly(new FieldError("outputTokens", "must be a whole number (got " + value + ")"));
    }

    @Test
    void shouldAcceptAWholeNumberWrittenWithDecimals() {
      assertThat(accepted("{" + MINIMAL + ",\"outputTokens\":5.0}").getOutputTokens()).isEqualTo(5);
    }

    @Test
    void shouldRejectACountBeyondALong() {
      assertThat(errors("{" + MINIMAL + ",\"inputTokens\":9223372036854775808}")).containsExactly(new FieldError(
          "inputTokens", "must be at most 1000000000000 (10^12: no real call has more tokens) (got 9223372036854775808)"));
    }

    @Test
    void shouldRejectTheCountThatStoppedAllCountingNamingTheCeiling() {
      // Accepted with a 202 on 2026-12-07, then the aggregator died on it.
      assertThat(errors("{" + MINIMAL + ",\"inputTokens\":10000000000000}")).containsExactly(new FieldError(
          "inputTokens", "must be at most 1000000000000 (10^12: no real call has more tokens) (got 10000000000000)"));
    }

    @Test
    void shouldAcceptTheCeilingItself() {
      assertThat(accepted("{" + MINIMAL + ",\"inputTokens\":1000000000000,\"outputTokens\":1000000000000}")
          .getInputTokens()).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void shouldRejectAProviderUsageWhoseSumIsMoreThanACallCanHave() {
      // Each Anthropic count within the ceiling; input (uncached + cache reads + writes) above it.
      assertThat(errors("{\"userId\":\"alice\",\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
          + "\"usage\":{\"input_tokens\":900000000000,\"cache_read_input_tokens\":900000000000,\"output_tokens\":1}}"))
          .singleElement().satisfies(error -> {
            assertThat(error.field()).isEqualTo("inputTokens");
            assertThat(error.message()).startsWith("must be at most 1000000000000");
          });
    }

    @Test
    void shouldRejectALatencyOrContextWindowNoRealCallHas() {
      assertThat(errors("{" + MINIMAL + ",\"latencyMs\":604800001,\"contextWindow\":1000000000001}"))
          .extracting(FieldError::field).containsExactly("latencyMs", "contextWindow");
    }

    @Test
    void shouldRejectCacheReadsAndWritesBeyondTheInput() {
      assertThat(errors("{" + MINIMAL + ",\"inputTokens\":100,\"cachedInputTokens\":80,\"cacheWriteTokens\":40}"))
          .singleElement().satisfies(error -> {
            assertThat(error.field()).isEqualTo("cachedInputTokens");
            assertThat(error.message()).startsWith(
                "cachedInputTokens + cacheWriteTokens must be ≤ inputTokens (got 80 + 40 > 100)");
          });
    }

    @Test
    void shouldNotLetHugeSubsetsOverflowPastTheCheck() {
      long max = EventRules.MAX_TOKENS;
      assertThat(errors("{" + MINIMAL + ",\"inputTokens\":" + max + ",\"cachedInputTokens\":" + max
          + ",\"cacheWriteTokens\":" + max + "}")).extracting(FieldError::field).containsExactly("cachedInputTokens");
    }

    @Test
    void shouldRejectReasoningBeyondTheOutput() {
      assertThat(errors("{" + MINIMAL + ",\"outputTokens\":10,\"reasoningTokens\":11}")).singleElement()
          .satisfies(error -> {
            assertThat(error.field()).isEqualTo("reasoningTokens");
            assertThat(error.message()).startsWith("must be ≤ outputTokens (got 11 > 10)");
          });
    }

    @Test
    void shouldRejectSystemTokensBeyondTheInput() {
      assertThat(errors("{" + MINIMAL + ",\"inputTokens\":10,\"systemTokens\":11}")).singleElement()
          .satisfies(error -> {
            assertThat(error.field()).isEqualTo("systemTokens");
            assertThat(error.message()).startsWith("must be ≤ inputTokens (got 11 > 10)");
          });
    }

    @Test
    void shouldAcceptSubsetsThatAddUpToTheWhole() {
      TokensConsumed event = accepted("{" + MINIMAL + ",\"inputTokens\":100,\"cachedInputTokens\":60,"
          + "\"cacheWriteTokens\":40,\"systemTokens\":100,\"outputTokens\":7,\"reasoningTokens\":7}");

      assertThat(event.getCachedInputTokens() + event.getCacheWriteTokens()).isEqualTo(event.getInputTokens());
    }
  }

  @Nested
  class CostTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"0.001234500\" | 1234500",
        "\"0.000000001\" | 1",
        "\"12\"          | 12000000000",
        "0.1             | 100000000",
        "0               | 0",
        "\"1e-3\"        | 1000000",
        "\"1000000\"             | 1000000000000000"})
    void shouldConvertCostUsdToNanosExactly(String costUsd, long nanos) {
      assertThat(accepted("{" + MINIMAL + ",\"costUsd\":" + costUsd + "}").getCostNanos()).isEqualTo(nanos);
    }

    @Test
    void shouldRejectACostFinerThanANano() {
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":\"0.0000000001\"}")).containsExactly(new FieldError(
          "costUsd", "must have at most 9 decimals, the precision of nano-USD (got \"0.0000000001\")"));
    }

    @Test
    void shouldRejectACostNumberFinerThanANano() {
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":0.0000000001}")).containsExactly(new FieldError(
          "costUsd", "must have at most 9 decimals, the precision of nano-USD (got 0.0000000001)"));
    }

    @Test
    void shouldRejectACostTextLongerThanAnyAmountUnread() {
      // "1" and a million zeros fits the 1 MiB body; parsing it held a core for minutes.
      String zeros = "1" + "0".repeat(1_000_000);
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":\"" + zeros + "\"}")).singleElement()
          .satisfies(error -> {
            assertThat(error.field()).isEqualTo("costUsd");
            assertThat(error.message()).startsWith("must be a USD amount like").endsWith("…)");
          });
    }

    @Test
    void shouldRejectANegativeCost() {
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":\"-0.5\"}"))
          .containsExactly(new FieldError("costUsd", "must be ≥ 0 (got \"-0.5\")"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"ten cents\"", "\"\"", "true", "{}"})
    void shouldRejectACostThatIsNotAnAmount(String value) {
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":" + value + "}")).containsExactly(
          new FieldError("costUsd", "must be a USD amount like \"0.001234500\" (got " + value + ")"));
    }

    @Test
    void shouldRejectACostBeyondWhatNanosCanHold() {
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":\"9223372036.854775808\"}")).containsExactly(new FieldError(
          "costUsd", "must be at most 9223372036.854775807 (got \"9223372036.854775808\")"));
    }

    @Test
    void shouldRejectACostNoCallHas() {
      assertThat(errors("{" + MINIMAL + ",\"costUsd\":\"1000000.000000001\"}")).containsExactly(new FieldError(
          "costUsd", "must be at most 1000000.000000000, the most one call may cost (got \"1000000.000000001\")"));
    }
  }

  @Nested
  class OccurredAtTest {

    @Test
    void shouldAcceptAnOffsetAndKeepMilliseconds() {
      assertThat(accepted("{" + MINIMAL + ",\"occurredAt\":\"2026-11-22T11:30:00.123456+02:00\"}").getOccurredAt())
          .isEqualTo(Instant.parse("2026-11-22T09:30:00.123Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"2026-11-22 10:00\"", "\"yesterday\"", "1763805600000"})
    void shouldRejectAnythingButAnIsoInstant(String value) {
      assertThat(errors("{" + MINIMAL + ",\"occurredAt\":" + value + "}")).containsExactly(new FieldError(
          "occurredAt", "must be an ISO-8601 instant like 2026-11-22T10:00:00Z (got " + value + ")"));
    }

    @Test
    void shouldRejectATimeMoreThanTheSkewAhead() {
      assertThat(errors("{" + MINIMAL + ",\"occurredAt\":\"2026-11-22T10:05:01Z\"}")).containsExactly(new FieldError(
          "occurredAt", "must not be more than 5 minutes ahead of the server clock (now 2026-11-22T10:00:00Z, "
              + "got \"2026-11-22T10:05:01Z\"); send the time the call happened"));
    }

    @Test
    void shouldAcceptATimeExactlyTheSkewAhead() {
      assertThat(accepted("{" + MINIMAL + ",\"occurredAt\":\"2026-11-22T10:05:00Z\"}").getOccurredAt())
          .isEqualTo(Instant.parse("2026-11-22T10:05:00Z"));
    }

    @Test
    void shouldRejectATimeBeforeTheEpoch() {
      assertThat(errors("{" + MINIMAL + ",\"occurredAt\":\"1969-12-31T23:59:59Z\"}")).containsExactly(new FieldError(
          "occurredAt", "must not be before 1970-01-01T00:00:00Z (got \"1969-12-31T23:59:59Z\")"));
    }
  }

  @Nested
  class TextTest {

    @Test
    void shouldLowerCaseTheProvider() {
      assertThat(accepted("{\"userId\":\"alice\",\"provider\":\"Anthropic\",\"model\":\"claude-sonnet-4\"}")
          .getProvider()).isEqualTo("anthropic");
    }

    @Test
    void shouldRejectAnIdLongerThan256Characters() {
      assertThat(errors("{" + MINIMAL + ",\"sessionId\":\"" + "x".repeat(257) + "\"}"))
          .containsExactly(new FieldError("sessionId", "must be at most 256 characters (got 257)"));
    }

    @Test
    void shouldRejectABlankId() {
      assertThat(errors("{\"userId\":\" \",\"provider\":\"openai\",\"model\":\"gpt-4o\"}"))
          .containsExactly(new FieldError("userId", "must not be blank"));
    }

    @Test
    void shouldRejectControlCharacters() {
      assertThat(errors("{" + MINIMAL + ",\"feature\":\"chat\\u0000\"}"))
          .containsExactly(new FieldError("feature", "must not contain control characters (got \"chat\\u0000\")"));
    }

    @Test
    void shouldRejectHalfASurrogatePairButTakeAWholeOne() {
      // "\ud800" and "\udbff" alone would both be written as "?": two users, or two calls, as one.
      assertThat(errors("{\"eventId\":\"call-\\ud800\"," + MINIMAL + "}")).containsExactly(new FieldError("eventId",
          "must be Unicode text: it has half of a surrogate pair, which stands for no character"));
      assertThat(errors("{" + MINIMAL.replace("\"userId\":\"alice\"", "\"userId\":\"\\udbffx\"") + "}"))
          .extracting(FieldError::field).containsExactly("userId");
      assertThat(accepted("{\"eventId\":\"call-\\ud83d\\ude00\"," + MINIMAL + "}").getEventId()).isEqualTo("call-😀");
    }

    @Test
    void shouldRejectANumberWhereAStringBelongs() {
      assertThat(errors("{\"userId\":12345,\"provider\":\"openai\",\"model\":\"gpt-4o\"}"))
          .containsExactly(new FieldError("userId", "must be a string (got 12345)"));
    }

    @Test
    void shouldShortenALongEchoedValue() {
      String message = errors("{" + MINIMAL + ",\"occurredAt\":\"" + "9".repeat(500) + "\"}").get(0).message();

      assertThat(message).hasSizeLessThan(150).contains("…");
    }
  }

  @Nested
  class UnknownFieldTest {

    @Test
    void shouldRejectAnUnknownField() {
      assertThat(errors("{" + MINIMAL + ",\"inputTokenz\":5}")).containsExactly(new FieldError(
          "inputTokenz", "is not an event field; check the spelling (fields are camelCase, like inputTokens)"));
    }

    @Test
    void shouldSuggestTheFieldASnakeCaseNameMeans() {
      assertThat(errors("{" + MINIMAL + ",\"input_tokens\":5}")).containsExactly(
          new FieldError("input_tokens", "is not an event field; did you mean inputTokens?"));
    }

    @Test
    void shouldRejectAnItemWithMoreFieldsThanAnEventHasInOneError() {
      StringBuilder json = new StringBuilder("{" + MINIMAL);
      for (int i = 0; i < 50; i++) {
        json.append(",\"extra").append(i).append("\":1");
      }
      assertThat(errors(json + "}")).containsExactly(new FieldError(
          "event", "must have at most " + EventParser.FIELDS.size() + " fields, the known event fields (got 53)"));
    }
  }

  @Nested
  class OtherFieldsTest {

    @Test
    void shouldRejectSuccessThatIsNotABoolean() {
      assertThat(errors("{" + MINIMAL + ",\"success\":\"false\"}"))
          .containsExactly(new FieldError("success", "must be true or false (got \"false\")"));
    }

    @Test
    void shouldRejectAZeroContextWindow() {
      assertThat(errors("{" + MINIMAL + ",\"contextWindow\":0}"))
          .containsExactly(new FieldError("contextWindow", "must be ≥ 1 (got 0)"));
    }

    @Test
    void shouldRejectANegativeLatency() {
      assertThat(errors("{" + MINIMAL + ",\"latencyMs\":-1}"))
          .containsExactly(new FieldError("latencyMs", "must be ≥ 0 (got -1)"));
    }
  }

  @Nested
  class LabelsTest {

    @Test
    void shouldRejectMoreThan32Labels() {
      StringBuilder labels = new StringBuilder("{");
      for (int i = 0; i < 33; i++) {
        labels.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
      }
      assertThat(errors("{" + MINIMAL + ",\"labels\":" + labels + "}}"))
          .containsExactly(new FieldError("labels", "must have at most 32 entries (got 33)"));
    }

    @Test
    void shouldRejectALabelKeyLongerThan64Characters() {
      String key = "k".repeat(65);
      assertThat(errors("{" + MINIMAL + ",\"labels\":{\"" + key + "\":\"v\"}}")).singleElement()
          .satisfies(error -> assertThat(error.message()).endsWith("must be at most 64 characters (got 65)"));
    }

    @Test
    void shouldRejectALabelValueLongerThan256Characters() {
      assertThat(errors("{" + MINIMAL + ",\"labels\":{\"env\":\"" + "v".repeat(257) + "\"}}")).containsExactly(
          new FieldError("labels", "value of \"env\" must be at most 256 characters (got 257)"));
    }

    @Test
    void shouldRejectALabelValueThatIsNotAString() {
      assertThat(errors("{" + MINIMAL + ",\"labels\":{\"retries\":3}}"))
          .containsExactly(new FieldError("labels", "value of \"retries\" must be a string (got 3)"));
    }

    @Test
    void shouldRejectLabelsThatAreNotAnObject() {
      assertThat(errors("{" + MINIMAL + ",\"labels\":[\"env\"]}")).extracting(FieldError::field)
          .containsExactly("labels");
    }
  }

  @Nested
  class ServiceTest {

    @Test
    void shouldStampThePublishKeysName() {
      assertThat(parser.parse(json("{" + MINIMAL + "}"), Optional.of("chat-api")).event())
          .hasValueSatisfying(event -> assertThat(event.getService()).isEqualTo("chat-api"));
    }

    @Test
    void shouldAcceptAServiceThatMatchesTheKey() {
      assertThat(parser.parse(json("{" + MINIMAL + ",\"service\":\"chat-api\"}"), Optional.of("chat-api")).event())
          .isPresent();
    }

    @Test
    void shouldRejectAServiceOtherThanTheKeys() {
      assertThat(parser.parse(json("{" + MINIMAL + ",\"service\":\"billing\"}"), Optional.of("chat-api")).errors())
          .containsExactly(new FieldError("service",
              "must match the API key's service \"chat-api\" or be left out (got \"billing\")"));
    }

    @Test
    void shouldTakeTheServiceFromTheBodyWithoutAuthentication() {
      assertThat(accepted("{" + MINIMAL + ",\"service\":\"billing\"}").getService()).isEqualTo("billing");
    }
  }

  private TokensConsumed accepted(String json) {
    EventParser.Result result = parser.parse(json(json), Optional.empty());
    assertThat(result.errors()).isEmpty();
    return result.event().orElseThrow();
  }

  private List<FieldError> errors(String json) {
    EventParser.Result result = parser.parse(json(json), Optional.empty());
    assertThat(result.event()).isEmpty();
    return result.errors();
  }

  /** The item as the endpoint reads it: one element of a batch. */
  private static JsonNode json(String json) {
    return EventBatch.items(("[" + json + "]").getBytes(StandardCharsets.UTF_8)).get(0);
  }
}
