package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

  private static final Instant NOW = Instant.parse("2026-11-22T20:00:00Z");

  @Test
  void shouldReadSeconds() {
    assertThat(RetryAfter.delay("5", NOW)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RetryAfter.delay(" 2 ", NOW)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void shouldReadAnHttpDateAsTheTimeUntilThen() {
    assertThat(RetryAfter.delay("Sun, 22 Nov 2026 20:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void shouldWaitOneSecondWhenTheHeaderIsMissingOrUnreadable() {
    assertThat(RetryAfter.delay(null, NOW)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RetryAfter.delay("soon", NOW)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RetryAfter.delay("-3", NOW)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RetryAfter.delay("99999999999999999999", NOW)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void shouldWaitAtLeastOneSecondSoAZeroOrPastRetryDoesNotSpin() {
    assertThat(RetryAfter.delay("0", NOW)).isEqualTo(Duration.ofSeconds(1));
    assertThat(RetryAfter.delay("Sun, 22 Nov 2026 19:00:00 GMT", NOW)).isEqualTo(Duration.ofSeconds(1));
  }
}
