package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class FormatsTest {

  @Test
  void shouldTrimTheApisNineDecimalsOfUsdWithoutRoundingAndKeepTheCents() {
    assertThat(Formats.usd("0.004500000")).isEqualTo("0.0045");
    assertThat(Formats.usd("12.000000000")).isEqualTo("12.00");
    assertThat(Formats.usd("12.300000000")).isEqualTo("12.30");
    assertThat(Formats.usd("0.000000001")).isEqualTo("0.000000001");
    assertThat(Formats.usd("0.000000000")).isEqualTo("0.00");
    assertThat(Formats.usd("1200.000000000")).isEqualTo("1200.00");
  }

  @Test
  void shouldSeparateThousandsInCounts() {
    assertThat(Formats.count(1_234_567L)).isEqualTo("1,234,567");
    assertThat(Formats.count(LongNode.valueOf(999))).isEqualTo("999");
  }

  @Test
  void shouldShowAQuotaAmountAsTokensOrAsDollars() {
    assertThat(Formats.amount("tokens", LongNode.valueOf(100_000))).isEqualTo("100,000");
    assertThat(Formats.amount("cost", TextNode.valueOf("25.000000000"))).isEqualTo("$25.00");
  }

  @Test
  void shouldShowAFractionAsAPercentageWithOneDecimal() {
    assertThat(Formats.percent(DecimalNode.valueOf(new BigDecimal("0.84321")))).isEqualTo("84.3%");
    assertThat(Formats.percent(DecimalNode.valueOf(new BigDecimal("1.00256")))).isEqualTo("100.3%");
  }

  @Test
  void shouldShowInstantsAsTheApiWroteThemUnlessAZoneIsAsked() {
    assertThat(Formats.time("2026-11-22T00:00:00Z", null)).isEqualTo("2026-11-22T00:00:00Z");
    assertThat(Formats.time("2026-11-22T00:00:00Z", ZoneId.of("Asia/Kolkata"))).isEqualTo("2026-11-22T05:30:00+05:30");
  }
}
