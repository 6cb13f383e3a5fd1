package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** How the tables show the API's values: counts with thousands separators, USD, percentages, times. */
final class Formats {

  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private Formats() {}

  /** {@code 1234567} → {@code 1,234,567}. */
  static String count(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  static String count(JsonNode node) {
    return node == null || node.isNull() ? "-" : count(node.asLong());
  }

  /**
   * The API's exact USD string without the zeros after the last significant digit, and at least
   * the cents: {@code "0.004500000"} → {@code 0.0045}, {@code "12.000000000"} → {@code 12.00}. Never rounded.
   */
  static String usd(String exact) {
    if (exact == null) {
      return "-";
    }
    BigDecimal value;
    try {
      value = new BigDecimal(exact).stripTrailingZeros();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the app sent \"" + exact + "\" where a USD amount belongs", e);
    }
    if (value.scale() < 2) {
      value = value.setScale(2, RoundingMode.UNNECESSARY);
    }
    return value.toPlainString();
  }

  static String usd(JsonNode node) {
    return node == null || node.isNull() ? "-" : usd(node.asText());
  }

  /** A quota amount: tokens with separators, cost as {@code $} USD. */
  static String amount(String metric, JsonNode value) {
    return "cost".equals(metric) ? "$" + usd(value) : count(value);
  }

  /** A fraction as a percentage with one decimal: {@code 0.84321} → {@code 84.3%}. */
  static String percent(JsonNode fraction) {
    if (fraction == null || fraction.isNull()) {
      return "-";
    }
    return fraction.decimalValue().movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString() + "%";
  }

  /** An instant as the API wrote it (UTC), or in {@code zone} when one was asked for. */
  static String time(String instant, ZoneId zone) {
    if (instant == null || zone == null) {
      return instant == null ? "-" : instant;
    }
    try {
      return LOCAL.format(Instant.parse(instant).atZone(zone));
    } catch (DateTimeParseException e) {
      return instant;
    }
  }

  static String time(JsonNode node, ZoneId zone) {
    return node == null || node.isNull() ? "-" : time(node.asText(), zone);
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() ? "-" : node.asText();
  }
}
