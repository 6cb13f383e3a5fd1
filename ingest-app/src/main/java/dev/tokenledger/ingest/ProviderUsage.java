package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.schemas.EventRules;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A provider's own usage object, as the provider returned it ({@code "usage":{…}} in an event),
 * normalized to TokenLedger's meanings. The shape is recognised by its fields; the provider only
 * decides between the two shapes that share {@code input_tokens}/{@code output_tokens}. Fields a
 * shape does not bill apart (timings, costs, text tokens, …) are ignored, never a reason to refuse
 * the usage; a count that contradicts another is the item's error, naming the field.
 *
 * <pre>
 * shape              input                                        cached          cache write          output                      reasoning
 * OpenAI chat        prompt_tokens (+ cached when total says      p_t_d.cached    p_t_d.cache_write    completion_tokens (+        c_t_d.reasoning_tokens
 *  and compatibles     it is outside, as some xAI models)                                                reasoning when apart, xAI)
 * OpenAI Responses   input_tokens                                 i_t_d.cached    i_t_d.cache_write    output_tokens               o_t_d.reasoning_tokens
 * Anthropic          Σ iterations (input + cache_read + creation) cache_read      cache_creation       Σ iterations output         o_t_d.thinking_tokens
 * Gemini             promptTokenCount + toolUsePromptTokenCount   cachedContent   0                    candidates + thoughts       thoughtsTokenCount
 * Bedrock Converse   inputTokens + cacheRead + cacheWrite         cacheRead       cacheWrite           outputTokens                0
 * Cohere             billed_units.input_tokens                    0               0                    billed_units.output_tokens  0
 * </pre>
 *
 * The fixtures in the tests are real responses; {@code fixtures/SOURCES.md} names each source.
 */
final class ProviderUsage {

  static final String FIELD = "usage";

  /** The usage shapes TokenLedger reads. */
  enum Shape {
    // DeepSeek adds prompt_cache_hit/miss_tokens; xAI's gRPC SDK names its cached tokens
    // cached_prompt_text_tokens.
    OPENAI_CHAT("OpenAI Chat Completions (prompt_tokens, completion_tokens)",
        Set.of("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details",
            "prompt_cache_hit_tokens", "prompt_cache_miss_tokens", "cached_prompt_text_tokens")),
    // The Realtime and transcription APIs name the details input_token_details/output_token_details.
    OPENAI_RESPONSES("OpenAI Responses (input_tokens, output_tokens, input_tokens_details)",
        Set.of("input_tokens_details", "output_tokens_details", "input_token_details", "output_token_details")),
    ANTHROPIC("Anthropic Messages (input_tokens, output_tokens, cache_read_input_tokens)",
        Set.of("cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation", "iterations",
            "server_tool_use", "inference_geo")),
    // camelCase as the REST API sends it; snake_case as the Python SDK (google-genai) serializes it;
    // responseTokenCount is the Live API's name of candidatesTokenCount.
    GEMINI("Gemini usageMetadata (promptTokenCount, candidatesTokenCount; or prompt_token_count, …)",
        Set.of("promptTokenCount", "candidatesTokenCount", "totalTokenCount", "cachedContentTokenCount",
            "thoughtsTokenCount", "toolUsePromptTokenCount", "responseTokenCount",
            "prompt_token_count", "candidates_token_count", "total_token_count", "cached_content_token_count",
            "thoughts_token_count", "tool_use_prompt_token_count", "response_token_count")),
    BEDROCK_CONVERSE("Bedrock Converse (inputTokens, outputTokens, cacheReadInputTokens)",
        Set.of("inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens", "cacheWriteInputTokens",
            "cacheReadInputTokenCount", "cacheWriteInputTokenCount", "cacheDetails")),
    COHERE("Cohere (billed_units, tokens)", Set.of("billed_units"));

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

  private final Optional<String> model;

  private ProviderUsage(FieldReader fields, JsonNode usage, String path, Optional<String> model) {
    this.fields = fields;
    this.usage = usage;
    this.path = path;
    this.model = model;
  }

  /**
   * The counts of {@code usage}, or empty with the errors recorded in {@code fields}.
   *
   * @param provider the event's provider (lower-case), when known
   * @param model the event's model id, when known
   */
  static Optional<TokenCounts> normalize(JsonNode usage, Optional<String> provider, Optional<String> model,
      FieldReader fields) {
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
    ProviderUsage reader = new ProviderUsage(fields, usage, path, model);
    int errorsBefore = fields.errors().size();
    TokenCounts counts = switch (shape.get()) {
      case OPENAI_CHAT -> reader.openAiChat(provider);
      case OPENAI_RESPONSES -> reader.openAiResponses();
      case ANTHROPIC -> reader.anthropic();
      case GEMINI -> reader.gemini();
      case BEDROCK_CONVERSE -> reader.bedrockConverse();
      case COHERE -> reader.cohere();
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
    // Anthropic's output_tokens_details holds thinking_tokens; OpenAI Responses' holds reasoning_tokens.
    if (usage.path("output_tokens_details").has("thinking_tokens") && !usage.has("input_tokens_details")) {
      shapes.remove(Shape.OPENAI_RESPONSES);
      shapes.add(Shape.ANTHROPIC);
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
    long cached = agreeing("prompt_tokens_details.cached_tokens", optionalDetail("prompt_tokens_details", "cached_tokens"),
        // Moonshot reports cached_tokens at the top; DeepSeek prompt_cache_hit_tokens; xAI's gRPC SDK
        // cached_prompt_text_tokens. Each is the same count under another name.
        "cached_tokens", present("cached_tokens"), "prompt_cache_hit_tokens", present("prompt_cache_hit_tokens"),
        "cached_prompt_text_tokens", present("cached_prompt_text_tokens"));
    OptionalLong missed = present("prompt_cache_miss_tokens");
    // OpenAI (since 2026) and OpenRouter count cache writes within prompt_tokens.
    long written = optional("prompt_tokens_details", "cache_write_tokens");
    long reasoning = agreeing("completion_tokens_details.reasoning_tokens",
        optionalDetail("completion_tokens_details", "reasoning_tokens"), "reasoning_tokens", present("reasoning_tokens"));
    OptionalLong total = present("total_tokens");
    if (!valid()) {
      return null;
    }
    // OpenAI counts reasoning inside completion_tokens and cached tokens inside prompt_tokens; xAI
    // counts reasoning outside, and for some models cached tokens outside too, adding them to
    // total_tokens. total_tokens says which; without it, the provider does.
    boolean xai = provider.filter("xai"::equals).isPresent();
    boolean reasoningSeparate;
    boolean cachedSeparate;
    if (total.isPresent()) {
      long t = total.getAsLong();
      long inclusive = sum(prompt, completion);
      if (t == inclusive) {
        reasoningSeparate = false;
        cachedSeparate = false;
      } else if (t == sum(inclusive, reasoning)) {
        reasoningSeparate = true;
        cachedSeparate = false;
      } else if (cached > prompt && (t == sum(inclusive, cached) || t == sum(inclusive, reasoning, cached))) {
        reasoningSeparate = t == sum(inclusive, reasoning, cached) && reasoning > 0;
        cachedSeparate = true;
      } else {
        fields.reject(name("total_tokens"), "must be prompt_tokens + completion_tokens (" + inclusive
            + "), or that + completion_tokens_details.reasoning_tokens (" + sum(inclusive, reasoning) + ") for"
            + " providers that count reasoning apart, as xAI (got " + t + "); send the usage object unchanged");
        return null;
      }
    } else {
      reasoningSeparate = xai;
      cachedSeparate = xai && cached > prompt;
    }
    long input = cachedSeparate ? sum(prompt, cached) : prompt;
    long output = reasoningSeparate ? sum(completion, reasoning) : completion;
    if (missed.isPresent() && sum(cached, missed.getAsLong()) != prompt) {
      fields.reject(name("prompt_cache_miss_tokens"), "prompt_cache_hit_tokens + prompt_cache_miss_tokens must equal"
          + " prompt_tokens (got " + cached + " + " + missed.getAsLong() + " ≠ " + prompt + "): DeepSeek's prompt is"
          + " the cache hits and misses");
    }
    subset(cached, "prompt_tokens_details.cached_tokens", input, "prompt_tokens",
        "OpenAI's prompt_tokens include cached tokens");
    subset(written, "prompt_tokens_details.cache_write_tokens", input - Math.min(cached, input), "prompt_tokens − cached",
        "prompt_tokens include cache reads and writes");
    if (!reasoningSeparate) {
      subset(reasoning, "completion_tokens_details.reasoning_tokens", completion, "completion_tokens",
          "OpenAI's completion_tokens include reasoning tokens");
    }
    // prompt_tokens_details also counts audio (OpenAI) and image tokens (xAI, OpenRouter) within
    // prompt_tokens; completion_tokens_details audio and image tokens within completion_tokens.
    return TokenCounts.reported(input, output, cached, written, reasoning).withModalities(
        optional("prompt_tokens_details", "audio_tokens"),
        agreeing("prompt_tokens_details.image_tokens", optionalDetail("prompt_tokens_details", "image_tokens"),
            "prompt_image_tokens", present("prompt_image_tokens")),
        optional("completion_tokens_details", "audio_tokens"), optional("completion_tokens_details", "image_tokens"));
  }

  /**
   * One count sent under several names (pairs of name and value); 0 when none is. Two that
   * differ are the item's error, naming the second.
   */
  private long agreeing(Object... namesAndValues) {
    OptionalLong agreed = OptionalLong.empty();
    String agreedName = null;
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String name = (String) namesAndValues[i];
      OptionalLong value = (OptionalLong) namesAndValues[i + 1];
      if (value.isEmpty()) {
        continue;
      }
      if (agreed.isPresent() && agreed.getAsLong() != value.getAsLong()) {
        fields.reject(name(name), "is another name of " + agreedName + " and contradicts it (got " + value.getAsLong()
            + " ≠ " + agreed.getAsLong() + ")");
        return 0;
      }
      agreed = value;
      agreedName = name;
    }
    return agreed.orElse(0);
  }

  /**
   * OpenAI Responses, and the same counts as the Realtime and transcription APIs name them
   * ({@code input_token_details}, {@code output_token_details}): input includes cached (and
   * cache-write) tokens, output includes reasoning; audio, image and text parts of each.
   */
  private TokenCounts openAiResponses() {
    String in = usage.has("input_tokens_details") ? "input_tokens_details" : "input_token_details";
    String out = usage.has("output_tokens_details") ? "output_tokens_details" : "output_token_details";
    long input = required("input_tokens");
    long output = required("output_tokens");
    long cached = optional(in, "cached_tokens");
    long written = optional(in, "cache_write_tokens");
    long reasoning = optional(out, "reasoning_tokens");
    OptionalLong total = present("total_tokens");
    if (!valid()) {
      return null;
    }
    subset(cached, in + ".cached_tokens", input, "input_tokens", "Responses' input_tokens include cached tokens");
    subset(written, in + ".cache_write_tokens", input - Math.min(cached, input), "input_tokens − cached",
        "Responses' input_tokens include cache reads and writes");
    subset(reasoning, out + ".reasoning_tokens", output, "output_tokens",
        "Responses' output_tokens include reasoning tokens");
    total(total, "input_tokens + output_tokens", sum(input, output));
    // The Images API (gpt-image) reports its usage in this shape, with image and text parts.
    return TokenCounts.reported(input, output, cached, written, reasoning).withModalities(
        optional(in, "audio_tokens"), optional(in, "image_tokens"), optional(out, "audio_tokens"),
        optional(out, "image_tokens"));
  }

  /**
   * Anthropic's usage: input_tokens exclude cache reads and writes, output_tokens include thinking
   * ({@code output_tokens_details.thinking_tokens}, "the inclusive, authoritative total used for
   * billing"). With {@code iterations} (compaction, advisor), the top-level numbers are only the
   * message iterations; Anthropic's docs: "To calculate total tokens consumed and billed … sum
   * across all entries in the usage.iterations array". An iteration on another model (an advisor's
   * {@code "model"}) is billed at that model's price, so it is counted as that model's.
   * message_delta's usage is cumulative, so the last one is the call's usage.
   */
  private TokenCounts anthropic() {
    long[] top = anthropicCounts();
    long thinking = optional("output_tokens_details", "thinking_tokens");
    JsonNode iterations = usage.get("iterations");
    if (top == null || !valid()) {
      return null;
    }
    subset(thinking, "output_tokens_details.thinking_tokens", top[OUT], "output_tokens",
        "Anthropic's output_tokens include thinking tokens");
    long[] main = top;
    Map<String, long[]> otherModels = new LinkedHashMap<>();
    if (iterations != null && !iterations.isNull() && !(iterations.isArray() && iterations.isEmpty())) {
      if (!iterations.isArray()) {
        fields.reject(name("iterations"), "must be Anthropic's list of iterations (got " + FieldReader.echo(iterations)
            + ")");
        return null;
      }
      main = new long[COUNTS];
      for (int i = 0; i < iterations.size(); i++) {
        JsonNode iteration = iterations.get(i);
        String where = path + ".iterations[" + i + "]";
        if (!iteration.isObject()) {
          fields.reject(where, "must be an object like the top-level usage (got " + FieldReader.echo(iteration) + ")");
          return null;
        }
        long[] counts = new ProviderUsage(fields, iteration, where, model).anthropicCounts();
        if (counts == null) {
          return null;
        }
        JsonNode itsModel = iteration.get("model");
        if (itsModel != null && !itsModel.isNull() && !validModelId(itsModel)) {
          fields.reject(where + ".model", "must be a model id of 1 to 256 characters without control characters (got "
              + FieldReader.echo(itsModel) + ")");
          return null;
        }
        boolean other = itsModel != null && itsModel.isTextual() && !model.filter(itsModel.textValue()::equals).isPresent();
        if (other && !otherModels.containsKey(itsModel.textValue()) && otherModels.size() == MAX_OTHER_MODELS) {
          fields.reject(name("iterations"), "name more than " + MAX_OTHER_MODELS + " other models; a call's advisors"
              + " are a few");
          return null;
        }
        long[] into = other ? otherModels.computeIfAbsent(itsModel.textValue(), m -> new long[COUNTS]) : main;
        for (int c = 0; c < COUNTS; c++) {
          into[c] = sum(into[c], counts[c]);
        }
      }
    }
    Map<String, TokenCounts> others = new LinkedHashMap<>();
    otherModels.forEach((m, counts) -> others.put(m, anthropicTokens(counts, 0)));
    return anthropicTokens(main, Math.min(thinking, main[OUT])).withServiceTier(text("service_tier"))
        .withOtherModels(others);
  }

  /** Each other model becomes an event: a hostile usage object must not make thousands. */
  private static final int MAX_OTHER_MODELS = 8;

  private static boolean validModelId(JsonNode id) {
    return id.isTextual() && !id.textValue().isBlank() && id.textValue().length() <= EventRules.MAX_TEXT_LENGTH
        && id.textValue().chars().noneMatch(Character::isISOControl);
  }

  private static final int IN = 0;
  private static final int OUT = 1;
  private static final int READ = 2;
  private static final int WRITE = 3;
  private static final int WRITE_1H = 4;
  private static final int COUNTS = 5;

  private static TokenCounts anthropicTokens(long[] counts, long thinking) {
    // Anthropic's input_tokens exclude cache reads and writes: every prompt token is the sum.
    return TokenCounts.reported(sum(counts[IN], counts[READ], counts[WRITE]), counts[OUT], counts[READ], counts[WRITE],
        thinking).withCacheWrite1h(counts[WRITE_1H]);
  }

  /** Uncached input, output, cache reads, writes and hour-long writes of one Anthropic usage object, or null. */
  private long[] anthropicCounts() {
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
    return new long[] {uncached, output, read, write, oneHour};
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
    // Gemini API's serviceTier ("standard"); Vertex names the kind of capacity trafficType (ON_DEMAND).
    String tier = text(n.apply("serviceTier"));
    return TokenCounts.reported(input, output, cached, 0, thoughts)
        .withServiceTier(tier != null ? tier : text(n.apply("trafficType")))
        .withModalities(
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

  /** Bedrock's OpenAI-family model ids, with or without an inference-profile region: us.openai.gpt-5.6-luna. */
  private static final Pattern BEDROCK_OPENAI = Pattern.compile("^([a-z]{2,4}\\.)?openai\\.");

  /**
   * Bedrock Converse and ConverseStream: inputTokens exclude cache reads and writes (totalTokens is
   * all four); cacheDetails splits the writes by TTL. Older SDKs also send the counts as
   * cacheReadInputTokenCount/cacheWriteInputTokenCount. ConverseStream for OpenAI-family models
   * does not follow the documented remainder-only inputTokens: measured on openai.gpt-5.6, the
   * stream reported inputTokens 4995 with cacheWriteInputTokens 4993 where the non-streaming call
   * reported 2 (maximhq/bifrost PR 6942; anomalyco/opencode issue 47296: Anthropic models
   * unaffected). For those models inputTokens at least the cache counts is read as including them.
   */
  private TokenCounts bedrockConverse() {
    long uncached = required("inputTokens");
    long output = required("outputTokens");
    long read = agreeing("cacheReadInputTokens", present("cacheReadInputTokens"), "cacheReadInputTokenCount",
        present("cacheReadInputTokenCount"));
    long write = agreeing("cacheWriteInputTokens", present("cacheWriteInputTokens"), "cacheWriteInputTokenCount",
        present("cacheWriteInputTokenCount"));
    long hourLong = cacheDetails1h();
    OptionalLong total = present("totalTokens");
    if (!valid()) {
      return null;
    }
    boolean openAiFamily = model.map(m -> BEDROCK_OPENAI.matcher(m.toLowerCase(Locale.ROOT)).find()).orElse(false);
    if (openAiFamily && sum(read, write) > 0 && uncached >= sum(read, write)) {
      uncached -= sum(read, write);
    }
    long input = sum(uncached, read, write);
    if (!openAiFamily) {
      total(total, "inputTokens + cacheReadInputTokens + cacheWriteInputTokens + outputTokens", sum(input, output));
    }
    subset(hourLong, "cacheDetails (ttl 1h)", write, "cacheWriteInputTokens", "cacheDetails splits the cache writes by TTL");
    return TokenCounts.reported(input, output, read, write, 0).withCacheWrite1h(hourLong);
  }

  /** The cache writes cacheDetails says were kept an hour ({@code [{"inputTokens":1712,"ttl":"5m"}]}). */
  private long cacheDetails1h() {
    JsonNode details = usage.get("cacheDetails");
    if (details == null || details.isNull()) {
      return 0;
    }
    if (!details.isArray()) {
      fields.reject(name("cacheDetails"), "must be a list of {inputTokens, ttl} (got " + FieldReader.echo(details) + ")");
      return 0;
    }
    long hourLong = 0;
    for (int i = 0; i < details.size(); i++) {
      if ("1h".equals(details.get(i).path("ttl").asText())) {
        hourLong = sum(hourLong, fields.tokens(details.get(i).get("inputTokens"),
            name("cacheDetails[" + i + "].inputTokens")).orElse(0));
      }
    }
    return hourLong;
  }

  /**
   * Cohere's v2 usage: {@code billed_units} is what Cohere charges ("billed tokens are the ones
   * users are charged for, while generic tokens may include additional tokens added by Cohere"),
   * so those are counted; {@code tokens} (with the prompt template) and {@code cached_tokens}
   * are not billed counts and are ignored.
   */
  private TokenCounts cohere() {
    long input = optional("billed_units", "input_tokens");
    long output = optional("billed_units", "output_tokens");
    if (!usage.path("billed_units").isObject()) {
      fields.reject(name("billed_units"), "must be Cohere's billed_units object (got "
          + FieldReader.echo(usage.get("billed_units")) + ")");
    }
    return valid() ? TokenCounts.reported(input, output, 0, 0, 0) : null;
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
    return optionalDetail(parent, field).orElse(0);
  }

  /** A count within a details object, or empty when either is absent; a parent that is not an object is an error. */
  private OptionalLong optionalDetail(String parent, String field) {
    JsonNode details = usage.get(parent);
    if (details == null || details.isNull()) {
      return OptionalLong.empty();
    }
    if (!details.isObject()) {
      if (fields.isValid(name(parent))) {
        fields.reject(name(parent), "must be an object (got " + FieldReader.echo(details) + ")");
      }
      return OptionalLong.empty();
    }
    return fields.tokens(details.get(field), name(parent + "." + field));
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
