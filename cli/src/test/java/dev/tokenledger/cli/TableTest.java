package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.cli.Table.Column;
import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void shouldAlignEachColumnAsTheCallerSays() {
    String text = new Table(Column.text("USER"), Column.figure("TOTAL TOKENS"), Column.money("COST USD"))
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
  void shouldPadMoneyDecimalsWithZerosSoAmountsLineUpOnThePointWithoutRounding() {
    String text = new Table(Column.money("COST USD")).row("1.30464748").row("0.356053415").row("12.00").row("-").render();

    assertThat(text.lines()).containsExactly(
        "    COST USD",
        " 1.304647480",
        " 0.356053415",
        "12.000000000",
        "           -");
  }

  @Test
  void shouldShowTokensAndDollarsInOneFigureColumnEachAsItIs() {
    String text = new Table(Column.text("METRIC"), Column.figure("LIMIT"), Column.figure("USED %"))
        .row("tokens", "100,000", "84.3%")
        .row("cost", "$25.00", "100.0%")
        .render();

    assertThat(text).isEqualTo("""
        METRIC    LIMIT  USED %
        tokens  100,000   84.3%
        cost     $25.00  100.0%
        """);
  }

  @Test
  void shouldKeepATextColumnLeftAlignedEvenWhenEveryCellIsANumber() {
    String text = new Table(Column.text("USER"), Column.figure("REQUESTS")).row("7", "3").row("1024", "12").render();

    assertThat(text).isEqualTo("""
        USER  REQUESTS
        7            3
        1024        12
        """);
  }

  @Test
  void shouldShowAMissingValueAsADashAndLeaveNoTrailingBlanks() {
    String text = new Table(Column.text("MODEL"), Column.money("CACHED INPUT"), Column.text("NOTE"))
        .row("openai/gpt-4o", null, "").render();

    assertThat(text.lines()).containsExactly("MODEL          CACHED INPUT  NOTE", "openai/gpt-4o             -");
  }

  @Test
  void shouldRefuseARowOfTheWrongWidth() {
    assertThatThrownBy(() -> new Table(Column.text("A"), Column.text("B")).row("1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 cells in a table of 2 columns");
  }
}
