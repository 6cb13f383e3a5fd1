package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class SaturatedSumTest {

  @Test
  void shouldAddExactlyWithinALongAndStopAtItsEnds() {
    assertThat(SaturatedSum.of(40, 2)).isEqualTo(42);
    assertThat(SaturatedSum.of(Long.MAX_VALUE - 1, 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(SaturatedSum.of(Long.MAX_VALUE / 2 + 1, Long.MAX_VALUE / 2 + 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(SaturatedSum.of(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void shouldRoundADecimalHalfEvenAndClampIt() {
    assertThat(SaturatedSum.of(new BigDecimal("2.5"))).isEqualTo(2);
    assertThat(SaturatedSum.of(new BigDecimal("3.5"))).isEqualTo(4);
    assertThat(SaturatedSum.of(new BigDecimal("1e30"))).isEqualTo(Long.MAX_VALUE);
    assertThat(SaturatedSum.of(new BigDecimal("-1e30"))).isEqualTo(Long.MIN_VALUE);
  }
}
