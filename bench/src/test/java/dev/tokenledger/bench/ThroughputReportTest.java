package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ThroughputReportTest {

  private final ThroughputReport report = new ThroughputReport(Instant.parse("2026-11-22T12:00:00Z"), 3_000_000,
      Duration.ofHours(1), 214.4, 6, 1, Rate.of(3_000_000, 6), Rate.of(3_000_000, 2), Rate.of(3_000_000, 10), Rate.of(3_000_000, 60),
      Rate.of(3_000_000, 12), Rate.of(3_000_000, 40), Rate.of(3_000_000, 150), 0, 0, 3_000_000, 3.4, 26.0,
      Map.of("usage.aggregates", 8.0), List.of(new ThroughputReport.Variant("commit every 2s", Rate.of(3_000_000, 100), 0, 3_000_000, 4.0)), Optional.empty());

  @Test
  void shouldRelateTheAggregatorToTheProducerAndThePlainStreamsApp() {
    assertThat(report.ratios()).containsOnlyKeys("aggregator/producer", "aggregator/plain-streams",
        "aggregator/dedupe-floor", "plain-streams/producer");
    assertThat(report.ratios().get("aggregator/dedupe-floor")).isCloseTo(40.0 / 150, within(1e-9));
    assertThat(report.ratios().get("aggregator/producer")).isCloseTo(0.04, within(1e-9));
    assertThat(report.ratios().get("aggregator/plain-streams")).isCloseTo(0.4, within(1e-9));
    assertThat(report.ratios().get("plain-streams/producer")).isCloseTo(0.1, within(1e-9));
  }

  @Test
  void shouldPrintEveryRateAndRatioInTheTable() {
    assertThat(report.table()).contains("3,000,000 events over 60 min of event time (214 B a record)", "500,000", "1,500,000", "300,000",
        "50,000", "20,000", "dropped 0, counted 3,000,000, 26.00 records produced per event", "aggregator/plain-streams",
        "0.400", "floor: consume and decode", "250,000", "75,000", "3.40 records produced per event",
        "usage.aggregates", "TokenLedger aggregator, commit every 2s", "30,000", "4.00 records produced per event, 0.600 x plain streams");
  }

  @Test
  void shouldWriteTheSameFiguresAsJson() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.json(new ObjectMapper()));

    assertThat(json.get("scenario").asText()).isEqualTo("aggregator-throughput");
    assertThat(json.get("events").asLong()).isEqualTo(3_000_000);
    assertThat(json.at("/recordsPerSecond/aggregator").asDouble()).isEqualTo(20_000.0);
    assertThat(json.at("/recordsPerSecond/producerPerformance").asDouble()).isEqualTo(500_000.0);
    assertThat(json.at("/seconds/plainStreams").asDouble()).isEqualTo(60.0);
    assertThat(json.at("/ratios/aggregator~1producer").asDouble()).isCloseTo(0.04, within(1e-9));
    assertThat(json.at("/droppedRecords/aggregator").asLong()).isZero();
    assertThat(json.get("aggregatorCounted").asLong()).isEqualTo(3_000_000);
    assertThat(json.at("/recordsProducedPerEvent/aggregator").asDouble()).isEqualTo(26.0);
    assertThat(json.at("/recordsPerSecond/dedupeFloor").asDouble()).isEqualTo(75_000.0);
    assertThat(json.at("/aggregatorRecordsPerEventByTopic/usage.aggregates").asDouble()).isEqualTo(8.0);
    assertThat(json.at("/aggregatorVariants/commit every 2s/recordsPerSecond").asDouble()).isEqualTo(30_000.0);
  }

  @Test
  void shouldSumAMetricsSamplesInPrometheusText() {
    String exposition = """
        # HELP tokenledger_aggregator_events_total events
        # TYPE tokenledger_aggregator_events_total counter
        tokenledger_aggregator_events_total{application="aggregator-app",outcome="counted"} 2999990.0
        tokenledger_aggregator_events_total{application="aggregator-app",outcome="duplicate"} 10.0
        tokenledger_streams_dropped_records{application="aggregator-app"} 0.0
        tokenledger_streams_dropped_records_other 5.0
        """;

    assertThat(PrometheusText.sum(exposition, "tokenledger_aggregator_events_total", "outcome=\"counted\""))
        .isEqualTo(2_999_990.0);
    assertThat(PrometheusText.sum(exposition, "tokenledger_aggregator_events_total", "")).isEqualTo(3_000_000.0);
    assertThat(PrometheusText.sum(exposition, "tokenledger_streams_dropped_records", "")).isZero();
  }
}
