package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * OpenTelemetry GenAI span attributes ({@code "attributes":{"gen_ai.usage.input_tokens":…}}), as
 * the semantic conventions define them: {@code gen_ai.usage.input_tokens} counts every input token
 * and includes {@code gen_ai.usage.cache_read.input_tokens} and {@code
 * gen_ai.usage.cache_creation.input_tokens}; {@code gen_ai.usage.output_tokens} every output token.
 * The provider comes from {@code gen_ai.provider.name} (or the older {@code gen_ai.system}), the
 * model from {@code gen_ai.response.model} or {@code gen_ai.request.model}, unless the event names
 * them. Instrumentations that set input to Anthropic's {@code input_tokens} (without the cache)
 * show it by cache counts larger than the input: then input is their sum. Reasoning tokens ({@code gen_ai.usage.reasoning.output_tokens}) are part of the output.
 * Each count is also read under its other names in use: the semantic conventions' newer {@code
 * gen_ai.usage.cache_write.input_tokens}, OpenLLMetry's {@code
 * gen_ai.usage.cache_read_input_tokens} and {@code gen_ai.usage.cache_creation_input_tokens}
 * (both names with different values is an error). Audio and image parts of the input and output
 * come from the per-modality {@code gen_ai.usage.audio.input_tokens}, {@code
 * gen_ai.usage.image.output_tokens} and so on. Every other attribute — text and video counts,
 * {@code gen_ai.usage.total_tokens}, costs, anything a newer convention adds — is ignored, never
 * a reason to refuse the span's usage.
 */
final class OtelAttributes {

  static final String FIELD = "attributes";
  static final int MAX_ATTRIBUTES = 128;

  static final String INPUT = "gen_ai.usage.input_tokens";
  static final String OUTPUT = "gen_ai.usage.output_tokens";
  static final String CACHE_READ = "gen_ai.usage.cache_read.input_tokens";
  static final String CACHE_CREATION = "gen_ai.usage.cache_creation.input_tokens";
  static final String CACHE_WRITE = "gen_ai.usage.cache_write.input_tokens";
  static final String REASONING = "gen_ai.usage.reasoning.output_tokens";
  static final String AUDIO_INPUT = "gen_ai.usage.audio.input_tokens";
  static final String IMAGE_INPUT = "gen_ai.usage.image.input_tokens";
  static final String AUDIO_OUTPUT = "gen_ai.usage.audio.output_tokens";
  static final String IMAGE_OUTPUT = "gen_ai.usage.image.output_tokens";
  private static final List<String> MODALITIES = List.of(AUDIO_INPUT, IMAGE_INPUT, AUDIO_OUTPUT, IMAGE_OUTPUT);
  // OpenLLMetry's names (Traceloop's instrumentations), before the conventions had cache attributes.
  static final String OPENLLMETRY_CACHE_READ = "gen_ai.usage.cache_read_input_tokens";
  static final String OPENLLMETRY_CACHE_CREATION = "gen_ai.usage.cache_creation_input_tokens";
  // Deprecated names of input and output tokens in older semantic conventions.
  static final String LEGACY_INPUT = "gen_ai.usage.prompt_tokens";
  static final String LEGACY_OUTPUT = "gen_ai.usage.completion_tokens";
  static final String PROVIDER = "gen_ai.provider.name";
  static final String LEGACY_PROVIDER = "gen_ai.system";
  static final String RESPONSE_MODEL = "gen_ai.response.model";
  static final String REQUEST_MODEL = "gen_ai.request.model";

  /** Every name of a token count: a span with one of them reports GenAI usage. */
  static final Set<String> USAGE = Set.of(INPUT, OUTPUT, CACHE_READ, CACHE_CREATION, CACHE_WRITE, REASONING,
      OPENLLMETRY_CACHE_READ, OPENLLMETRY_CACHE_CREATION, LEGACY_INPUT, LEGACY_OUTPUT, AUDIO_INPUT, IMAGE_INPUT,
      AUDIO_OUTPUT, IMAGE_OUTPUT);
  /** The names of the call's provider and model. */
  static final Set<String> CALL = Set.of(PROVIDER, LEGACY_PROVIDER, RESPONSE_MODEL, REQUEST_MODEL);

  /** The semantic conventions' provider names that differ from TokenLedger's. */
  private static final Map<String, String> PROVIDERS = Map.of(
      "gcp.gemini", "google",
      "gcp.vertex_ai", "google",
      "gcp.gen_ai", "google",
      "x_ai", "xai",
      "aws.bedrock", "bedrock",
      "azure.ai.openai", "azure",
      "azure.ai.inference", "azure",
      "mistral_ai", "mistral",
      "ibm.watsonx.ai", "watsonx");

  /**
   * What the attributes say: counts, and the provider and model when they name them. {@code
   * badProvider}/{@code badModel}: they name one wrongly, which is already their error, so the
   * event's own field is not required on top of it.
   */
  record Result(TokenCounts counts, Optional<String> provider, Optional<String> model, boolean badProvider,
      boolean badModel) {}

  private OtelAttributes() {}

  static Optional<Result> read(JsonNode attributes, FieldReader fields) {
    if (!attributes.isObject()) {
      fields.reject(FIELD, "must be an object of OpenTelemetry attributes, like {\"" + INPUT + "\":12,\"" + OUTPUT
          + "\":3} (got " + FieldReader.echo(attributes) + ")");
      return Optional.empty();
    }
    if (attributes.size() > MAX_ATTRIBUTES) {
      fields.reject(FIELD, "must have at most " + MAX_ATTRIBUTES + " entries (got " + attributes.size() + ")");
      return Optional.empty();
    }
    int errorsBefore = fields.errors().size();

    int beforeProvider = fields.errors().size();
    Optional<String> provider = text(attributes, PROVIDER, fields).or(() -> text(attributes, LEGACY_PROVIDER, fields))
        .map(p -> p.toLowerCase(Locale.ROOT))
        .map(p -> PROVIDERS.getOrDefault(p, p));
    boolean badProvider = fields.errors().size() > beforeProvider;
    int beforeModel = fields.errors().size();
    Optional<String> model = text(attributes, RESPONSE_MODEL, fields).or(() -> text(attributes, REQUEST_MODEL, fields));
    boolean badModel = fields.errors().size() > beforeModel;

    OptionalLong input = count(attributes, INPUT, LEGACY_INPUT, fields);
    OptionalLong output = count(attributes, OUTPUT, LEGACY_OUTPUT, fields);
    long read = count(attributes, CACHE_READ, OPENLLMETRY_CACHE_READ, fields).orElse(0);
    OptionalLong written = count(attributes, CACHE_WRITE, CACHE_CREATION, fields);
    long creation = (written.isPresent() ? written : count(attributes, CACHE_WRITE, OPENLLMETRY_CACHE_CREATION, fields))
        .orElse(0);
    long reasoning = fields.tokens(attributes.get(REASONING), FIELD + "." + REASONING).orElse(0);
    long[] modalities = new long[4];
    for (int m = 0; m < modalities.length; m++) {
      String name = MODALITIES.get(m);
      modalities[m] = fields.tokens(attributes.get(name), FIELD + "." + name).orElse(0);
    }
    if (input.isEmpty() && output.isEmpty() && fields.errors().size() == errorsBefore) {
      fields.reject(FIELD, "must hold " + INPUT + " and/or " + OUTPUT + " (neither was sent)");
    }
    long in = input.orElse(0);
    if (read > in || creation > in - read) {
      // By the conventions input includes the cache counts; more cache than input is an
      // instrumentation that copied Anthropic's input_tokens (the uncached rest) as it came, so the
      // only reading that fits is that one: every prompt token is the sum.
      in = in + read + creation;
    }
    if (fields.errors().size() == errorsBefore && reasoning > output.orElse(0)) {
      fields.reject(FIELD + "." + REASONING, REASONING + " must be ≤ " + OUTPUT + " (got " + reasoning + " > "
          + output.orElse(0) + "): by the semantic conventions output tokens include reasoning ones");
    }
    // With errors the counts are not used (the item is rejected), but provider and model still are,
    // so the client hears only about what is actually wrong.
    TokenCounts counts = fields.errors().size() == errorsBefore
        ? TokenCounts.reported(in, output.orElse(0), read, creation, reasoning)
            .withModalities(modalities[0], modalities[1], modalities[2], modalities[3])
        : TokenCounts.ZERO;
    return Optional.of(new Result(counts, provider, model, badProvider, badModel));
  }

  /** The current attribute, or its other name; both present and different is an error. */
  private static OptionalLong count(JsonNode attributes, String name, String legacy, FieldReader fields) {
    OptionalLong current = fields.tokens(attributes.get(name), FIELD + "." + name);
    OptionalLong old = fields.tokens(attributes.get(legacy), FIELD + "." + legacy);
    if (current.isPresent() && old.isPresent() && current.getAsLong() != old.getAsLong()) {
      fields.reject(FIELD + "." + legacy, "is another name of " + name + " and contradicts it (got "
          + old.getAsLong() + " ≠ " + current.getAsLong() + "); send one of them");
      return OptionalLong.empty();
    }
    return current.isPresent() ? current : old;
  }

  private static Optional<String> text(JsonNode attributes, String name, FieldReader fields) {
    JsonNode value = attributes.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    // The same rule as the event's own provider and model fields.
    if (!value.isTextual() || value.textValue().isBlank() || value.textValue().length() > 256
        || value.textValue().chars().anyMatch(Character::isISOControl)) {
      fields.reject(FIELD + "." + name, "must be a string of 1 to 256 characters without control characters (got "
          + FieldReader.echo(value) + ")");
      return Optional.empty();
    }
    return Optional.of(value.textValue());
  }
}
