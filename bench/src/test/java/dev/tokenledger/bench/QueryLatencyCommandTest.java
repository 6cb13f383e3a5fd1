package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class QueryLatencyCommandTest {

  @Test
  void shouldTakeTheDefaultsAndTheGivenOptions() {
    QueryLatencyCommand.Options defaults = QueryLatencyCommand.Options.parse(List.of());
    QueryLatencyCommand.Options given = QueryLatencyCommand.Options.parse(List.of("--users", "500", "--rate=50.5",
        "--seconds", "20", "--load", "100", "--warmup", "0", "--dir", "/tmp/b"));

    assertThat(defaults).isEqualTo(new QueryLatencyCommand.Options(2_000, 20_000, 2_000, 200, 60, 5,
        Path.of(".tokenledger/bench"), Path.of(".tokenledger/bench/query-latency.json"), 42));
    assertThat(given.users()).isEqualTo(500);
    assertThat(given.rate()).isEqualTo(50.5);
    assertThat(given.seconds()).isEqualTo(20);
    assertThat(given.load()).isEqualTo(100);
    assertThat(given.warmup()).isZero();
    assertThat(given.report()).isEqualTo(Path.of("/tmp/b/query-latency.json"));
  }

  @Test
  void shouldRefuseOptionsItCannotRunWith() {
    assertThatThrownBy(() -> QueryLatencyCommand.Options.parse(List.of("--rate", "0")))
        .hasMessageContaining("--rate must be a number > 0");
    assertThatThrownBy(() -> QueryLatencyCommand.Options.parse(List.of("--users", "20000")))
        .hasMessageContaining("--users must be at most 10000");
    assertThatThrownBy(() -> QueryLatencyCommand.Options.parse(List.of("--users", "1")))
        .hasMessageContaining("--users must be a whole number ≥ 2");
    assertThatThrownBy(() -> QueryLatencyCommand.Options.parse(List.of("--qps", "1")))
        .hasMessageContaining("unknown option --qps");
  }

  @Test
  void shouldExit2ForAUsageErrorBeforeStartingAnything() throws InterruptedException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new BenchCli(List.of(new QueryLatencyCommand())).run(List.of("query-latency", "--seconds", "0"),
        new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--seconds must be a whole number ≥ 1", "usage: bench query-latency");
  }

  @Test
  void shouldScheduleQueriesAtTheRateWithTheKindsTakingTurns() {
    assertThat(QueryLatencyCommand.scheduledNanos(0, 200)).isZero();
    assertThat(QueryLatencyCommand.scheduledNanos(1, 200)).isEqualTo(5_000_000);
    assertThat(QueryLatencyCommand.scheduledNanos(12_000, 200)).isEqualTo(60_000_000_000L);
    assertThat(QueryLatencyCommand.scheduledNanos(1, 3)).isEqualTo(333_333_333);
    assertThat(List.of(0, 1, 2, 3, 4).stream().map(QueryLatencyCommand::kindOf).toList())
        .containsExactly("usage-local", "usage-forwarded", "admission", "usage-local", "usage-forwarded");
  }

  @Test
  void shouldFoldGeneratorUsersOntoTheGivenNumber() {
    assertThat(QueryLatencyCommand.user("user-00042", 2_000)).isEqualTo("user-00042");
    assertThat(QueryLatencyCommand.user("user-09999", 2_000)).isEqualTo("user-01999");
    assertThat(QueryLatencyCommand.user("user-02000", 2_000)).isEqualTo("user-00000");
  }

  private static QueryLatencyRecorder.Summary summary(long count, double p50, double p99, double max,
      Map<String, Long> failures) {
    return new QueryLatencyRecorder.Summary(count, p50, p99, max, new TreeMap<>(failures));
  }

  private final QueryLatencyReport report = new QueryLatencyReport(Instant.parse("2026-11-22T12:00:00Z"), 2_000,
      20_000, 2_000, 1_998.5, 200, 60, 3, kinds(), Map.of("admission", new ServerSideLatency(4_000, 0.5, 2.5)));

  private static Map<String, QueryLatencyRecorder.Summary> kinds() {
    Map<String, QueryLatencyRecorder.Summary> kinds = new LinkedHashMap<>();
    kinds.put("usage-local", summary(3_997, 1.2, 4.5, 30.1, Map.of()));
    kinds.put("usage-forwarded", summary(4_000, 2.5, 16.0, 45.0, Map.of("503", 3L)));
    kinds.put("admission", summary(4_000, 0.9, 3.0, 12.0, Map.of()));
    return kinds;
  }

  @Test
  void shouldJudgeEachKindAgainstItsP99Target() {
    assertThat(report.met("usage-local")).isTrue();
    assertThat(report.met("usage-forwarded")).isFalse();
    assertThat(report.met("admission")).isTrue();
    assertThat(report.table()).contains("<= 5 met", "<= 15 MISSED", "3 (503: 3)", "1,999 events/s (target 2,000)",
        "3 queries were answered by another instance");
  }

  @Test
  void shouldWriteTheSameFiguresAsJson() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.json(new ObjectMapper()));

    assertThat(json.get("scenario").asText()).isEqualTo("query-latency");
    assertThat(json.at("/kinds/usage-local/p99Millis").asDouble()).isEqualTo(4.5);
    assertThat(json.at("/kinds/usage-local/p99TargetMet").asBoolean()).isTrue();
    assertThat(json.at("/kinds/usage-forwarded/p99TargetMillis").asDouble()).isEqualTo(15.0);
    assertThat(json.at("/kinds/usage-forwarded/p99TargetMet").asBoolean()).isFalse();
    assertThat(json.at("/kinds/usage-forwarded/not2xx").asLong()).isEqualTo(3);
    assertThat(json.at("/kinds/usage-forwarded/not2xxByAnswer/503").asLong()).isEqualTo(3);
    assertThat(json.at("/kinds/admission/count").asLong()).isEqualTo(4_000);
    assertThat(json.get("loadEventsPerSecond").asDouble()).isEqualTo(1_998.5);
    assertThat(json.get("misrouted").asLong()).isEqualTo(3);
    assertThat(json.at("/serverSide/admission/p99AtMostMillis").asDouble()).isEqualTo(2.5);
  }

  @Test
  void shouldTakeServerSidePercentilesFromTheHistogramsDifference() {
    // Cumulative counts by upper bound (seconds): 100 requests before; 1 000 more, 990 within 1 ms, 10 up to 5 ms.
    TreeMap<Double, Double> before = new TreeMap<>(Map.of(0.00025, 0.0, 0.0005, 50.0, 0.001, 100.0, 0.005, 100.0,
        Double.POSITIVE_INFINITY, 100.0));
    TreeMap<Double, Double> after = new TreeMap<>(Map.of(0.00025, 0.0, 0.0005, 550.0, 0.001, 1_090.0, 0.005, 1_100.0,
        Double.POSITIVE_INFINITY, 1_100.0));

    ServerSideLatency latency = ServerSideLatency.between(before, after);

    assertThat(latency.count()).isEqualTo(1_000);
    assertThat(latency.p50AtMostMillis()).isEqualTo(0.5);
    assertThat(latency.p99AtMostMillis()).isEqualTo(1.0);
  }

  @Test
  void shouldSumAHistogramsBucketsOverTheSeriesOfOneRoute() {
    String exposition = String.join("\n",
        "http_server_requests_seconds_bucket{app=\"a\",forwarded=\"no\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"0.001\"} 3",
        "http_server_requests_seconds_bucket{app=\"a\",forwarded=\"out\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"0.001\"} 7",
        "http_server_requests_seconds_bucket{app=\"a\",forwarded=\"no\",method=\"GET\",route=\"/v1/usage\",status=\"200\",le=\"+Inf\"} 4");

    assertThat(PrometheusText.buckets(exposition, "http_server_requests_seconds", "route=\"/v1/usage\"", "forwarded=\"no\""))
        .containsExactly(Map.entry(0.001, 3.0), Map.entry(Double.POSITIVE_INFINITY, 4.0));
  }
}
