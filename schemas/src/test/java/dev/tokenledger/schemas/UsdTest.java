package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UsdTest {

  @Test
  void shouldConvertDecimalUsdToNanosExactly() {
    assertThat(Usd.parseNanos("0.0012345")).isEqualTo(1_234_500L);
    assertThat(Usd.parseNanos("25.00")).isEqualTo(25_000_000_000L);
    assertThat(Usd.parseNanos("0.1000000000")).isEqualTo(100_000_000L); // a trailing zero past 9 decimals is fine
    assertThat(Usd.format(1_234_500L)).isEqualTo("0.001234500");
    assertThat(Usd.format(0)).isEqualTo("0.000000000");
  }

  @Test
  void shouldRefuseWhatNanoUsdCannotHold() {
    assertThatThrownBy(() -> Usd.parseNanos("0.0000000001")).hasMessage("must have at most 9 decimals, the precision of nano-USD (got 0.0000000001)");
    assertThatThrownBy(() -> Usd.parseNanos("-1")).hasMessage("must be ≥ 0 (got -1)");
    assertThatThrownBy(() -> Usd.parseNanos("1e12")).hasMessage("must be at most 9223372036.854775807 (got 1e12)");
    assertThatThrownBy(() -> Usd.parseNanos("ten")).hasMessageStartingWith("must be a decimal amount of USD");
  }

  @Test
  void shouldRefuseALongAmountTextUnreadAndAHugeExponentBeforeStrippingIt() {
    // "1" and a million zeros: parsed and stripped, it held a core for minutes.
    assertThatThrownBy(() -> Usd.parseNanos("1." + "0".repeat(1_000_000)))
        .hasMessage("must be a decimal amount of USD of at most 64 characters (got 1000002)");
    assertThatThrownBy(() -> Usd.parseNanos("1e999999999")).hasMessageStartingWith("must be at most 9223372036.854775807");
    assertThatThrownBy(() -> Usd.parseNanos("1e-999999999")).hasMessageStartingWith("must have at most 9 decimals");
    assertThat(Usd.parseNanos("9223372036.854775807")).isEqualTo(Long.MAX_VALUE);
  }
}
