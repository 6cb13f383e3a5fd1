package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertLatencyReportTest {

  private static AlertLatencyReport report(long unmatched, double... fromSend) {
    AlertLatencyProbes.Outcome outcome = new AlertLatencyProbes.Outcome(fromSend.length + unmatched, fromSend.length,
        unmatched, 0, 0, 0, fromSend, fromSend, List.of(new AlertLatencyProbes.Slow(12.5, 610)), 0, 0);
    return new AlertLatencyReport(Instant.parse("2026-11-22T12:00:00Z"), 20_000, Rate.of(1_400_000, 70), 0, 250, 10,
        30_000, 1_400_600, outcome, 100_000, 1_200, 3_400);
  }

  @Test
  void shouldWriteTheLatencyPercentilesAndCountsAsJson() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report(0, 120, 180, 240, 610).json(new ObjectMapper()));

    assertThat(json.get("scenario").asText()).isEqualTo("alert-latency");
    assertThat(json.at("/background/targetEventsPerSecond").asDouble()).isEqualTo(20_000.0);
    assertThat(json.at("/background/achievedEventsPerSecond").asDouble()).isEqualTo(20_000.0);
    assertThat(json.at("/probes/sent").asLong()).isEqualTo(4);
    assertThat(json.get("aggregatorLagAtFirstProbe").asLong()).isEqualTo(250);
    assertThat(json.at("/probes/matched").asLong()).isEqualTo(4);
    assertThat(json.at("/latencyMillisFromSend/p50").asDouble()).isEqualTo(180.0);
    assertThat(json.at("/latencyMillisFromSend/p99").asDouble()).isEqualTo(610.0);
    assertThat(json.at("/latencyMillisFromSend/max").asDouble()).isEqualTo(610.0);
    assertThat(json.at("/target/met").asBoolean()).isTrue();
    assertThat(json.at("/target/aimMet").asBoolean()).isFalse();
    assertThat(json.get("perUserQuotas").asLong()).isEqualTo(100_000);
    assertThat(json.get("alertingMaxLag").asLong()).isEqualTo(3_400);
  }

  @Test
  void shouldMeetTheTargetOnlyWithEveryProbeAlertedAndP99WithinASecond() {
    assertThat(report(0, 120, 180, 240, 1_000).meetsTarget()).isTrue();
    assertThat(report(1, 120, 180, 240, 1_000).meetsTarget()).isFalse();
    assertThat(report(0, 120, 180, 240, 1_001).meetsTarget()).isFalse();
    assertThat(report(0).meetsTarget()).isFalse();
  }

  @Test
  void shouldWriteNullWhereNoProbeWasMatched() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report(3).json(new ObjectMapper()));

    assertThat(json.at("/latencyMillisFromSend/p99").isNull()).isTrue();
    assertThat(json.at("/probes/unmatched").asLong()).isEqualTo(3);
  }

  @Test
  void shouldPrintTheFiguresInTheTable() {
    assertThat(report(1, 120, 180, 240, 610).table()).contains("20,000 events/s targeted, 20,000 achieved",
        "4 matched, 1 unmatched after 30000 ms", "250 events behind", "from send()", "180.0", "610.0", "NOT met",
        "100,000 per-user quotas", "aggregator 1,200, alerting 3,400");
  }
}
