package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.Period;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;

/**
 * One calendar window of a {@link Period} in a zone, {@code [start, end)}. Hours, days, weeks
 * (from Monday) and months follow the zone's own clock: a month has 28–31 days, a day across a
 * DST change 23 or 25 hours, and an Asia/Kolkata day starts at its own midnight (18:30 UTC).
 */
public record CalendarWindow(Period period, Instant start, Instant end) {

  /**
   * The instants a query, a price or a window may name: 1970 to the end of 9999. Further out,
   * calendar arithmetic and epoch milliseconds overflow; a parameter outside is a 400.
   */
  public static final Instant FIRST_SUPPORTED = Instant.EPOCH;
  public static final Instant LAST_SUPPORTED = Instant.parse("9999-12-31T23:59:59.999Z");
  public static final String SUPPORTED_RANGE = "between 1970-01-01 and 9999-12-31";

  /** Whether {@code instant} is within {@link #FIRST_SUPPORTED} and {@link #LAST_SUPPORTED}. */
  public static boolean supports(Instant instant) {
    return !instant.isBefore(FIRST_SUPPORTED) && !instant.isAfter(LAST_SUPPORTED);
  }

  /** The window of {@code period} that contains {@code instant} in {@code zone}. */
  public static CalendarWindow containing(Period period, Instant instant, ZoneId zone) {
    ZonedDateTime local = instant.atZone(zone);
    ZonedDateTime start = switch (period) {
      case MINUTE -> local.truncatedTo(ChronoUnit.MINUTES);
      case HOUR -> local.truncatedTo(ChronoUnit.HOURS);
      case DAY -> local.toLocalDate().atStartOfDay(zone);
      case WEEK -> local.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone);
      case MONTH -> local.toLocalDate().withDayOfMonth(1).atStartOfDay(zone);
    };
    return new CalendarWindow(period, start.toInstant(), next(period, start, zone).toInstant());
  }

  /** The window that starts at the given local date's midnight, for DAY, WEEK and MONTH queries by date. */
  public static Instant startOfDay(LocalDate date, ZoneId zone) {
    return date.atStartOfDay(zone).toInstant();
  }

  /** The window after this one. */
  public CalendarWindow following(ZoneId zone) {
    return containing(period, end, zone);
  }

  private static ZonedDateTime next(Period period, ZonedDateTime start, ZoneId zone) {
    return switch (period) {
      // Minutes and hours are fixed lengths of real time, even across a DST change.
      case MINUTE -> start.plusMinutes(1);
      case HOUR -> start.plusHours(1);
      case DAY -> start.toLocalDate().plusDays(1).atStartOfDay(zone);
      case WEEK -> start.toLocalDate().plusWeeks(1).atStartOfDay(zone);
      case MONTH -> start.toLocalDate().plusMonths(1).atStartOfDay(zone);
    };
  }
}
