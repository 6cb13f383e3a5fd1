package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForecastTest {

  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final Subject ALICE = new Subject(Dimension.USER, "alice");

  private static UsageAggregate bucket(Period period, Instant start, long tokens, long costNanos) {
    CalendarWindow window = CalendarWindow.containing(period, start, UTC);
    UsageAggregate empty = new Totals().toAggregate(ALICE, window, UTC);
    empty.setInputTokens(tokens);
    empty.setCostNanos(costNanos);
    return empty;
  }

  @Test
  void shouldProjectTheRunRateWhenThereIsNoHistory() {
    Instant now = Instant.parse("2026-11-22T06:00:00Z"); // a quarter of the day gone
    CalendarWindow day = CalendarWindow.containing(Period.DAY, now, UTC);

    Forecast.Result result = Forecast.project(day, now, UTC, bucket(Period.DAY, day.start(), 6_000, 600), List.of());

    assertThat(result.tokens().used()).isEqualTo(6_000);
    assertThat(result.tokens().forecast()).isEqualTo(24_000); // 1 000 an hour for 24 hours
    assertThat(result.costNanos().forecast()).isEqualTo(2_400);
    assertThat(result.confidence()).isEqualByComparingTo("0.12"); // (0.25 elapsed + 0 history) / 2, half-even
  }

  @Test
  void shouldSaturateAForecastPastALongInsteadOfFailing() {
    // Thirteen calls at the most one call may cost in the month's first half hour: a month at that
    // rate is more nano-USD than a long holds.
    Instant now = Instant.parse("2026-12-01T00:30:00Z");
    CalendarWindow month = CalendarWindow.containing(Period.MONTH, now, UTC);

    Forecast.Result result = Forecast.project(month, now, UTC,
        bucket(Period.MONTH, month.start(), Long.MAX_VALUE / 2, 13 * EventRules.MAX_COST_NANOS), List.of());

    assertThat(result.costNanos().forecast()).isEqualTo(Long.MAX_VALUE);
    assertThat(result.tokens().forecast()).isEqualTo(Long.MAX_VALUE);
    assertThat(result.costNanos().used()).isEqualTo(13 * EventRules.MAX_COST_NANOS);
  }

  @Test
  void shouldBlendTheRunRateWithTheSameHoursOfPastWeeks() {
    Instant now = Instant.parse("2026-11-22T22:00:00Z");
    CalendarWindow day = CalendarWindow.containing(Period.DAY, now, UTC);
    List<UsageAggregate> hours = new ArrayList<>();
    // Two weeks of history: 0 tokens every hour except 22:00 and 23:00, which used 5 000 each.
    hours.add(bucket(Period.HOUR, Instant.parse("2026-11-08T00:00:00Z"), 0, 0));
    for (String past : List.of("2026-11-08T22:00:00Z", "2026-11-08T23:00:00Z", "2026-11-15T22:00:00Z", "2026-11-15T23:00:00Z")) {
      hours.add(bucket(Period.HOUR, Instant.parse(past), 5_000, 0));
    }

    Forecast.Result result = Forecast.project(day, now, UTC, bucket(Period.DAY, day.start(), 22_000, 0), hours);

    // Run rate 1 000 an hour, history 5 000 an hour: 3 000 expected in each of the 2 hours left.
    assertThat(result.tokens().forecast()).isEqualTo(28_000);
    assertThat(result.confidence()).isEqualByComparingTo("0.96"); // (22/24 elapsed + 1.0 history) / 2
  }

  @Test
  void shouldProjectNothingMoreForAWindowThatHasEnded() {
    Instant now = Instant.parse("2026-11-23T00:00:00Z");
    CalendarWindow yesterday = CalendarWindow.containing(Period.DAY, Instant.parse("2026-11-22T12:00:00Z"), UTC);

    Forecast.Result result = Forecast.project(yesterday, now, UTC, bucket(Period.DAY, yesterday.start(), 500, 0), List.of());

    assertThat(result.tokens().forecast()).isEqualTo(500);
  }
}
