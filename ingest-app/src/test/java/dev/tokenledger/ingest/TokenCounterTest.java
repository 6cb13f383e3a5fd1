package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Json;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenCounterTest {

  private final TokenCounter counter = new TokenCounter();

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
      "gpt-4o, o200k_base",
      "gpt-4o-mini-2024-07-18, o200k_base",
      "openai/gpt-4.1-nano, o200k_base",
      "gpt-5, o200k_base",
      "o3-mini, o200k_base",
      "gpt-4-turbo, cl100k_base",
      "gpt-3.5-turbo, cl100k_base",
      "text-embedding-3-small, cl100k_base",
      "text-davinci-003, p50k_base",
      "davinci, r50k_base",
      "claude-sonnet-4-20250514, cl100k_base-estimate",
      "gemini-2.5-pro, cl100k_base-estimate",
      "some-new-model, cl100k_base-estimate"})
  void shouldPickTheModelFamilysTokenizer(String model, String tokenizer) {
    assertThat(counter.tokenizerFor(model).name()).isEqualTo(tokenizer);
    assertThat(counter.tokenizerFor(model).estimated()).isEqualTo(tokenizer.endsWith("-estimate"));
  }

  @Test
  void shouldCountWithTheEncoding() {
    assertThat(counter.count("gpt-4o", "Hello, world!").tokens()).isEqualTo(4);
    assertThat(counter.count("gpt-4", "Hello, world!").tokens()).isEqualTo(4);
    assertThat(counter.count("gpt-4o", "").tokens()).isZero();
  }

  @Test
  void shouldCountSpecialTokenTextAsOrdinaryText() {
    assertThat(counter.count("gpt-4o", "<|endoftext|>").tokens()).isGreaterThan(1);
  }

  @Test
  void shouldKnowCommonContextWindows() {
    assertThat(TokenCounter.contextWindow("gpt-4o-2024-08-06")).hasValue(128_000);
    assertThat(TokenCounter.contextWindow("claude-sonnet-4")).hasValue(200_000);
    assertThat(TokenCounter.contextWindow("mystery")).isEmpty();
  }

  @Test
  void shouldMarkCountedTextEstimatedWithItsTokenizer() throws Exception {
    EventParser parser = new EventParser(Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC),
        Duration.ofMinutes(5), Optional.empty(), counter);

    TokensConsumed event = parser.parse(Json.newMapper().readTree("""
        {"userId":"alice","provider":"openai","model":"gpt-4o","prompt":"Hello, world!","completion":"Hi!\\nHow can I help?"}"""),
        Optional.empty()).event().orElseThrow();

    assertThat(event.getInputTokens()).isEqualTo(4);
    assertThat(event.getOutputTokens()).isEqualTo(counter.count("gpt-4o", "Hi!\nHow can I help?").tokens());
    assertThat(event.getTokenSource()).isEqualTo(TokenSource.ESTIMATED);
    assertThat(event.getTokenizer()).isEqualTo("o200k_base");
  }
}
