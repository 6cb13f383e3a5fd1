package dev.tokenledger.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Model prices in and out of JSON: USD per million tokens as decimal strings, nano-USD inside. */
final class PriceJson {

  /** Where versions of the shipped catalogue start: they price all history until corrected. */
  static final Instant SINCE_ALWAYS = Instant.EPOCH;
  private static final String DEFAULT_CATALOG = "/pricing/default-catalog.json";
  private static final ObjectMapper JSON = Json.newMapper();
  private static final Set<String> PUT_FIELDS = Set.of("effectiveFrom", "inputPerMillionUsd", "outputPerMillionUsd",
      "cachedInputPerMillionUsd", "cacheWritePerMillionUsd", "reasoningPerMillionUsd", "contextWindow", "source");

  private PriceJson() {}

  /** The catalogue shipped in the jar, each model with one version in force since always. */
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
        version.setSource(entry.path("source").asText() + " (catalogue checked " + checked + ")");
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
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!PUT_FIELDS.contains(name)) {
        errors.add(new FieldError(name, "is not a price field (expected one of " + new TreeSet<>(PUT_FIELDS) + ")"));
      }
    }
    Instant effectiveFrom = now;
    if (body.hasNonNull("effectiveFrom")) {
      try {
        effectiveFrom = Instant.parse(body.get("effectiveFrom").asText());
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
    List<PriceVersion> versions = new ArrayList<>();
    if (current != null) {
      Instant replaced = effectiveFrom;
      current.getVersions().stream().filter(v -> !v.getEffectiveFrom().equals(replaced)).forEach(versions::add);
    }
    versions.add(version);
    versions.sort(Comparator.comparing(PriceVersion::getEffectiveFrom));
    return ModelPrice.newBuilder().setProvider(provider).setModel(model)
        .setContextWindow(contextWindow).setVersions(versions).build();
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
      row.put("cachedInputPerMillionUsd", v.getCachedInputPerMillionNanos() == null ? null : Usd.format(v.getCachedInputPerMillionNanos()));
      row.put("cacheWritePerMillionUsd", v.getCacheWritePerMillionNanos() == null ? null : Usd.format(v.getCacheWritePerMillionNanos()));
      row.put("reasoningPerMillionUsd", v.getReasoningPerMillionNanos() == null ? null : Usd.format(v.getReasoningPerMillionNanos()));
      row.put("contextWindow", price.getContextWindow());
      row.put("source", v.getSource());
      rows.add(row);
    }
    return rows;
  }

  private static PriceVersion version(JsonNode node, Instant effectiveFrom, List<FieldError> errors) {
    return PriceVersion.newBuilder()
        .setEffectiveFrom(effectiveFrom)
        .setInputPerMillionNanos(usd(node, "inputPerMillionUsd", true, errors))
        .setOutputPerMillionNanos(usd(node, "outputPerMillionUsd", true, errors))
        .setCachedInputPerMillionNanos(usdOrNull(node, "cachedInputPerMillionUsd", errors))
        .setCacheWritePerMillionNanos(usdOrNull(node, "cacheWritePerMillionUsd", errors))
        .setReasoningPerMillionNanos(usdOrNull(node, "reasoningPerMillionUsd", errors))
        .build();
  }

  private static Long usdOrNull(JsonNode node, String field, List<FieldError> errors) {
    return node.hasNonNull(field) ? usd(node, field, false, errors) : null;
  }

  private static long usd(JsonNode node, String field, boolean required, List<FieldError> errors) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        errors.add(new FieldError(field, "is required: USD per million tokens, like \"2.50\""));
      }
      return 0;
    }
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
