package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.CalendarWindow;
import io.javalin.http.Context;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Query parameters read the same way by every endpoint, each error naming the parameter. */
final class QueryParams {

  private QueryParams() {}

  static String required(Context ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank()) {
      throw ProblemException.badRequest(name, "is required");
    }
    return value;
  }

  /** One of {@code allowed}, case-insensitive; {@code fallback} when absent (null: required). */
  static <E extends Enum<E>> E enumParam(Context ctx, String name, E[] allowed, E fallback) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank()) {
      if (fallback == null) {
        throw ProblemException.badRequest(name, "is required (one of " + names(allowed) + ")");
      }
      return fallback;
    }
    for (E candidate : allowed) {
      if (candidate.name().equalsIgnoreCase(value.trim())) {
        return candidate;
      }
    }
    throw ProblemException.badRequest(name, "must be one of " + names(allowed) + " (got " + value + ")");
  }

  /** A date (midnight in {@code zone}) or an instant. */
  static Instant instant(Context ctx, ZoneId zone, String name, Instant fallback) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    Instant instant;
    try {
      instant = value.length() == 10 ? CalendarWindow.startOfDay(LocalDate.parse(value), zone) : Instant.parse(value);
    } catch (DateTimeException e) {
      throw ProblemException.badRequest(name,
          "must be a date like 2026-11-01 or an instant like 2026-11-22T10:00:00Z (got " + value + ")");
    }
    if (!CalendarWindow.supports(instant)) {
      throw ProblemException.badRequest(name, "must be " + CalendarWindow.SUPPORTED_RANGE + " (got " + value + ")");
    }
    return instant;
  }

  /** {@code true} or {@code false}; absent or blank: false. */
  static boolean booleanParam(Context ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank() || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw ProblemException.badRequest(name, "must be true or false (got " + value + ")");
  }

  static int intParam(Context ctx, String name, int min, int max, int fallback) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ProblemException.badRequest(name, "must be a whole number from " + min + " to " + max + " (got " + value + ")");
  }

  static String names(Enum<?>[] values) {
    return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
  }
}
