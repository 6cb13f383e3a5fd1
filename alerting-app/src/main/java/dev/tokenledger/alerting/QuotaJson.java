package dev.tokenledger.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.OnStale;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Quota definitions in and out of JSON, with every field checked and every error named. */
final class QuotaJson {

  static final Pattern QUOTA_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Set<String> FIELDS = Set.of("subject", "metric", "period", "limit", "thresholds", "action", "rule",
      "onStale", "staleAfter");
  private static final Pattern STALE_AFTER = Pattern.compile("(\\d{1,7})(ms|s|m|h)");
  private static final List<Integer> DEFAULT_THRESHOLDS = List.of(8_000, 9_000, 10_000);

  private QuotaJson() {}

  /** The quota a PUT body describes, or a 400 listing every wrong field. */
  static QuotaDefinition parse(String quotaId, JsonNode body, Instant now) {
    if (!QUOTA_ID.matcher(quotaId).matches()) {
      throw ProblemException.badRequest("id", "must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit (got " + quotaId + ")");
    }
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("body", "must be a JSON object");
    }
    List<FieldError> errors = new ArrayList<>();
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        errors.add(new FieldError(name, "is not a quota field (expected one of " + new TreeSet<>(FIELDS) + ")"));
      }
    }
    String subject = text(body, "subject", errors);
    if (subject != null && !validSubject(subject)) {
      errors.add(new FieldError("subject", "must be dimension:key or dimension:* with dimension one of "
          + names(Dimension.values()) + " (got " + subject + ")"));
    }
    QuotaRule rule = enumField(body, "rule", QuotaRule.values(), QuotaRule.LIMIT, errors);
    QuotaMetric metric = enumField(body, "metric", QuotaMetric.values(), null, errors);
    // A per-request ceiling has no period; DAY is stored and never read.
    Period period = enumField(body, "period", Period.values(), rule == QuotaRule.REQUEST ? Period.DAY : null, errors);
    if (rule == QuotaRule.FORECAST && period != null && (period == Period.MINUTE || period == Period.HOUR)) {
      errors.add(new FieldError("period", "a forecast needs a day, week or month to project over (got " + lower(period) + ")"));
    }
    if (rule != null && rule != QuotaRule.LIMIT && body.hasNonNull("thresholds")) {
      errors.add(new FieldError("thresholds", "apply to rule limit only: a " + lower(rule) + " quota fires when the limit is reached"));
    }
    QuotaAction action = enumField(body, "action", QuotaAction.values(), QuotaAction.WARN, errors);
    Long limit = metric == null ? null : limit(body.get("limit"), metric, errors);
    List<Integer> thresholds = rule == QuotaRule.LIMIT ? thresholds(body.get("thresholds"), errors) : List.of(Thresholds.FULL);
    OnStale onStale = enumField(body, "onStale", OnStale.values(), OnStale.ALLOW, errors);
    Long staleAfterMs = staleAfter(body.get("staleAfter"), errors);
    if (body.hasNonNull("onStale") && staleAfterMs == null && !body.hasNonNull("staleAfter")) {
      errors.add(new FieldError("staleAfter", "is required with onStale: how old the totals may be, like \"30s\""));
    }
    if (rule != null && rule != QuotaRule.LIMIT && (body.hasNonNull("onStale") || body.hasNonNull("staleAfter"))) {
      errors.add(new FieldError("onStale", "applies to rule limit only: a " + lower(rule) + " quota reads no totals"));
    }
    if (!errors.isEmpty()) {
      throw new ProblemException(Problem.invalid("the quota has " + errors.size() + " invalid field(s)", errors));
    }
    return QuotaDefinition.newBuilder()
        .setQuotaId(quotaId)
        .setSubject(subject)
        .setMetric(metric)
        .setPeriod(period)
        .setLimit(limit)
        .setThresholdsBasisPoints(thresholds)
        .setAction(action)
        .setUpdatedAt(now)
        .setRule(rule)
        .setStaleAfterMs(staleAfterMs)
        .setOnStale(onStale)
        .build();
  }

  static Map<String, Object> render(QuotaDefinition quota) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", quota.getQuotaId());
    json.put("subject", quota.getSubject());
    json.put("metric", lower(quota.getMetric()));
    json.put("rule", lower(quota.getRule()));
    json.put("period", quota.getRule() == QuotaRule.REQUEST ? null : lower(quota.getPeriod()));
    json.put("limit", amount(quota.getMetric(), quota.getLimit()));
    json.put("thresholds", quota.getThresholdsBasisPoints().stream().map(Thresholds::asFraction).toList());
    json.put("action", lower(quota.getAction()));
    if (quota.getStaleAfterMs() != null) {
      json.put("staleAfter", duration(quota.getStaleAfterMs()));
      json.put("onStale", lower(quota.getOnStale()));
    }
    json.put("updatedAt", quota.getUpdatedAt());
    return json;
  }

  /** Tokens as a number; cost as a decimal string of USD. */
  static Object amount(QuotaMetric metric, long value) {
    return metric == QuotaMetric.COST ? Usd.format(value) : value;
  }

  static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static boolean validSubject(String subject) {
    int colon = subject.indexOf(':');
    if (colon <= 0 || colon == subject.length() - 1 || subject.length() > 300) {
      return false;
    }
    String dimension = subject.substring(0, colon);
    return Arrays.stream(Dimension.values()).anyMatch(d -> lower(d).equals(dimension));
  }

  private static String text(JsonNode body, String field, List<FieldError> errors) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      errors.add(new FieldError(field, "is required"));
      return null;
    }
    if (!node.isTextual() || node.asText().isBlank()) {
      errors.add(new FieldError(field, "must be a non-empty string"));
      return null;
    }
    return node.asText().trim();
  }

  private static <E extends Enum<E>> E enumField(JsonNode body, String field, E[] values, E fallback, List<FieldError> errors) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      if (fallback == null) {
        errors.add(new FieldError(field, "is required (one of " + names(values) + ")"));
      }
      return fallback;
    }
    for (E value : values) {
      if (node.isTextual() && lower(value).equals(node.asText().trim().toLowerCase(Locale.ROOT))) {
        return value;
      }
    }
    errors.add(new FieldError(field, "must be one of " + names(values) + " (got " + node + ")"));
    return null;
  }

  private static Long limit(JsonNode node, QuotaMetric metric, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      errors.add(new FieldError("limit", "is required"));
      return null;
    }
    if (metric == QuotaMetric.COST) {
      if (!node.isTextual() && !node.isNumber()) {
        errors.add(new FieldError("limit", "must be an amount of USD like \"25.00\" (got " + node + ")"));
        return null;
      }
      try {
        long nanos = Usd.parseNanos(node.asText());
        if (nanos == 0) {
          errors.add(new FieldError("limit", "must be > 0 (got " + node.asText() + ")"));
          return null;
        }
        return nanos;
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("limit", e.getMessage()));
        return null;
      }
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() <= 0) {
      errors.add(new FieldError("limit", "must be a whole number of tokens > 0 (got " + node + ")"));
      return null;
    }
    return node.asLong();
  }

  /** As it would be written: 30s, not 30000ms. */
  static String duration(long ms) {
    return ms % 3_600_000 == 0 ? ms / 3_600_000 + "h" : ms % 60_000 == 0 ? ms / 60_000 + "m"
        : ms % 1_000 == 0 ? ms / 1_000 + "s" : ms + "ms";
  }

  /** A staleness bound like 500ms, 30s, 5m or 1h (at most a day). */
  private static Long staleAfter(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    java.util.regex.Matcher m = node.isTextual() ? STALE_AFTER.matcher(node.asText().trim()) : null;
    if (m == null || !m.matches()) {
      errors.add(new FieldError("staleAfter", "must be a duration like \"500ms\", \"30s\", \"5m\" or \"1h\" (got " + node + ")"));
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    long ms = switch (m.group(2)) {
      case "ms" -> amount;
      case "s" -> amount * 1_000;
      case "m" -> amount * 60_000;
      default -> amount * 3_600_000;
    };
    if (ms <= 0 || ms > 86_400_000) {
      errors.add(new FieldError("staleAfter", "must be > 0 and at most a day (got " + node.asText() + ")"));
      return null;
    }
    return ms;
  }

  private static List<Integer> thresholds(JsonNode node, List<FieldError> errors) {
    if (node == null || node.isNull()) {
      return DEFAULT_THRESHOLDS;
    }
    if (!node.isArray() || node.isEmpty() || node.size() > 10) {
      errors.add(new FieldError("thresholds", "must be a list of 1–10 fractions of the limit, like [0.8, 0.9, 1.0]"));
      return null;
    }
    TreeSet<Integer> basisPoints = new TreeSet<>();
    for (JsonNode item : node) {
      BigDecimal fraction = item.isNumber() ? item.decimalValue() : null;
      if (fraction == null || fraction.signum() <= 0 || fraction.compareTo(BigDecimal.TEN) > 0
          || fraction.stripTrailingZeros().scale() > 4) {
        errors.add(new FieldError("thresholds", "each must be a number > 0 and ≤ 10 with at most 4 decimals (got " + item + ")"));
        return null;
      }
      basisPoints.add(Thresholds.fromFraction(fraction.stripTrailingZeros()));
    }
    return List.copyOf(basisPoints);
  }

  private static String names(Enum<?>[] values) {
    return Arrays.stream(values).map(QuotaJson::lower).collect(Collectors.joining(", "));
  }
}
