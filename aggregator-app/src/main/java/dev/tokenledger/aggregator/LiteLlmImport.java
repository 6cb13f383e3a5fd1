package dev.tokenledger.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceRates;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.PromptTier;
import dev.tokenledger.schemas.avro.ServiceTierPrice;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * LiteLLM's {@code model_prices_and_context_window.json} read into catalogue entries, and how
 * they differ from the catalogue. LiteLLM writes USD per token as JSON floats ({@code 3e-06}):
 * each is read from its text as a decimal (the parser is set to, never through a double) and
 * must come out a whole nano-USD per million tokens.
 */
final class LiteLlmImport {

  /** One catalogue entry the file states. */
  record Entry(String liteLlmKey, String provider, String model, Long contextWindow, PriceVersion version,
      List<String> ignoredKeys) {
    String key() {
      return Pricing.key(provider, model);
    }
  }

  /** A file entry that is not imported, and why. */
  record Skipped(String entry, String reason) {}

  /** A price that differs: null {@code from} is new, null {@code to} is gone. */
  record Change(String price, String from, String to) {}

  record Changed(Entry entry, List<Change> changes) {}

  /** What importing the file would do to the catalogue. */
  record Preview(List<Entry> added, List<Changed> changed, int unchanged, List<String> removed, List<Skipped> skipped) {}

  /** Where LiteLLM's price keys go, by their name without tier or threshold suffix. */
  private static final Map<String, String> PRICES = Map.of(
      "input_cost_per_token", "inputPerMillionNanos",
      "output_cost_per_token", "outputPerMillionNanos",
      "cache_read_input_token_cost", "cachedInputPerMillionNanos",
      "cache_creation_input_token_cost", "cacheWritePerMillionNanos",
      "cache_creation_input_token_cost_above_1hr", "cacheWrite1hPerMillionNanos",
      "output_cost_per_reasoning_token", "reasoningPerMillionNanos",
      "input_cost_per_audio_token", "inputAudioPerMillionNanos",
      "input_cost_per_image_token", "inputImagePerMillionNanos",
      "output_cost_per_audio_token", "outputAudioPerMillionNanos",
      "output_cost_per_image_token", "outputImagePerMillionNanos");
  /** LiteLLM's service-tier suffixes and the tier names events carry (OpenAI's {@code service_tier}). */
  private static final Map<String, String> SERVICE_TIERS = Map.of("_batches", "batch", "_flex", "flex", "_priority", "priority");
  private static final Pattern SERVICE_TIER_SUFFIX = Pattern.compile("^(.+?)(_batches|_flex|_priority)$");
  private static final Pattern ABOVE_TOKENS = Pattern.compile("^(.+)_above_(\\d+)k_tokens$");
  /** Billed per something other than a token, which events do not count. */
  private static final Pattern OTHER_UNIT =
      Pattern.compile("_per_(second|character|image|pixel|query|request|page|minute)(?!_token)");
  /**
   * Charges for tools around a call (web search, code interpreter …), not for its tokens: no reason
   * to skip an entry, and not imported (listed with its ignored keys).
   */
  private static final Pattern TOOL_CHARGE = Pattern.compile("^(search_context_cost|code_interpreter_cost|file_search_cost"
      + "|vector_store_cost|computer_use_(input|output)_cost)");
  private static final BigDecimal FEMTOS_PER_USD = BigDecimal.ONE.movePointRight(15);
  /** LiteLLM provider names that differ from the event's provider. */
  private static final Map<String, String> PROVIDERS = Map.of("gemini", "google", "text-completion-openai", "openai",
      "text-completion-codestral", "mistral", "codestral", "mistral");

  /** The most a file may be: LiteLLM's is under 2 MB. Other requests keep the server's 64 KiB. */
  private static final int MAX_FILE_BYTES = 32 * 1024 * 1024;
  private static final ObjectMapper JSON = Json.newMapper();

  private LiteLlmImport() {}

  /** The file, its numbers read as decimals from their text. */
  static JsonNode read(InputStream body) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(MAX_FILE_BYTES + 1);
    } catch (IOException e) {
      throw ProblemException.badRequest("body", "could not be read: " + e.getMessage());
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new ProblemException(Problem.of(413, "Content too large", "a price file may be at most " + MAX_FILE_BYTES + " bytes"));
    }
    JsonNode file;
    try {
      file = JSON.readTree(bytes);
    } catch (IOException e) {
      throw ProblemException.badRequest("body", "is not valid JSON: " + e.getMessage());
    }
    if (file == null || !file.isObject()) {
      throw ProblemException.badRequest("body", "must be LiteLLM's model_prices_and_context_window.json: an object of models");
    }
    return file;
  }

  /** The preview as the API answers it. */
  static Map<String, Object> render(Preview preview, Instant effectiveFrom, boolean dryRun) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dryRun", dryRun);
    json.put("effectiveFrom", effectiveFrom.toString());
    json.put("added", preview.added().stream().map(e -> {
      Map<String, Object> model = model(e);
      model.put("prices", PriceJson.prices(e.version()));
      model.put("ignoredKeys", e.ignoredKeys());
      return model;
    }).toList());
    json.put("changed", preview.changed().stream().map(c -> {
      Map<String, Object> model = model(c.entry());
      model.put("changes", c.changes().stream().map(change -> {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("price", change.price());
        row.put("from", change.from());
        row.put("to", change.to());
        return row;
      }).toList());
      model.put("ignoredKeys", c.entry().ignoredKeys());
      return model;
    }).toList());
    json.put("unchanged", preview.unchanged());
    json.put("removed", preview.removed());
    json.put("skipped", preview.skipped().stream().map(s -> Map.of("entry", s.entry(), "reason", s.reason())).toList());
    return json;
  }

  private static Map<String, Object> model(Entry entry) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("provider", entry.provider());
    model.put("model", entry.model());
    model.put("liteLlmKey", entry.liteLlmKey());
    model.put("contextWindow", entry.contextWindow());
    return model;
  }

  /**
   * Every entry of the file that prices tokens, each as one version from {@code effectiveFrom};
   * the rest in {@code skipped}. {@code providers} (empty: all) keeps only those providers.
   */
  static List<Entry> entries(JsonNode file, Set<String> providers, Instant effectiveFrom, String source,
      List<Skipped> skipped) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = file.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode spec = field.getValue();
      if (name.equals("sample_spec")) {
        continue;
      }
      String liteLlmProvider = spec.path("litellm_provider").asText("");
      if (!spec.isObject() || liteLlmProvider.isBlank()) {
        skipped.add(new Skipped(name, "has no litellm_provider"));
        continue;
      }
      String provider = provider(liteLlmProvider);
      if (!providers.isEmpty() && !providers.contains(provider)) {
        continue;
      }
      Optional<String> unmappable = unmappable(spec);
      if (unmappable.isPresent()) {
        skipped.add(new Skipped(name, unmappable.get()));
        continue;
      }
      try {
        Entry entry = entry(name, spec, provider, model(name, liteLlmProvider, provider), effectiveFrom, source);
        Entry first = entries.putIfAbsent(entry.key(), entry);
        if (first != null) {
          skipped.add(new Skipped(name, "is " + entry.key() + " again, already imported from " + first.liteLlmKey()));
        }
      } catch (IllegalArgumentException | ArithmeticException e) {
        skipped.add(new Skipped(name, e.getMessage()));
      }
    }
    return List.copyOf(entries.values());
  }

  /**
   * How the entries differ from the catalogue's versions in force at their effectiveFrom. A model
   * of one of the file's providers that the file lacks is {@code removed}: reported, never deleted.
   */
  static Preview preview(List<Entry> entries, Collection<ModelPrice> catalogue, List<Skipped> skipped) {
    Map<String, ModelPrice> byKey = new TreeMap<>();
    catalogue.forEach(p -> byKey.put(Pricing.key(p.getProvider(), p.getModel()), p));
    List<Entry> added = new ArrayList<>();
    List<Changed> changed = new ArrayList<>();
    int unchanged = 0;
    for (Entry entry : entries) {
      ModelPrice current = byKey.get(entry.key());
      Optional<PriceVersion> inForce = current == null ? Optional.empty()
          : Pricing.inForceAt(current, entry.version().getEffectiveFrom());
      if (inForce.isEmpty()) {
        added.add(entry);
        continue;
      }
      List<Change> changes = changes(PriceJson.prices(inForce.get()), PriceJson.prices(entry.version()));
      if (entry.contextWindow() != null && !entry.contextWindow().equals(current.getContextWindow())) {
        changes.add(new Change("contextWindow", Objects.toString(current.getContextWindow(), null),
            entry.contextWindow().toString()));
      }
      if (changes.isEmpty()) {
        unchanged++;
      } else {
        changed.add(new Changed(entry, changes));
      }
    }
    Set<String> providers = entries.stream().map(Entry::provider).collect(Collectors.toSet());
    Set<String> imported = entries.stream().map(Entry::key).collect(Collectors.toSet());
    List<String> removed = byKey.entrySet().stream()
        .filter(e -> providers.contains(e.getValue().getProvider()) && !imported.contains(e.getKey()))
        .map(Map.Entry::getKey).toList();
    return new Preview(added, changed, unchanged, removed, List.copyOf(skipped));
  }

  private static List<Change> changes(Map<String, String> from, Map<String, String> to) {
    List<Change> changes = new ArrayList<>();
    Set<String> names = new TreeSet<>(from.keySet());
    names.addAll(to.keySet());
    for (String name : names) {
      if (!Objects.equals(from.get(name), to.get(name))) {
        changes.add(new Change(name, from.get(name), to.get(name)));
      }
    }
    return changes;
  }

  private static String provider(String liteLlmProvider) {
    String lower = liteLlmProvider.toLowerCase(Locale.ROOT);
    // vertex_ai-language-models, vertex_ai-anthropic_models …: all Vertex.
    return lower.startsWith("vertex_ai") ? "vertex_ai" : PROVIDERS.getOrDefault(lower, lower);
  }

  /** The key without its provider prefix: {@code gemini/gemini-2.5-pro} is Google's {@code gemini-2.5-pro}. */
  private static String model(String key, String liteLlmProvider, String provider) {
    int slash = key.indexOf('/');
    if (slash > 0) {
      String prefix = key.substring(0, slash).toLowerCase(Locale.ROOT);
      if (prefix.equals(liteLlmProvider.toLowerCase(Locale.ROOT)) || prefix.equals(provider) || provider(prefix).equals(provider)) {
        return key.substring(slash + 1);
      }
    }
    return key;
  }

  /**
   * Why an entry cannot be priced from token counts, if it cannot: it has no price per input or
   * output token (an embedding's output is free). Prices per second, character, image … beside
   * token prices are listed as ignored keys instead.
   */
  private static Optional<String> unmappable(JsonNode spec) {
    boolean embedding = spec.path("mode").asText().equals("embedding");
    if (spec.path("input_cost_per_token").isNumber() && (spec.path("output_cost_per_token").isNumber() || embedding)) {
      return Optional.empty();
    }
    List<String> otherUnits = new ArrayList<>();
    spec.fieldNames().forEachRemaining(name -> {
      if (name.contains("cost") && !TOOL_CHARGE.matcher(name).find() && OTHER_UNIT.matcher(name).find()) {
        otherUnits.add(name);
      }
    });
    return Optional.of(otherUnits.isEmpty() ? "has no input_cost_per_token and output_cost_per_token"
        : "is priced per second, character, image, pixel or request (" + String.join(", ", new TreeSet<>(otherUnits))
            + "), not per token: TokenLedger prices the tokens of a call");
  }

  private static Entry entry(String name, JsonNode spec, String provider, String model, Instant effectiveFrom, String source) {
    PriceRates standard = new PriceRates();
    Map<Long, PriceRates> promptTiers = new TreeMap<>();
    Map<String, PriceRates> serviceTiers = new TreeMap<>();
    List<String> ignored = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      if (!key.contains("cost") && !key.contains("pricing")) {
        continue;
      }
      String base = key;
      String serviceTier = null;
      Matcher tier = SERVICE_TIER_SUFFIX.matcher(base);
      if (tier.matches()) {
        base = tier.group(1);
        serviceTier = SERVICE_TIERS.get(tier.group(2));
      }
      Long above = null;
      Matcher threshold = ABOVE_TOKENS.matcher(base);
      if (threshold.matches()) {
        base = threshold.group(1);
        above = aboveTokens(key, threshold.group(2));
      }
      String price = PRICES.get(base);
      // A tier's long-context price has no place in the catalogue: service tiers have no prompt tiers.
      if (price == null || (serviceTier != null && above != null) || !field.getValue().isNumber()) {
        ignored.add(key);
        continue;
      }
      PriceRates rates = serviceTier != null ? serviceTiers.computeIfAbsent(serviceTier, t -> new PriceRates())
          : above != null ? promptTiers.computeIfAbsent(above, t -> new PriceRates()) : standard;
      rates.put(PriceRates.getClassSchema().getField(price).pos(), nanosPerMillion(key, field.getValue()));
    }
    Map<String, ServiceTierPrice> tiers = new TreeMap<>();
    serviceTiers.forEach((tierName, rates) -> tiers.put(tierName, serviceTier(standard, rates)));
    PriceVersion version = PriceVersion.newBuilder().setEffectiveFrom(effectiveFrom)
        .setInputPerMillionNanos(standard.getInputPerMillionNanos())
        .setOutputPerMillionNanos(Objects.requireNonNullElse(standard.getOutputPerMillionNanos(), 0L))
        .setCachedInputPerMillionNanos(standard.getCachedInputPerMillionNanos())
        .setCacheWritePerMillionNanos(standard.getCacheWritePerMillionNanos())
        .setCacheWrite1hPerMillionNanos(standard.getCacheWrite1hPerMillionNanos())
        .setReasoningPerMillionNanos(standard.getReasoningPerMillionNanos())
        .setInputAudioPerMillionNanos(standard.getInputAudioPerMillionNanos())
        .setInputImagePerMillionNanos(standard.getInputImagePerMillionNanos())
        .setOutputAudioPerMillionNanos(standard.getOutputAudioPerMillionNanos())
        .setOutputImagePerMillionNanos(standard.getOutputImagePerMillionNanos())
        .setPromptTiers(promptTiers.entrySet().stream().map(t -> new PromptTier(t.getKey(), t.getValue())).toList())
        .setServiceTiers(tiers)
        .setSource(source + " (" + name + ")")
        .build();
    // A multiplier that would not price exactly becomes the tier's own prices.
    if (!Pricing.inexactMultiplied(version).isEmpty()) {
      Map<String, ServiceTierPrice> ownPrices = new TreeMap<>();
      serviceTiers.forEach((tierName, rates) -> ownPrices.put(tierName, new ServiceTierPrice(null, rates)));
      version.setServiceTiers(ownPrices);
    }
    // LiteLLM writes some as 2000000.0; one past any real window (or not whole) is left out.
    JsonNode maxInput = spec.path("max_input_tokens");
    Long contextWindow = null;
    if (maxInput.isNumber() && maxInput.decimalValue().signum() > 0 && maxInput.decimalValue().stripTrailingZeros().scale() <= 0
        && maxInput.decimalValue().compareTo(BigDecimal.valueOf(EventRules.MAX_CONTEXT_WINDOW)) <= 0) {
      contextWindow = maxInput.decimalValue().longValueExact();
    } else if (!maxInput.isMissingNode() && !maxInput.isNull()) {
      ignored.add("max_input_tokens");
    }
    return new Entry(name, provider, model, contextWindow, version, List.copyOf(ignored));
  }

  /**
   * The tier as a multiplier when every price it lists is the same ratio of the standard price
   * (LiteLLM's batch prices are half of each), else as prices of its own.
   */
  private static ServiceTierPrice serviceTier(PriceRates standard, PriceRates tier) {
    Set<BigDecimal> ratios = new TreeSet<>();
    for (var field : PriceRates.getClassSchema().getFields()) {
      Long price = (Long) tier.get(field.pos());
      Long base = (Long) standard.get(field.pos());
      if (price == null || (price == 0 && base != null && base == 0)) {
        continue;
      }
      if (base == null || base == 0) {
        return new ServiceTierPrice(null, tier);
      }
      try {
        ratios.add(BigDecimal.valueOf(price).divide(BigDecimal.valueOf(base), MathContext.UNLIMITED).stripTrailingZeros());
      } catch (ArithmeticException endless) {
        return new ServiceTierPrice(null, tier);
      }
    }
    if (ratios.size() != 1 || ratios.iterator().next().scale() > 6 || tier.getInputPerMillionNanos() == null
        || ratios.iterator().next().compareTo(PriceJson.MAX_MULTIPLIER) > 0) {
      return new ServiceTierPrice(null, tier);
    }
    return new ServiceTierPrice(ratios.iterator().next().movePointRight(6).longValueExact(), null);
  }

  /** A tier's threshold as LiteLLM writes it ({@code _above_200k_tokens}), in tokens; at most any real prompt. */
  private static long aboveTokens(String key, String thousands) {
    try {
      long above = Math.multiplyExact(Long.parseLong(thousands), 1000L);
      if (above <= EventRules.MAX_TOKENS) {
        return above;
      }
    } catch (ArithmeticException | NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException("has " + key + ": a tier above more tokens than any prompt ("
        + EventRules.MAX_TOKENS + ")");
  }

  /** USD per token, as LiteLLM writes it, in nano-USD per million tokens, exactly. */
  private static long nanosPerMillion(String key, JsonNode value) {
    BigDecimal perToken = value.decimalValue();
    BigDecimal nanos = perToken.multiply(FEMTOS_PER_USD);
    if (perToken.signum() < 0 || nanos.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException("has " + key + " " + value.asText()
          + " USD, not a whole nano-USD per million tokens");
    }
    try {
      return nanos.longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("has " + key + " " + value.asText() + " USD per token, more than a price can be");
    }
  }
}
