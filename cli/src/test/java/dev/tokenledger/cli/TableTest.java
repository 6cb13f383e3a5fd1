package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void shouldAlignTextLeftAndFiguresRightUnderTheirHeaders() {
    String text = new Table("USER", "TOTAL TOKENS", "COST USD")
        .row("alice", "1,234,567", "12.00")
        .row("bob", "500", "0.0045")
        .render();

    assertThat(text).isEqualTo("""
        USER   TOTAL TOKENS  COST USD
        alice     1,234,567   12.0000
        bob             500    0.0045
        """);
  }

  @Test
  void shouldPadDecimalsWithZerosSoFiguresLineUpOnThePointWithoutRounding() {
    String text = new Table("COST USD", "LIMIT").row("1.30464748", "$25.00").row("0.356053415", "$2.5").row("12.00", "-").render();

    assertThat(text.lines()).containsExactly(
        "    COST USD   LIMIT",
        " 1.304647480  $25.00",
        " 0.356053415   $2.50",
        "12.000000000       -");
  }

  @Test
  void shouldKeepAColumnLeftAlignedWhenOneCellIsNotAFigure() {
    String text = new Table("ID", "STATE").row("1", "ok").row("alice-daily", "exceeded").render();

    assertThat(text).isEqualTo("""
        ID           STATE
        1            ok
        alice-daily  exceeded
        """);
  }

  @Test
  void shouldShowAMissingValueAsADashAndLeaveNoTrailingBlanks() {
    String text = new Table("MODEL", "CACHED INPUT", "NOTE").row("openai/gpt-4o", null, "").render();

    assertThat(text.lines()).containsExactly("MODEL          CACHED INPUT  NOTE", "openai/gpt-4o             -");
  }

  @Test
  void shouldRightAlignDollarsAndPercentages() {
    String text = new Table("USED", "USED %").row("$3.50", "84.3%").row("$120.00", "100.0%").render();

    assertThat(text).isEqualTo("""
           USED  USED %
          $3.50   84.3%
        $120.00  100.0%
        """);
  }

  @Test
  void shouldRefuseARowOfTheWrongWidth() {
    assertThatThrownBy(() -> new Table("A", "B").row("1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 cells in a table of 2 columns");
  }
}
