package dev.tokenledger.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceRates;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.PromptTier;
import dev.tokenledger.schemas.avro.ServiceTierPrice;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/** Model prices in and out of JSON: USD per million tokens as decimal strings, nano-USD inside. */
final class PriceJson {

  /** Where versions of the shipped catalogue start: they price all history until corrected. */
  static final Instant SINCE_ALWAYS = Instant.EPOCH;
  private static final String DEFAULT_CATALOG = "/pricing/default-catalog.json";
  private static final ObjectMapper JSON = Json.newMapper();
  /** The prices of {@link PriceRates}, each as JSON names it: {@code inputPerMillionNanos} is {@code inputPerMillionUsd}. */
  private static final List<Schema.Field> RATES = PriceRates.getClassSchema().getFields();
  /** All but input and output, which a version must have and a tier may leave out. */
  private static final List<Schema.Field> OPTIONAL_RATES = RATES.subList(2, RATES.size());
  private static final Set<String> RATE_FIELDS = RATES.stream().map(PriceJson::jsonName).collect(Collectors.toUnmodifiableSet());
  private static final Set<String> PUT_FIELDS = Stream.concat(RATE_FIELDS.stream(),
      Stream.of("effectiveFrom", "contextWindow", "source", "promptTiers", "serviceTiers")).collect(Collectors.toUnmodifiableSet());
  private static final Set<String> PROMPT_TIER_FIELDS =
      Stream.concat(RATE_FIELDS.stream(), Stream.of("aboveInputTokens")).collect(Collectors.toUnmodifiableSet());
  private static final Set<String> SERVICE_TIER_FIELDS =
      Stream.concat(RATE_FIELDS.stream(), Stream.of("multiplier")).collect(Collectors.toUnmodifiableSet());
  /** A tier multiplier is at most this: a price list of its own says more than "a thousand times the price". */
  static final BigDecimal MAX_MULTIPLIER = BigDecimal.valueOf(1000);

  private PriceJson() {}

  /**
   * The catalogue shipped in the jar, each model with one version in force since always; each
   * entry's source says when it was checked (the catalogue's date when it does not say).
   */
  static List<ModelPrice> defaultCatalog() {
    try (InputStream in = PriceJson.class.getResourceAsStream(DEFAULT_CATALOG)) {
      JsonNode root = JSON.readTree(in);
      String checked = root.path("checked").asText();
      List<ModelPrice> models = new ArrayList<>();
      for (JsonNode entry : root.path("models")) {
        List<FieldError> errors = new ArrayList<>();
        PriceVersion version = version(entry, SINCE_ALWAYS, errors);
        if (!errors.isEmpty()) {
          throw new IllegalStateException(DEFAULT_CATALOG + " " + entry.path("model").asText() + ": " + errors);
        }
        version.setSource(entry.path("source").asText() + " (checked " + entry.path("checked").asText(checked) + ")");
        models.add(ModelPrice.newBuilder()
            .setProvider(entry.path("provider").asText())
            .setModel(entry.path("model").asText())
            .setContextWindow(entry.hasNonNull("contextWindow") ? entry.get("contextWindow").asLong() : null)
            .setVersions(List.of(version))
            .build());
      }
      return models;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DEFAULT_CATALOG, e);
    }
  }

  /**
   * The model's prices after a {@code PUT}: the version with the body's {@code effectiveFrom}
   * (default: now) is added, or replaced if one starts at that instant; the others stay.
   */
  static ModelPrice withVersion(ModelPrice current, String provider, String model, JsonNode body, Instant now) {
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("body", "must be a JSON object");
    }
    List<FieldError> errors = new ArrayList<>();
    unknownFields(body, "", PUT_FIELDS, errors);
    Instant effectiveFrom = now;
    if (body.hasNonNull("effectiveFrom")) {
      try {
        effectiveFrom = Instant.parse(body.get("effectiveFrom").asText());
        if (!CalendarWindow.supports(effectiveFrom)) {
          errors.add(new FieldError("effectiveFrom", "must be " + CalendarWindow.SUPPORTED_RANGE + " (got "
              + body.get("effectiveFrom") + ")"));
          effectiveFrom = now;
        }
      } catch (DateTimeParseException e) {
        errors.add(new FieldError("effectiveFrom", "must be an instant like 2026-12-01T00:00:00Z (got " + body.get("effectiveFrom") + ")"));
      }
    }
    PriceVersion version = version(body, effectiveFrom, errors);
    Long contextWindow = current == null ? null : current.getContextWindow();
    if (body.hasNonNull("contextWindow")) {
      JsonNode node = body.get("contextWindow");
      if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < 1) {
        errors.add(new FieldError("contextWindow", "must be a whole number of tokens ≥ 1 (got " + node + ")"));
      } else {
        contextWindow = node.asLong();
      }
    }
    if (!errors.isEmpty()) {
      throw new ProblemException(Problem.invalid("the price has " + errors.size() + " invalid field(s)", errors));
    }
    if (body.hasNonNull("source")) {
      version.setSource(body.get("source").asText());
    }
    return withVersion(current, provider, model, contextWindow, version);
  }

  /**
   * The model's prices with {@code version} added, or replacing the one that starts at the same
   * instant; {@code contextWindow} null keeps the model's.
   */
  static ModelPrice withVersion(ModelPrice current, String provider, String model, Long contextWindow, PriceVersion version) {
    List<PriceVersion> versions = new ArrayList<>();
    if (current != null) {
      current.getVersions().stream().filter(v -> !v.getEffectiveFrom().equals(version.getEffectiveFrom()))
          .forEach(versions::add);
    }
    versions.add(version);
    versions.sort(Comparator.comparing(PriceVersion::getEffectiveFrom));
    return ModelPrice.newBuilder().setProvider(provider).setModel(model)
        .setContextWindow(contextWindow != null ? contextWindow : current == null ? null : current.getContextWindow())
        .setVersions(versions).build();
  }

  /**
   * Every price a version sets, by name as the API shows it ({@code inputPerMillionUsd}, {@code
   * promptTiers[>200000].inputPerMillionUsd}, {@code serviceTiers.batch.multiplier}): what an
   * import compares.
   */
  static Map<String, String> prices(PriceVersion v) {
    Map<String, String> prices = new TreeMap<>();
    for (Schema.Field field : RATES) {
      Long nanos = (Long) v.get(PriceVersion.getClassSchema().getField(field.name()).pos());
      if (nanos != null) {
        prices.put(jsonName(field), Usd.format(nanos));
      }
    }
    for (PromptTier tier : v.getPromptTiers()) {
      renderSet(tier.getRates()).forEach((name, usd) ->
          prices.put("promptTiers[>" + tier.getAboveInputTokens() + "]." + name, (String) usd));
    }
    v.getServiceTiers().forEach((name, tier) -> {
      if (tier.getMultiplierPpm() != null) {
        prices.put("serviceTiers." + name + ".multiplier", multiplier(tier.getMultiplierPpm()));
      } else {
        renderSet(tier.getRates()).forEach((price, usd) -> prices.put("serviceTiers." + name + "." + price, (String) usd));
      }
    });
    return prices;
  }

  static String multiplier(long ppm) {
    return BigDecimal.valueOf(ppm, 6).stripTrailingZeros().toPlainString();
  }

  /** One entry per version, as {@code GET /v1/pricing} lists them. */
  static List<Map<String, Object>> render(ModelPrice price) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (PriceVersion v : price.getVersions()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("provider", price.getProvider());
      row.put("model", price.getModel());
      row.put("effectiveFrom", v.getEffectiveFrom().toString());
      row.put("inputPerMillionUsd", Usd.format(v.getInputPerMillionNanos()));
      row.put("outputPerMillionUsd", Usd.format(v.getOutputPerMillionNanos()));
      for (Schema.Field field : OPTIONAL_RATES) {
        Long nanos = (Long) v.get(PriceVersion.getClassSchema().getField(field.name()).pos());
        row.put(jsonName(field), nanos == null ? null : Usd.format(nanos));
      }
      List<Map<String, Object>> promptTiers = new ArrayList<>();
      for (PromptTier tier : v.getPromptTiers()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("aboveInputTokens", tier.getAboveInputTokens());
        json.putAll(renderSet(tier.getRates()));
        promptTiers.add(json);
      }
      row.put("promptTiers", promptTiers);
      Map<String, Object> serviceTiers = new TreeMap<>();
      v.getServiceTiers().forEach((name, tier) -> serviceTiers.put(name, tier.getMultiplierPpm() != null
          ? Map.of("multiplier", multiplier(tier.getMultiplierPpm()))
          : renderSet(tier.getRates())));
      row.put("serviceTiers", serviceTiers);
      row.put("contextWindow", price.getContextWindow());
      row.put("source", v.getSource());
      rows.add(row);
    }
    return rows;
  }

  /** The prices a tier sets, the others left out. */
  private static Map<String, Object> renderSet(PriceRates rates) {
    Map<String, Object> json = new LinkedHashMap<>();
    for (Schema.Field field : RATES) {
      if (rates.get(field.pos()) != null) {
        json.put(jsonName(field), Usd.format((Long) rates.get(field.pos())));
      }
    }
    return json;
  }

  /** The price version a catalogue entry or {@code PUT} body states; what is wrong is added to {@code errors}. */
  static PriceVersion version(JsonNode node, Instant effectiveFrom, List<FieldError> errors) {
    // Every field set: a builder left to fill in the tiers' defaults decodes them, which Avro only
    // allows for trusted classes (AvroSerde trusts ours, but need not have been loaded yet).
    PriceVersion version = PriceVersion.newBuilder().setEffectiveFrom(effectiveFrom)
        .setInputPerMillionNanos(requiredUsd(node, "inputPerMillionUsd", errors))
        .setOutputPerMillionNanos(requiredUsd(node, "outputPerMillionUsd", errors))
        .setPromptTiers(promptTiers(node.get("promptTiers"), errors))
        .setServiceTiers(serviceTiers(node.get("serviceTiers"), errors))
        .build();
    for (Schema.Field field : OPTIONAL_RATES) {
      if (node.hasNonNull(jsonName(field))) {
        version.put(PriceVersion.getClassSchema().getField(field.name()).pos(), usd(node.get(jsonName(field)), jsonName(field), errors));
      }
    }
    Pricing.inexactMultiplied(version).forEach(problem -> errors.add(new FieldError("serviceTiers",
        problem + ": a multiplier must price exactly; give the tier its own prices instead")));
    return version;
  }

  private static List<PromptTier> promptTiers(JsonNode node, List<FieldError> errors) {
    List<PromptTier> tiers = new ArrayList<>();
    if (node == null || node.isNull()) {
      return tiers;
    }
    if (!node.isArray()) {
      errors.add(new FieldError("promptTiers", "must be a list of {aboveInputTokens, prices} (got " + node + ")"));
      return tiers;
    }
    Set<Long> thresholds = new TreeSet<>();
    for (int i = 0; i < node.size(); i++) {
      String path = "promptTiers[" + i + "].";
      JsonNode tier = node.get(i);
      if (!tier.isObject()) {
        errors.add(new FieldError("promptTiers[" + i + "]", "must be an object (got " + tier + ")"));
        continue;
      }
      unknownFields(tier, path, PROMPT_TIER_FIELDS, errors);
      JsonNode above = tier.get("aboveInputTokens");
      if (above == null || !above.isIntegralNumber() || !above.canConvertToLong() || above.asLong() < 0) {
        errors.add(new FieldError(path + "aboveInputTokens",
            "is required: the prompt size in tokens above which the tier applies, a whole number ≥ 0 (got " + above + ")"));
        continue;
      }
      if (!thresholds.add(above.asLong())) {
        errors.add(new FieldError(path + "aboveInputTokens", "repeats " + above.asLong() + ": one tier per threshold"));
      }
      tiers.add(new PromptTier(above.asLong(), someRates(tier, path, errors)));
    }
    tiers.sort(Comparator.comparingLong(PromptTier::getAboveInputTokens));
    return tiers;
  }

  private static Map<String, ServiceTierPrice> serviceTiers(JsonNode node, List<FieldError> errors) {
    Map<String, ServiceTierPrice> tiers = new TreeMap<>();
    if (node == null || node.isNull()) {
      return tiers;
    }
    if (!node.isObject()) {
      errors.add(new FieldError("serviceTiers", "must map tier names to {multiplier} or prices (got " + node + ")"));
      return tiers;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getKey();
      String path = "serviceTiers." + name + ".";
      JsonNode tier = entry.getValue();
      if (!EventRules.isServiceTier(name) || name.equals("standard")) {
        errors.add(new FieldError("serviceTiers." + name, "must be named like batch, flex or priority: 1 to 32 lower-case"
            + " letters, digits, '_' or '-', and not standard (the version's own prices)"));
        continue;
      }
      if (!tier.isObject()) {
        errors.add(new FieldError("serviceTiers." + name, "must be an object (got " + tier + ")"));
        continue;
      }
      unknownFields(tier, path, SERVICE_TIER_FIELDS, errors);
      if (tier.has("multiplier")) {
        if (tier.size() > 1) {
          errors.add(new FieldError("serviceTiers." + name, "has a multiplier and prices: give one or the other"));
        }
        tiers.put(name, new ServiceTierPrice(multiplierPpm(tier.get("multiplier"), path + "multiplier", errors), null));
      } else {
        tiers.put(name, new ServiceTierPrice(null, someRates(tier, path, errors)));
      }
    }
    return tiers;
  }

  /** A decimal of at most 6 places, read exactly from its text, as parts per million. */
  private static long multiplierPpm(JsonNode value, String field, List<FieldError> errors) {
    String why = "must be a decimal ratio of the standard price with at most 6 decimals, above 0 and at most "
        + MAX_MULTIPLIER + ", like \"0.5\" for half price (got " + value + ")";
    if (!value.isTextual() && !value.isNumber() || value.asText().length() > Usd.MAX_TEXT_LENGTH) {
      errors.add(new FieldError(field, why));
      return 0;
    }
    try {
      BigDecimal ratio = new BigDecimal(value.asText().trim());
      if (ratio.signum() <= 0 || ratio.compareTo(MAX_MULTIPLIER) > 0 || ratio.stripTrailingZeros().scale() > 6) {
        errors.add(new FieldError(field, why));
        return 0;
      }
      return ratio.movePointRight(6).longValueExact();
    } catch (NumberFormatException e) {
      errors.add(new FieldError(field, why));
      return 0;
    }
  }

  /** The prices a tier sets: at least one. */
  private static PriceRates someRates(JsonNode node, String path, List<FieldError> errors) {
    PriceRates rates = rates(node, path, errors);
    if (RATES.stream().allMatch(f -> rates.get(f.pos()) == null)) {
      errors.add(new FieldError(path.substring(0, path.length() - 1), "sets no price (expected some of " + new TreeSet<>(RATE_FIELDS) + ")"));
    }
    return rates;
  }

  private static PriceRates rates(JsonNode node, String path, List<FieldError> errors) {
    PriceRates rates = new PriceRates();
    for (Schema.Field field : RATES) {
      String name = jsonName(field);
      if (node.hasNonNull(name)) {
        rates.put(field.pos(), usd(node.get(name), path + name, errors));
      }
    }
    return rates;
  }

  private static void unknownFields(JsonNode node, String path, Set<String> known, List<FieldError> errors) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        errors.add(new FieldError(path + name, "is not a price field (expected one of " + new TreeSet<>(known) + ")"));
      }
    }
  }

  private static String jsonName(Schema.Field field) {
    return field.name().replace("Nanos", "Usd");
  }

  private static long requiredUsd(JsonNode node, String field, List<FieldError> errors) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      errors.add(new FieldError(field, "is required: USD per million tokens, like \"2.50\""));
      return 0;
    }
    return usd(value, field, errors);
  }

  private static long usd(JsonNode value, String field, List<FieldError> errors) {
    if (!value.isTextual() && !value.isNumber()) {
      errors.add(new FieldError(field, "must be USD per million tokens, like \"2.50\" (got " + value + ")"));
      return 0;
    }
    try {
      return Usd.parseNanos(value.asText());
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(field, e.getMessage()));
      return 0;
    }
  }
}
