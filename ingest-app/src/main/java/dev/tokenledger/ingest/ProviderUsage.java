package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A provider's own usage object, as the provider returned it ({@code "usage":{…}} in an event),
 * normalized to TokenLedger's meanings. The shape is recognised by its fields; the provider only
 * decides between the two shapes that share {@code input_tokens}/{@code output_tokens}. Fields a
 * shape does not need (audio tokens, service tier, …) are ignored; a count that contradicts
 * another is the item's error, naming the field.
 *
 * <pre>
 * shape              input                                      cached         cache write     output                     reasoning
 * OpenAI chat        prompt_tokens                              p_t_d.cached   0               completion_tokens (+ reasoning when total says it is separate, as xAI)  c_t_d.reasoning_tokens
 * OpenAI Responses   input_tokens                               i_t_d.cached   0               output_tokens              o_t_d.reasoning_tokens
 * Anthropic          input_tokens + cache_read + cache_creation cache_read     cache_creation  output_tokens              0
 * Gemini             promptTokenCount + toolUsePromptTokenCount cachedContent  0               candidates + thoughts      thoughtsTokenCount
 * Bedrock Converse   inputTokens + cacheRead + cacheWrite       cacheRead      cacheWrite      outputTokens               0
 * </pre>
 */
final class ProviderUsage {

  static final String FIELD = "usage";

  /** The usage shapes TokenLedger reads. */
  enum Shape {
    OPENAI_CHAT("OpenAI Chat Completions (prompt_tokens, completion_tokens)",
        Set.of("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details")),
    OPENAI_RESPONSES("OpenAI Responses (input_tokens, output_tokens, input_tokens_details)",
        Set.of("input_tokens_details", "output_tokens_details")),
    ANTHROPIC("Anthropic Messages (input_tokens, output_tokens, cache_read_input_tokens)",
        Set.of("cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation")),
    // camelCase as the REST API sends it; snake_case as the Python SDK (google-genai) serializes it;
    // responseTokenCount is the Live API's name of candidatesTokenCount.
    GEMINI("Gemini usageMetadata (promptTokenCount, candidatesTokenCount; or prompt_token_count, …)",
        Set.of("promptTokenCount", "candidatesTokenCount", "totalTokenCount", "cachedContentTokenCount",
            "thoughtsTokenCount", "toolUsePromptTokenCount", "responseTokenCount",
            "prompt_token_count", "candidates_token_count", "total_token_count", "cached_content_token_count",
            "thoughts_token_count", "tool_use_prompt_token_count", "response_token_count")),
    BEDROCK_CONVERSE("Bedrock Converse (inputTokens, outputTokens, cacheReadInputTokens)",
        Set.of("inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens", "cacheWriteInputTokens"));

    final String description;
    final Set<String> markers;

    Shape(String description, Set<String> markers) {
      this.description = description;
      this.markers = markers;
    }
  }

  private static final String KNOWN = EnumSet.allOf(Shape.class).stream().map(s -> s.description)
      .collect(Collectors.joining("; "));

  private final FieldReader fields;
  private final JsonNode usage;
  private final String path;

  private ProviderUsage(FieldReader fields, JsonNode usage, String path) {
    this.fields = fields;
    this.usage = usage;
    this.path = path;
  }

  /**
   * The counts of {@code usage}, or empty with the errors recorded in {@code fields}.
   *
   * @param provider the event's provider (lower-case), when known
   */
  static Optional<TokenCounts> normalize(JsonNode usage, Optional<String> provider, FieldReader fields) {
    if (!usage.isObject()) {
      fields.reject(FIELD, "must be the provider's usage object as returned, like {\"prompt_tokens\":12,"
          + "\"completion_tokens\":3} (got " + FieldReader.echo(usage) + ")");
      return Optional.empty();
    }
    String path = FIELD;
    for (String wrapper : List.of("usageMetadata", "usage_metadata")) {
      if (usage.has(wrapper)) {
        if (usage.size() > 1 || !usage.get(wrapper).isObject()) {
          fields.reject(FIELD + "." + wrapper, "must be Gemini's usageMetadata object and the only field of usage"
              + " (or send its content as usage)");
          return Optional.empty();
        }
        usage = usage.get(wrapper);
        path = FIELD + "." + wrapper;
        break;
      }
    }
    Optional<Shape> shape = detect(usage, provider, path, fields);
    if (shape.isEmpty()) {
      return Optional.empty();
    }
    ProviderUsage reader = new ProviderUsage(fields, usage, path);
    int errorsBefore = fields.errors().size();
    TokenCounts counts = switch (shape.get()) {
      case OPENAI_CHAT -> reader.openAiChat(provider);
      case OPENAI_RESPONSES -> reader.openAiResponses();
      case ANTHROPIC -> reader.anthropic();
      case GEMINI -> reader.gemini();
      case BEDROCK_CONVERSE -> reader.bedrockConverse();
    };
    return fields.errors().size() == errorsBefore ? Optional.ofNullable(counts) : Optional.empty();
  }

  static Optional<Shape> detect(JsonNode usage, Optional<String> provider, String path, FieldReader fields) {
    Set<Shape> shapes = EnumSet.noneOf(Shape.class);
    for (Shape shape : Shape.values()) {
      if (shape.markers.stream().anyMatch(usage::has)) {
        shapes.add(shape);
      }
    }
    // Gemini's snake_case has prompt_tokens_details too (a list by modality): without OpenAI's own
    // counts that name is not OpenAI's.
    if (shapes.contains(Shape.GEMINI) && !usage.has("prompt_tokens") && !usage.has("completion_tokens")) {
      shapes.remove(Shape.OPENAI_CHAT);
    }
    boolean inputOutput = usage.has("input_tokens") || usage.has("output_tokens");
    if (inputOutput && usage.has("total_tokens") && !shapes.contains(Shape.OPENAI_CHAT)) {
      shapes.add(Shape.OPENAI_RESPONSES); // Responses always sends total_tokens; Anthropic never does
    }
    if (shapes.isEmpty() && inputOutput) {
      String p = provider.orElse("");
      if (p.equals("anthropic")) {
        shapes.add(Shape.ANTHROPIC);
      } else if (p.equals("openai") || p.equals("azure") || p.equals("xai")) {
        shapes.add(Shape.OPENAI_RESPONSES);
      } else {
        fields.reject(path, "has input_tokens/output_tokens, which Anthropic (input excludes cache reads) and OpenAI"
            + " Responses (input includes them) both use; set provider to anthropic or openai, or send the whole"
            + " usage object as returned");
        return Optional.empty();
      }
    }
    if (shapes.size() > 1) {
      fields.reject(path, "mixes the fields of " + shapes.stream().map(s -> s.description)
          .collect(Collectors.joining(" and ")) + "; send one provider's usage object as it returned it");
      return Optional.empty();
    }
    if (shapes.isEmpty()) {
      List<String> names = new ArrayList<>();
      usage.fieldNames().forEachRemaining(names::add);
      fields.reject(path, "is not a usage shape TokenLedger reads (got fields " + FieldReader.shorten(names.toString())
          + "); send one of: " + KNOWN + "; or the normalized inputTokens/outputTokens fields instead of usage");
      return Optional.empty();
    }
    return Optional.of(shapes.iterator().next());
  }

  private TokenCounts openAiChat(Optional<String> provider) {
    long prompt = required("prompt_tokens");
    long completion = optional("completion_tokens");
    long cached = optional("prompt_tokens_details", "cached_tokens");
    long reasoning = optional("completion_tokens_details", "reasoning_tokens");
    OptionalLong total = present("total_tokens");
    if (!valid()) {
      return null;
    }
    subset(cached, "prompt_tokens_details.cached_tokens", prompt, "prompt_tokens", "OpenAI's prompt_tokens include cached tokens");
    // OpenAI counts reasoning inside completion_tokens; xAI (and some compatible providers) outside,
    // adding it to total_tokens. total_tokens says which; without it, the provider does.
    boolean reasoningSeparate;
    if (total.isPresent()) {
      long inclusive = sum(prompt, completion);
      long separate = sum(prompt, completion, reasoning);
      if (total.getAsLong() == inclusive) {
        reasoningSeparate = false;
      } else if (total.getAsLong() == separate) {
        reasoningSeparate = true;
      } else {
        fields.reject(name("total_tokens"), "must be prompt_tokens + completion_tokens (" + inclusive
            + "), or that + completion_tokens_details.reasoning_tokens (" + separate + ") for providers that count"
            + " reasoning apart, as xAI (got " + total.getAsLong() + "); send the usage object unchanged");
        return null;
      }
    } else {
      reasoningSeparate = provider.filter("xai"::equals).isPresent();
    }
    long output = reasoningSeparate ? sum(completion, reasoning) : completion;
    if (!reasoningSeparate) {
      subset(reasoning, "completion_tokens_details.reasoning_tokens", completion, "completion_tokens",
          "OpenAI's completion_tokens include reasoning tokens");
    }
    // prompt_tokens_details also counts audio (OpenAI) and image tokens (xAI, OpenRouter) within
    // prompt_tokens; completion_tokens_details audio and image tokens within completion_tokens.
    return TokenCounts.reported(prompt, output, cached, 0, reasoning).withModalities(
        optional("prompt_tokens_details", "audio_tokens"), optional("prompt_tokens_details", "image_tokens"),
        optional("completion_tokens_details", "audio_tokens"), optional("completion_tokens_details", "image_tokens"));
  }

  private TokenCounts openAiResponses() {
    long input = required("input_tokens");
    long output = required("output_tokens");
    long cached = optional("input_tokens_details", "cached_tokens");
    long reasoning = optional("output_tokens_details", "reasoning_tokens");
    OptionalLong total = present("total_tokens");
    if (!valid()) {
      return null;
    }
    subset(cached, "input_tokens_details.cached_tokens", input, "input_tokens", "Responses' input_tokens include cached tokens");
    subset(reasoning, "output_tokens_details.reasoning_tokens", output, "output_tokens",
        "Responses' output_tokens include reasoning tokens");
    total(total, "input_tokens + output_tokens", sum(input, output));
    // The Images API (gpt-image) reports its usage in this shape, with image and text parts.
    return TokenCounts.reported(input, output, cached, 0, reasoning).withModalities(
        optional("input_tokens_details", "audio_tokens"), optional("input_tokens_details", "image_tokens"),
        optional("output_tokens_details", "audio_tokens"), optional("output_tokens_details", "image_tokens"));
  }

  private TokenCounts anthropic() {
    long uncached = required("input_tokens");
    long output = required("output_tokens");
    long read = optional("cache_read_input_tokens");
    long write = optional("cache_creation_input_tokens");
    JsonNode breakdown = usage.get("cache_creation");
    long fiveMinutes = optional("cache_creation", "ephemeral_5m_input_tokens");
    long oneHour = optional("cache_creation", "ephemeral_1h_input_tokens");
    if (!valid()) {
      return null;
    }
    if (breakdown != null && breakdown.isObject() && !usage.has("cache_creation_input_tokens")) {
      write = sum(fiveMinutes, oneHour);
    } else if (breakdown != null && breakdown.isObject()
        && (breakdown.has("ephemeral_5m_input_tokens") || breakdown.has("ephemeral_1h_input_tokens"))
        && sum(fiveMinutes, oneHour) != write) {
      fields.reject(name("cache_creation"), "ephemeral_5m_input_tokens + ephemeral_1h_input_tokens must equal "
          + "cache_creation_input_tokens (got " + fiveMinutes + " + " + oneHour + " ≠ " + write + ")");
      return null;
    }
    // Anthropic's input_tokens exclude cache reads and writes: every prompt token is the sum.
    long input = sum(uncached, read, write);
    return TokenCounts.reported(input, output, read, write, 0).withCacheWrite1h(oneHour)
        .withServiceTier(text("service_tier"));
  }

  private TokenCounts gemini() {
    // The Python SDK's model_dump() names every field in snake_case (absent ones as null).
    boolean snake = usage.has("prompt_token_count") || usage.has("total_token_count")
        || usage.has("candidates_token_count") || usage.has("response_token_count");
    java.util.function.UnaryOperator<String> n = camel -> snake ? snakeCase(camel) : camel;
    if (!usage.hasNonNull(n.apply("promptTokenCount")) && !usage.hasNonNull(n.apply("totalTokenCount"))) {
      fields.reject(name(n.apply("promptTokenCount")), "is required (Gemini's usageMetadata always has promptTokenCount)");
      return null;
    }
    // Gemini leaves out counts that are 0.
    long prompt = optional(n.apply("promptTokenCount"));
    long toolUse = optional(n.apply("toolUsePromptTokenCount"));
    OptionalLong candidatesCount = present(n.apply("candidatesTokenCount"));
    // The Live API (BidiGenerateContent) names the same count responseTokenCount.
    OptionalLong responseCount = present(n.apply("responseTokenCount"));
    long thoughts = optional(n.apply("thoughtsTokenCount"));
    long cached = optional(n.apply("cachedContentTokenCount"));
    OptionalLong total = present(n.apply("totalTokenCount"));
    if (!valid()) {
      return null;
    }
    if (candidatesCount.isPresent() && responseCount.isPresent() && candidatesCount.getAsLong() != responseCount.getAsLong()) {
      fields.reject(name(n.apply("responseTokenCount")), "is the Live API's name of " + n.apply("candidatesTokenCount")
          + " and contradicts it (got " + responseCount.getAsLong() + " ≠ " + candidatesCount.getAsLong() + ")");
      return null;
    }
    long candidates = candidatesCount.orElse(responseCount.orElse(0));
    subset(cached, n.apply("cachedContentTokenCount"), prompt, n.apply("promptTokenCount"),
        "Gemini's promptTokenCount includes cached content");
    long input = sum(prompt, toolUse);
    // Thoughts are billed as output but not counted in candidatesTokenCount.
    long output = sum(candidates, thoughts);
    total(total, n.apply("promptTokenCount") + " + " + n.apply("toolUsePromptTokenCount") + " + "
        + n.apply("candidatesTokenCount") + " + " + n.apply("thoughtsTokenCount"), sum(input, output));
    // Per-modality lists break down promptTokenCount, toolUsePromptTokenCount and candidatesTokenCount
    // (responseTokenCount in the Live API). Video and document tokens are billed as text by Gemini's
    // price list, so only audio and image are kept apart.
    long[] prompted = modalities(n.apply("promptTokensDetails"), snake);
    long[] toolUsed = modalities(n.apply("toolUsePromptTokensDetails"), snake);
    long[] responded = modalities(n.apply(candidatesCount.isPresent() || !responseCount.isPresent()
        ? "candidatesTokensDetails" : "responseTokensDetails"), snake);
    return TokenCounts.reported(input, output, cached, 0, thoughts).withModalities(
        sum(prompted[AUDIO], toolUsed[AUDIO]), sum(prompted[IMAGE], toolUsed[IMAGE]), responded[AUDIO],
        responded[IMAGE]);
  }

  private static final int AUDIO = 0;
  private static final int IMAGE = 1;

  /**
   * The audio and image tokens of a Gemini {@code ModalityTokenCount} list ({@code
   * [{"modality":"AUDIO","tokenCount":512}]}); modalities it does not price apart are ignored.
   */
  private long[] modalities(String field, boolean snake) {
    long[] counts = new long[2];
    JsonNode list = usage.get(field);
    if (list == null || list.isNull()) {
      return counts;
    }
    if (!list.isArray()) {
      fields.reject(name(field), "must be a list of {modality, tokenCount} (got " + FieldReader.echo(list) + ")");
      return counts;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode entry = list.get(i);
      String modality = entry.path("modality").asText("");
      int slot = modality.equals("AUDIO") ? AUDIO : modality.equals("IMAGE") ? IMAGE : -1;
      if (slot >= 0) {
        String count = snake ? "token_count" : "tokenCount";
        counts[slot] = sum(counts[slot], fields.tokens(entry.get(count), name(field + "[" + i + "]." + count)).orElse(0));
      }
    }
    return counts;
  }

  /** promptTokenCount → prompt_token_count. */
  private static String snakeCase(String camel) {
    StringBuilder snake = new StringBuilder();
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }

  private TokenCounts bedrockConverse() {
    long uncached = required("inputTokens");
    long output = required("outputTokens");
    long read = optional("cacheReadInputTokens");
    long write = optional("cacheWriteInputTokens");
    OptionalLong total = present("totalTokens");
    if (!valid()) {
      return null;
    }
    // Converse's inputTokens exclude cache reads and writes (totalTokens = all four).
    long input = sum(uncached, read, write);
    total(total, "inputTokens + cacheReadInputTokens + cacheWriteInputTokens + outputTokens",
        sum(input, output));
    return TokenCounts.reported(input, output, read, write, 0);
  }

  private long required(String field) {
    if (!usage.hasNonNull(field)) {
      fields.reject(name(field), "is required in this usage shape; send the usage object as the provider returned it");
      return 0;
    }
    return optional(field);
  }

  private long optional(String field) {
    return fields.tokens(usage.get(field), name(field)).orElse(0);
  }

  private long optional(String parent, String field) {
    JsonNode details = usage.get(parent);
    if (details == null || details.isNull()) {
      return 0;
    }
    if (!details.isObject()) {
      fields.reject(name(parent), "must be an object (got " + FieldReader.echo(details) + ")");
      return 0;
    }
    return fields.tokens(details.get(field), name(parent + "." + field)).orElse(0);
  }

  /** A text field of the usage object, or null. */
  private String text(String field) {
    JsonNode value = usage.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private OptionalLong present(String field) {
    return fields.tokens(usage.get(field), name(field));
  }

  private boolean valid() {
    return fields.errors().stream().noneMatch(e -> e.field().startsWith(path));
  }

  private void subset(long part, String partName, long whole, String wholeName, String why) {
    if (part > whole) {
      fields.reject(name(partName), "must be ≤ " + wholeName + " (got " + part + " > " + whole + "): " + why);
    }
  }

  private void total(OptionalLong total, String formula, long expected) {
    if (total.isPresent() && total.getAsLong() != expected && valid()) {
      String field = usage.has("totalTokenCount") ? "totalTokenCount" : usage.has("total_token_count") ? "total_token_count"
          : usage.has("totalTokens") ? "totalTokens" : "total_tokens";
      fields.reject(name(field), "must equal " + formula + " (" + expected + ", got " + total.getAsLong()
          + "); the counts contradict each other, send the usage object unchanged");
    }
  }

  /** The sum of a few counts, each at most 10^12 ({@link FieldReader#tokens}): it always fits a long. */
  private static long sum(long... values) {
    long total = 0;
    for (long value : values) {
      total += value;
    }
    return total;
  }

  private String name(String field) {
    return path + "." + field;
  }
}
