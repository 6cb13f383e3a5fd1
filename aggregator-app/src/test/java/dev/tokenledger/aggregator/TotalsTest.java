package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TotalsTest {

  private static Totals of(long requests, long inputTokens, long costNanos, long remainderFemtos) {
    Totals totals = new Totals();
    totals.values[Totals.REQUESTS] = requests;
    totals.values[Totals.INPUT_TOKENS] = inputTokens;
    totals.values[Totals.COST_NANOS] = costNanos;
    totals.values[Totals.COST_REMAINDER_FEMTOS] = remainderFemtos;
    return totals;
  }

  @Test
  void shouldCarrySubNanoCostsIntoWholeNanos() {
    Totals sum = of(1, 10, 5, 600_000);

    sum.add(of(1, 20, 7, 500_000));

    assertThat(sum.get(Totals.COST_NANOS)).isEqualTo(13);
    assertThat(sum.get(Totals.COST_REMAINDER_FEMTOS)).isEqualTo(100_000);
    assertThat(sum.get(Totals.INPUT_TOKENS)).isEqualTo(30);
  }

  @Test
  void shouldRefuseAnAdditionThatWouldOverflowAndChangeNothing() {
    Totals sum = of(1, Long.MAX_VALUE - 5, 10, 0);
    Totals before = Totals.of(sum.values.clone());

    assertThatThrownBy(() -> sum.add(of(1, 6, 1, 0))).isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("inputTokens would overflow");
    assertThat(sum.values).containsExactly(before.values);
  }

  @Test
  void shouldSeeAnOverflowThatOnlyTheCarryMakes() {
    Totals sum = of(1, 0, Long.MAX_VALUE, 999_999);

    assertThat(sum.overflowOnAdd(of(1, 0, 0, 1))).contains("costNanos would overflow");
    assertThat(sum.overflowOnAdd(of(1, 0, 0, 0))).isNull();
  }
}
