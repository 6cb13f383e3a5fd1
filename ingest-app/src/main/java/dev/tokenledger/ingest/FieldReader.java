package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Usd;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads typed fields from one JSON object and collects what is wrong with them, each error saying
 * how to fix it and echoing the value that was sent. A JSON {@code null} counts as absent. A getter
 * whose field is wrong records the error and returns empty (or 0), so one pass finds every error.
 */
final class FieldReader {

  private static final int MAX_TEXT_LENGTH = EventRules.MAX_TEXT_LENGTH;
  private static final int MAX_LABELS = EventRules.MAX_LABELS;
  private static final int MAX_LABEL_KEY_LENGTH = EventRules.MAX_LABEL_KEY_LENGTH;
  private static final int MAX_LABEL_VALUE_LENGTH = EventRules.MAX_LABEL_VALUE_LENGTH;
  private static final int MAX_ECHO_LENGTH = 64;
  // Avro timestamp-millis must hold it; no LLM call happened before 1970.
  private static final Instant EARLIEST = Instant.EPOCH;

  private final JsonNode object;
  private final List<FieldError> errors = new ArrayList<>();

  FieldReader(JsonNode object) {
    this.object = object;
  }

  List<FieldError> errors() {
    return List.copyOf(errors);
  }

  void reject(String field, String message) {
    errors.add(new FieldError(field, message));
  }

  boolean isValid(String field) {
    return errors.stream().noneMatch(e -> e.field().equals(field));
  }

  /** A string of 1 to 256 characters without control characters, or empty when absent. */
  Optional<String> text(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      reject(field, "must be a string (got " + echo(value) + ")");
      return Optional.empty();
    }
    return checkedText(field, value.textValue(), MAX_TEXT_LENGTH) ? Optional.of(value.textValue()) : Optional.empty();
  }

  /** Like {@link #text}, but absent is an error. */
  Optional<String> requiredText(String field) {
    if (value(field) == null) {
      reject(field, "is required");
      return Optional.empty();
    }
    return text(field);
  }

  /** A count of tokens, 0 to {@link EventRules#MAX_TOKENS}; 0 when absent. */
  long count(String field) {
    return tokens(value(field), field).orElse(0);
  }

  /** Checks {@code value} (null: absent) as a count of tokens, reporting errors under {@code field}. */
  OptionalLong tokens(JsonNode value, String field) {
    return wholeNumber(value, field, 0, EventRules.MAX_TOKENS, "(10^12: no real call has more tokens)");
  }

  /** A whole number from {@code min} to {@code max}, or empty when absent. */
  OptionalLong wholeNumber(String field, long min, long max, String why) {
    return wholeNumber(value(field), field, min, max, why);
  }

  /**
   * Checks {@code value} (null: absent) as a whole number from {@code min} to {@code max},
   * reporting errors under {@code field}; {@code why} says what the ceiling is.
   */
  private OptionalLong wholeNumber(JsonNode value, String field, long min, long max, String why) {
    if (value == null || value.isNull()) {
      return OptionalLong.empty();
    }
    if (!value.isNumber()) {
      reject(field, "must be a whole number (got " + echo(value) + ")");
      return OptionalLong.empty();
    }
    BigDecimal number = value.decimalValue();
    if (number.signum() != 0 && number.stripTrailingZeros().scale() > 0) {
      reject(field, "must be a whole number (got " + echo(value) + ")");
      return OptionalLong.empty();
    }
    if (number.compareTo(BigDecimal.valueOf(min)) < 0) {
      reject(field, "must be ≥ " + min + " (got " + echo(value) + ")");
      return OptionalLong.empty();
    }
    if (number.compareTo(BigDecimal.valueOf(max)) > 0) {
      reject(field, "must be at most " + max + " " + why + " (got " + echo(value) + ")");
      return OptionalLong.empty();
    }
    return OptionalLong.of(number.longValueExact());
  }

  /** Whether the field is present and not JSON null. */
  boolean has(String field) {
    return value(field) != null;
  }

  /** The field's value, or null when absent or JSON null. */
  JsonNode node(String field) {
    return value(field);
  }

  /**
   * A text to be counted ({@code prompt}, {@code completion}): any length the body allows, line
   * breaks and tabs included; empty when absent.
   */
  Optional<String> longText(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      reject(field, "must be a string (got " + echo(value) + ")");
      return Optional.empty();
    }
    return Optional.of(value.textValue());
  }

  Optional<Boolean> bool(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      reject(field, "must be true or false (got " + echo(value) + ")");
      return Optional.empty();
    }
    return Optional.of(value.booleanValue());
  }

  /** An ISO-8601 instant, with {@code Z} or an offset; empty when absent. */
  Optional<Instant> instant(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return Optional.empty();
    }
    String fix = "must be an ISO-8601 instant like 2026-11-22T10:00:00Z (got " + echo(value) + ")";
    if (!value.isTextual()) {
      reject(field, fix);
      return Optional.empty();
    }
    Instant instant;
    try {
      instant = Instant.parse(value.textValue());
    } catch (DateTimeParseException e) {
      reject(field, fix);
      return Optional.empty();
    }
    if (instant.isBefore(EARLIEST)) {
      reject(field, "must not be before " + EARLIEST + " (got " + echo(value) + ")");
      return Optional.empty();
    }
    return Optional.of(instant);
  }

  /**
   * A USD amount ≥ 0 with at most 9 decimals, as a decimal string ({@code "0.001234500"}) or a
   * JSON number, converted exactly to nano-USD; empty when absent.
   */
  OptionalLong usdNanos(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return OptionalLong.empty();
    }
    BigDecimal usd;
    if (value.isNumber()) {
      usd = value.decimalValue();
    } else if (value.isTextual() && value.textValue().length() <= Usd.MAX_TEXT_LENGTH) {
      try {
        usd = new BigDecimal(value.textValue().trim());
      } catch (NumberFormatException e) {
        usd = null;
      }
    } else {
      usd = null;
    }
    if (usd == null) {
      reject(field, "must be a USD amount like \"0.001234500\" (got " + echo(value) + ")");
      return OptionalLong.empty();
    }
    long nanos;
    try {
      nanos = Usd.toNanos(usd, echo(value));
    } catch (IllegalArgumentException e) {
      reject(field, e.getMessage());
      return OptionalLong.empty();
    }
    if (nanos > EventRules.MAX_COST_NANOS) {
      reject(field, "must be at most " + Usd.format(EventRules.MAX_COST_NANOS) + ", the most one call may cost (got "
          + echo(value) + ")");
      return OptionalLong.empty();
    }
    return OptionalLong.of(nanos);
  }

  /** A bounded map of string to string; empty when absent. */
  Map<String, String> labels(String field) {
    JsonNode value = value(field);
    if (value == null) {
      return Map.of();
    }
    if (!value.isObject()) {
      reject(field, "must be an object of string to string, like {\"env\":\"prod\"} (got " + echo(value) + ")");
      return Map.of();
    }
    if (value.size() > MAX_LABELS) {
      reject(field, "must have at most " + MAX_LABELS + " entries (got " + value.size() + ")");
      return Map.of();
    }
    Map<String, String> labels = new LinkedHashMap<>();
    boolean valid = true;
    for (var entry : value.properties()) {
      String key = entry.getKey();
      JsonNode labelValue = entry.getValue();
      valid &= checkedText(field, key, MAX_LABEL_KEY_LENGTH, "key " + echoText(key));
      if (!labelValue.isTextual()) {
        reject(field, "value of " + echoText(key) + " must be a string (got " + echo(labelValue) + ")");
        valid = false;
      } else {
        valid &= checkedText(field, labelValue.textValue(), MAX_LABEL_VALUE_LENGTH, "value of " + echoText(key));
        labels.put(key, labelValue.textValue());
      }
    }
    return valid ? labels : Map.of();
  }

  /** The value sent, as JSON, shortened so an error never repeats a huge input. */
  static String echo(JsonNode value) {
    // Plain digits only for a modest exponent: 1e999999999 written out is a billion digits (out of memory).
    String json = value.isBigDecimal() && Math.abs((long) value.decimalValue().scale()) <= MAX_ECHO_LENGTH
        ? value.decimalValue().toPlainString() : value.toString();
    return shorten(json);
  }

  private JsonNode value(String field) {
    JsonNode value = object.get(field);
    return value == null || value.isNull() ? null : value;
  }

  private boolean checkedText(String field, String text, int maxLength) {
    return checkedText(field, text, maxLength, null);
  }

  /** Checks length and characters; {@code what} names the part of the field, or null for the field itself. */
  private boolean checkedText(String field, String text, int maxLength, String what) {
    String subject = what == null ? "" : what + " ";
    if (text.isBlank()) {
      reject(field, subject + "must not be blank");
      return false;
    }
    if (text.length() > maxLength) {
      reject(field, subject + "must be at most " + maxLength + " characters (got " + text.length() + ")");
      return false;
    }
    if (text.chars().anyMatch(Character::isISOControl)) {
      reject(field, subject + "must not contain control characters (got " + echoText(text) + ")");
      return false;
    }
    if (hasUnpairedSurrogate(text)) {
      // JSON's "\ud800" alone is no character: written as UTF-8 it becomes "?", and two ids would be one.
      reject(field, subject + "must be Unicode text: it has half of a surrogate pair, which stands for no character");
      return false;
    }
    return true;
  }

  private static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static String echoText(String text) {
    return echo(TextNode.valueOf(text));
  }

  /** The text, cut to a length an error message can repeat. */
  static String shorten(String text) {
    if (text.length() <= MAX_ECHO_LENGTH) {
      return text;
    }
    // Never between the two chars of an emoji: half of one is not a character, and goes out as "?".
    int end = Character.isHighSurrogate(text.charAt(MAX_ECHO_LENGTH - 2)) ? MAX_ECHO_LENGTH - 2 : MAX_ECHO_LENGTH - 1;
    return text.substring(0, end) + "…";
  }
}
