package dev.tokenledger.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * How long a 503's {@code Retry-After} says to wait: whole seconds or an HTTP date (RFC 9110).
 * Read leniently, since a proxy may send either or garbage: no or an unreadable header waits 1 s,
 * and every wait is at least 1 s so {@code Retry-After: 0} or a past date does not spin.
 */
final class RetryAfter {

  private static final Duration LEAST = Duration.ofSeconds(1);

  private RetryAfter() {}

  static Duration delay(String header, Instant now) {
    if (header == null) {
      return LEAST;
    }
    String value = header.strip();
    Duration delay;
    if (value.matches("\\d{1,18}")) {
      delay = Duration.ofSeconds(Long.parseLong(value));
    } else {
      try {
        delay = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException e) {
        return LEAST;
      }
    }
    return delay.compareTo(LEAST) < 0 ? LEAST : delay;
  }
}
