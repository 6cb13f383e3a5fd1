package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BenchAllReportTest {

  private static final Instant AT = Instant.parse("2026-11-22T12:00:00Z");

  /** Aggregator at 0.6 × the producer (met), 1.5 × plain streams (missed), 0.8 × the dedupe floor (met), 4.5 records an event (met). */
  private static final ThroughputReport THROUGHPUT = new ThroughputReport(AT, 3_000_000, Duration.ofHours(1), 214.4, 6, 1,
      Rate.of(3_000_000, 6), Rate.of(3_000_000, 2), Rate.of(3_000_000, 10), Rate.of(3_000_000, 15),
      Rate.of(3_000_000, 3), Rate.of(3_000_000, 8), Rate.of(3_000_000, 10), 0, 0, 3_000_000, 3.4, 4.5,
      Map.of("usage.aggregates", 2.0), List.of(), Optional.empty());

  /** Batches at 0.4 × the producer (missed), singles at 0.1. */
  private static IngestThroughputReport ingest(long topicRecords) {
    return new IngestThroughputReport(AT, 6, 175.4,
        new IngestThroughputReport.Mode("single", 1, 64, 20_000, 20_000, 10, new TreeMap<>(Map.of("202", 20_000L))),
        new IngestThroughputReport.Mode("batch", 1_000, 4, 20, 20_000, 2.5, new TreeMap<>(Map.of("202", 20L))),
        Rate.of(20_000, 1), topicRecords);
  }

  /** Local p99 4.5 (met), forwarded 16 (missed), admission without a single 2xx answer. */
  private static final QueryLatencyReport QUERY = new QueryLatencyReport(AT, 2_000, 20_000, 2_000, 1_998, 200, 60, 0,
      kinds(), Map.of());

  private static Map<String, QueryLatencyRecorder.Summary> kinds() {
    Map<String, QueryLatencyRecorder.Summary> kinds = new LinkedHashMap<>();
    kinds.put("usage-local", new QueryLatencyRecorder.Summary(4_000, 1.2, 4.5, 30.1, new TreeMap<>()));
    kinds.put("usage-forwarded", new QueryLatencyRecorder.Summary(4_000, 2.5, 16.0, 45.0, new TreeMap<>()));
    kinds.put("admission", new QueryLatencyRecorder.Summary(0, Double.NaN, Double.NaN, Double.NaN,
        new TreeMap<>(Map.of("503", 4_000L))));
    return kinds;
  }

  private static List<BenchAllReport.Outcome> allRanThrough() {
    List<BenchAllReport.Outcome> outcomes = new ArrayList<>();
    outcomes.add(new BenchAllReport.Outcome("aggregator-throughput", 300, BenchAllReport.values(THROUGHPUT), null));
    outcomes.add(new BenchAllReport.Outcome("alert-latency", 120,
        BenchAllReport.alertLatency(120, 500, 900, 19_950), null));
    outcomes.add(new BenchAllReport.Outcome("ingest-throughput", 60, BenchAllReport.values(ingest(40_000)), null));
    outcomes.add(new BenchAllReport.Outcome("query-latency", 90, BenchAllReport.values(QUERY), null));
    // 1.6 GiB peak: above 1.5 GiB.
    outcomes.add(new BenchAllReport.Outcome("aggregator-state", 400,
        BenchAllReport.aggregatorState(1_000_000, 1_500L << 20, 1_638L << 20), null));
    return outcomes;
  }

  @Test
  void shouldJudgeEveryFigureAgainstItsTarget() {
    BenchAllReport report = new BenchAllReport(AT, false, allRanThrough());

    assertThat(report.failed()).isFalse();
    assertThat(report.result(BenchAllReport.AGGREGATOR_PRODUCER)).isEqualTo("met");
    assertThat(report.result(BenchAllReport.AGGREGATOR_PLAIN)).isEqualTo("missed");
    assertThat(report.result(BenchAllReport.AGGREGATOR_DEDUPE_FLOOR)).isEqualTo("met");
    assertThat(report.result(BenchAllReport.AGGREGATOR_RECORDS)).isEqualTo("met");
    // Exactly at the target meets it.
    assertThat(report.result(BenchAllReport.ALERT_P99)).isEqualTo("met");
    assertThat(report.result(BenchAllReport.INGEST_BATCH)).isEqualTo("missed");
    assertThat(report.result(BenchAllReport.INGEST_SINGLE)).isEqualTo("-");
    assertThat(report.result(BenchAllReport.USAGE_LOCAL_P99)).isEqualTo("met");
    assertThat(report.result(BenchAllReport.USAGE_FORWARDED_P99)).isEqualTo("missed");
    // No answer to time is no proof of speed.
    assertThat(report.result(BenchAllReport.ADMISSION_P99)).isEqualTo("missed");
    assertThat(report.result(BenchAllReport.AGGREGATOR_RSS)).isEqualTo("missed");
  }

  @Test
  void shouldMeetATargetAtItsLimitAndNeverWithoutAValue() {
    assertThat(BenchAllReport.Target.atLeast(0.5).met(0.5)).isTrue();
    assertThat(BenchAllReport.Target.atLeast(0.5).met(0.499)).isFalse();
    assertThat(BenchAllReport.Target.atMost(5).met(5)).isTrue();
    assertThat(BenchAllReport.Target.atMost(5).met(5.01)).isFalse();
    assertThat(BenchAllReport.Target.atMost(5).met(Double.NaN)).isFalse();
  }

  @Test
  void shouldPutEveryFigureWithItsTargetInOneTable() {
    String table = new BenchAllReport(AT, false, allRanThrough()).table();

    assertThat(table.lines()).hasSize(2 + BenchAllReport.FIGURES.size());
    assertThat(table).contains("5 scenario(s), default sizes, 0 failed");
    assertThat(line(table, "aggregator events/s ÷ ProducerPerformance")).contains("0.600", ">= 0.25", "met",
        "300,000 events/s; producer 500,000");
    assertThat(line(table, "aggregator ÷ plain Kafka Streams")).contains("1.500", ">= 2", "missed");
    assertThat(line(table, "aggregator ÷ the decode-and-dedupe floor")).contains("0.800", ">= 0.5", "met",
        "floors: decode 1,000,000, dedupe 375,000 events/s");
    assertThat(line(table, "aggregator records produced per event")).contains("4.500", "<= 5", "met", "plain streams 3.40");
    assertThat(line(table, "alert p99")).contains("500.00 ms", "<= 1,000 ms", "met", "at 19,950 events/s");
    assertThat(line(table, "ingest batch ÷ producer")).contains("0.400", ">= 0.5", "missed");
    assertThat(line(table, "ingest single ÷ producer")).contains("0.100");
    assertThat(line(table, "/v1/usage p99, local")).contains("4.50 ms", "<= 5 ms", "met");
    assertThat(line(table, "/v1/usage p99, forwarded")).contains("16.00 ms", "<= 15 ms", "missed");
    assertThat(line(table, "/v1/admission p99")).contains("n/a", "<= 5 ms", "missed", "no 2xx answer; not 2xx 4000");
    assertThat(line(table, "aggregator peak RSS")).contains("1,638 MiB", "<= 1,536 MiB", "missed", "1,000,000 users");
  }

  @Test
  void shouldShowAFailedScenarioAsFailedAndKeepTheOthers() {
    List<BenchAllReport.Outcome> outcomes = allRanThrough();
    outcomes.set(1, new BenchAllReport.Outcome("alert-latency", 12, List.of(), "alerting exited with code 1"));
    BenchAllReport report = new BenchAllReport(AT, true, outcomes);

    assertThat(report.failed()).isTrue();
    assertThat(report.result(BenchAllReport.ALERT_P99)).isEqualTo("failed");
    assertThat(report.result(BenchAllReport.AGGREGATOR_PRODUCER)).isEqualTo("met");
    String table = report.table();
    assertThat(table).contains("--quick sizes", "1 failed", "alert-latency FAILED after 12 s: alerting exited with code 1");
    assertThat(line(table, "alert p99")).contains("failed").doesNotContain("met");
    assertThat(line(table, "/v1/usage p99, local")).contains("4.50 ms", "met");
  }

  @Test
  void shouldMissATargetWithoutAValueAndSayWhy() {
    List<BenchAllReport.Outcome> outcomes = allRanThrough();
    // No probe alerted: alert-latency's percentiles are NaN.
    outcomes.set(1, new BenchAllReport.Outcome("alert-latency", 200,
        BenchAllReport.alertLatency(Double.NaN, Double.NaN, Double.NaN, 1_000), null));
    BenchAllReport report = new BenchAllReport(AT, false, outcomes);

    assertThat(report.failed()).isFalse();
    assertThat(report.result(BenchAllReport.ALERT_P99)).isEqualTo("missed");
    assertThat(line(report.table(), "alert p99")).contains("n/a", "missed", "p50 n/a, max n/a ms; at 1,000 events/s")
        .doesNotContain("NaN");
  }

  @Test
  void shouldKeepTheFiguresOfAScenarioThatRanThroughButFailedItsCheck() {
    List<BenchAllReport.Outcome> outcomes = allRanThrough();
    outcomes.set(2, new BenchAllReport.Outcome("ingest-throughput", 60, BenchAllReport.values(ingest(39_000)),
        "the topic holds 39,000 records, ingest accepted 40,000"));
    BenchAllReport report = new BenchAllReport(AT, false, outcomes);

    assertThat(report.failed()).isTrue();
    assertThat(report.result(BenchAllReport.INGEST_BATCH)).isEqualTo("missed");
    assertThat(report.table()).contains("ingest-throughput FAILED after 60 s: the topic holds 39,000 records");
  }

  @Test
  void shouldWriteTheSameAsJson() throws Exception {
    List<BenchAllReport.Outcome> outcomes = allRanThrough();
    outcomes.set(4, new BenchAllReport.Outcome("aggregator-state", 5, List.of(), "no broker"));
    JsonNode json = new ObjectMapper().readTree(new BenchAllReport(AT, false, outcomes).json(new ObjectMapper()));

    assertThat(json.get("scenario").asText()).isEqualTo("all");
    assertThat(json.get("failed").asBoolean()).isTrue();
    assertThat(json.get("scenarios")).hasSize(5);
    assertThat(json.at("/scenarios/4/ok").asBoolean()).isFalse();
    assertThat(json.at("/scenarios/4/failure").asText()).isEqualTo("no broker");
    assertThat(json.at("/scenarios/0/ok").asBoolean()).isTrue();
    assertThat(json.get("figures")).hasSize(BenchAllReport.FIGURES.size());
    JsonNode first = json.at("/figures/0");
    assertThat(first.get("value").asDouble()).isCloseTo(0.6, within(1e-9));
    assertThat(first.at("/target/atLeast").asDouble()).isEqualTo(0.25);
    assertThat(first.get("result").asText()).isEqualTo("met");
    assertThat(json.at("/figures/1/target/atLeast").asDouble()).isEqualTo(2);
    assertThat(json.at("/figures/9/name").asText()).isEqualTo("/v1/admission p99");
    assertThat(json.at("/figures/9/value").isNull()).isTrue();
    assertThat(json.at("/figures/10/value").isNull()).isTrue();
    assertThat(json.at("/figures/10/target/atMost").asDouble()).isEqualTo(1536.0);
    assertThat(json.at("/figures/10/result").asText()).isEqualTo("failed");
  }

  private static String line(String table, String figure) {
    return table.lines().filter(l -> l.contains(figure)).findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + figure + " in\n" + table));
  }
}
