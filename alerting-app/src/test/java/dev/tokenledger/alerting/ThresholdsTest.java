package dev.tokenledger.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ThresholdsTest {

  @Test
  void shouldRoundTheUseAtAThresholdUp() {
    assertThat(Thresholds.usageAt(1_000, 8_000)).isEqualTo(800);
    assertThat(Thresholds.usageAt(999, 8_000)).isEqualTo(800); // 799.2 tokens is not yet 80 %
    assertThat(Thresholds.usageAt(Long.MAX_VALUE, 10_000)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void shouldConvertFractionsExactly() {
    assertThat(Thresholds.fromFraction(new BigDecimal("0.8"))).isEqualTo(8_000);
    assertThat(Thresholds.fromFraction(new BigDecimal("0.9125"))).isEqualTo(9_125);
    assertThat(Thresholds.asFraction(10_000)).isEqualByComparingTo("1");
  }
}
