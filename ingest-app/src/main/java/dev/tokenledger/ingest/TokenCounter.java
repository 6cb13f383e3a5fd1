package dev.tokenledger.ingest;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Counts text the way a model's tokenizer would. OpenAI models are counted exactly with their BPE
 * encoding (jtokkit): {@code o200k_base} for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4 and
 * gpt-oss; {@code cl100k_base} for gpt-4, gpt-3.5 and the text-embedding models; {@code p50k_base}
 * for text-davinci-002/003 and code-davinci/cushman; {@code r50k_base} for the GPT-3 base models.
 *
 * <p>Every other model (Claude, Gemini, Llama, Mistral, unknown) has a tokenizer that is not
 * public or not bundled; it is estimated with the {@code cl100k_base} count, reported as the
 * tokenizer {@value #ESTIMATE}. Expect the estimate to be off by up to roughly ±25 % for English
 * prose (Claude's and Gemini's tokenizers usually produce somewhat more tokens than cl100k_base),
 * more for code and non-Latin scripts: good for budgets and forecasts, not for invoices.
 */
final class TokenCounter {

  static final String ESTIMATE = "cl100k_base-estimate";

  /** How one model's text is counted. */
  record Tokenizer(String name, boolean estimated, EncodingType encoding) {}

  /** A count of one text. */
  record Count(String tokenizer, boolean estimated, long tokens) {}

  private record Family(String prefix, EncodingType encoding) {}

  // First match wins: the more specific prefix first (gpt-4o before gpt-4).
  private static final List<Family> OPENAI = List.of(
      new Family("gpt-4o", EncodingType.O200K_BASE),
      new Family("chatgpt-4o", EncodingType.O200K_BASE),
      new Family("gpt-4.1", EncodingType.O200K_BASE),
      new Family("gpt-4.5", EncodingType.O200K_BASE),
      new Family("gpt-5", EncodingType.O200K_BASE),
      new Family("gpt-oss", EncodingType.O200K_BASE),
      new Family("o1", EncodingType.O200K_BASE),
      new Family("o3", EncodingType.O200K_BASE),
      new Family("o4", EncodingType.O200K_BASE),
      new Family("gpt-4", EncodingType.CL100K_BASE),
      new Family("gpt-3.5", EncodingType.CL100K_BASE),
      new Family("gpt-35", EncodingType.CL100K_BASE),
      new Family("text-embedding-", EncodingType.CL100K_BASE),
      new Family("davinci-002", EncodingType.CL100K_BASE),
      new Family("babbage-002", EncodingType.CL100K_BASE),
      new Family("text-davinci-002", EncodingType.P50K_BASE),
      new Family("text-davinci-003", EncodingType.P50K_BASE),
      new Family("code-davinci", EncodingType.P50K_BASE),
      new Family("code-cushman", EncodingType.P50K_BASE),
      new Family("text-davinci-001", EncodingType.R50K_BASE),
      new Family("text-curie", EncodingType.R50K_BASE),
      new Family("text-babbage", EncodingType.R50K_BASE),
      new Family("text-ada", EncodingType.R50K_BASE),
      new Family("davinci", EncodingType.R50K_BASE),
      new Family("curie", EncodingType.R50K_BASE),
      new Family("babbage", EncodingType.R50K_BASE),
      new Family("ada", EncodingType.R50K_BASE));

  private record Window(String prefix, long tokens) {}

  // Published context windows of common models; a model not listed answers without one.
  private static final List<Window> WINDOWS = List.of(
      new Window("gpt-4o", 128_000),
      new Window("gpt-4.1", 1_047_576),
      new Window("gpt-5", 400_000),
      new Window("o1", 200_000),
      new Window("o3", 200_000),
      new Window("o4-mini", 200_000),
      new Window("gpt-4-turbo", 128_000),
      new Window("gpt-4-32k", 32_768),
      new Window("gpt-4", 8_192),
      new Window("gpt-3.5-turbo", 16_385),
      new Window("claude", 200_000),
      new Window("gemini-1.5-pro", 2_097_152),
      new Window("gemini", 1_048_576));

  private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

  /** The tokenizer for {@code model}; a provider prefix ({@code openai/gpt-4o}) is ignored. */
  Tokenizer tokenizerFor(String model) {
    String name = bare(model);
    for (Family family : OPENAI) {
      if (name.startsWith(family.prefix())) {
        return new Tokenizer(family.encoding().getName(), false, family.encoding());
      }
    }
    return new Tokenizer(ESTIMATE, true, EncodingType.CL100K_BASE);
  }

  Count count(String model, String text) {
    Tokenizer tokenizer = tokenizerFor(model);
    Encoding encoding = registry.getEncoding(tokenizer.encoding());
    // Ordinary: "<|endoftext|>" in user text is text, not a special token (and must not throw).
    return new Count(tokenizer.name(), tokenizer.estimated(), encoding.countTokensOrdinary(text));
  }

  /** The model's context window in tokens, when the built-in table knows it. */
  static OptionalLong contextWindow(String model) {
    String name = bare(model);
    return WINDOWS.stream().filter(w -> name.startsWith(w.prefix())).findFirst()
        .map(w -> OptionalLong.of(w.tokens())).orElse(OptionalLong.empty());
  }

  private static String bare(String model) {
    String lower = model.toLowerCase(Locale.ROOT).trim();
    int slash = lower.lastIndexOf('/');
    return slash >= 0 ? lower.substring(slash + 1) : lower;
  }
}
