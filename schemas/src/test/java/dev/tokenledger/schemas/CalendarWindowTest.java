package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.Period;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CalendarWindowTest {

  private static final ZoneId UTC = ZoneId.of("UTC");

  @Test
  void shouldGiveFebruaryOfALeapYearTwentyNineDays() {
    CalendarWindow month = CalendarWindow.containing(Period.MONTH, Instant.parse("2028-02-29T23:59:59Z"), UTC);

    assertThat(month.start()).isEqualTo(Instant.parse("2028-02-01T00:00:00Z"));
    assertThat(month.end()).isEqualTo(Instant.parse("2028-03-01T00:00:00Z"));
    assertThat(Duration.between(month.start(), month.end()).toDays()).isEqualTo(29);
  }

  @Test
  void shouldPutTheLastSecondOfAMonthAndTheFirstOfTheNextInDifferentMonths() {
    CalendarWindow november = CalendarWindow.containing(Period.MONTH, Instant.parse("2026-11-30T23:59:59.999Z"), UTC);
    CalendarWindow december = CalendarWindow.containing(Period.MONTH, Instant.parse("2026-12-01T00:00:00Z"), UTC);

    assertThat(november.end()).isEqualTo(december.start()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(november.following(UTC)).isEqualTo(december);
  }

  @Test
  void shouldMakeTheDaysAroundADstChange23And25HoursLong() {
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    CalendarWindow spring = CalendarWindow.containing(Period.DAY, Instant.parse("2026-03-29T12:00:00Z"), berlin);
    CalendarWindow autumn = CalendarWindow.containing(Period.DAY, Instant.parse("2026-10-25T12:00:00Z"), berlin);

    assertThat(Duration.between(spring.start(), spring.end())).isEqualTo(Duration.ofHours(23));
    assertThat(Duration.between(autumn.start(), autumn.end())).isEqualTo(Duration.ofHours(25));
    assertThat(spring.start()).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
  }

  @Test
  void shouldStartAKolkataDayAtItsOwnMidnight() {
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    CalendarWindow day = CalendarWindow.containing(Period.DAY, Instant.parse("2026-11-22T18:29:59Z"), kolkata);
    CalendarWindow hour = CalendarWindow.containing(Period.HOUR, Instant.parse("2026-11-22T18:45:00Z"), kolkata);

    assertThat(day.start()).isEqualTo(Instant.parse("2026-11-21T18:30:00Z"));
    assertThat(day.end()).isEqualTo(Instant.parse("2026-11-22T18:30:00Z"));
    assertThat(hour.start()).isEqualTo(Instant.parse("2026-11-22T18:30:00Z"));
  }

  @Test
  void shouldStartWeeksOnMonday() {
    CalendarWindow week = CalendarWindow.containing(Period.WEEK, Instant.parse("2026-11-22T10:00:00Z"), UTC);

    assertThat(week.start()).isEqualTo(Instant.parse("2026-11-16T00:00:00Z"));
    assertThat(week.end()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
  }
}
