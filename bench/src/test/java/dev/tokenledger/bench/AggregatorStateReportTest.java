package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AggregatorStateReportTest {

  private static final String STATUS = """
      Name:\tjava
      VmPeak:\t 5263432 kB
      VmSize:\t 5198900 kB
      VmHWM:\t 1048576 kB
      VmRSS:\t  921600 kB
      RssAnon:\t  800000 kB
      Threads:\t49
      """;

  private static AggregatorStateReport report(long peakRss, long heapUsed) {
    return new AggregatorStateReport(Instant.parse("2026-11-22T12:00:00Z"), 1_000_000, 1, "1g",
        Rate.of(1_000_000, 10), Rate.of(1_000_000, 100), 1_000_000, 0, 900L << 20, peakRss, heapUsed, 300L << 20,
        250L << 20);
  }

  @Test
  void shouldReadRssAndPeakRssFromProcStatusInBytes() {
    assertThat(AggregatorStateReport.statusBytes(STATUS, "VmRSS")).isEqualTo(921_600L * 1024);
    assertThat(AggregatorStateReport.statusBytes(STATUS, "VmHWM")).isEqualTo(1L << 30);
  }

  @Test
  void shouldNameAFieldMissingFromProcStatus() {
    assertThatThrownBy(() -> AggregatorStateReport.statusBytes("Name:\tjava\n", "VmRSS"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VmRSS");
  }

  @Test
  void shouldJudgeTheTargetOnPeakRss() {
    assertThat(report(AggregatorStateReport.TARGET_RSS_BYTES, 1).meetsTarget()).isTrue();
    assertThat(report(AggregatorStateReport.TARGET_RSS_BYTES + 1, 1).meetsTarget()).isFalse();
  }

  @Test
  void shouldWriteTheSameFiguresAsJson() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report(1L << 30, 400L << 20).json(new ObjectMapper()));

    assertThat(json.get("scenario").asText()).isEqualTo("aggregator-state");
    assertThat(json.get("users").asLong()).isEqualTo(1_000_000);
    assertThat(json.get("events").asLong()).isEqualTo(1_000_000);
    assertThat(json.at("/aggregator/eventsPerSecond").asDouble()).isEqualTo(10_000.0);
    assertThat(json.at("/aggregator/secondsToCaughtUp").asDouble()).isEqualTo(100.0);
    assertThat(json.at("/memoryBytes/rss").asLong()).isEqualTo(900L << 20);
    assertThat(json.at("/memoryBytes/peakRss").asLong()).isEqualTo(1L << 30);
    assertThat(json.at("/memoryBytes/heapUsed").asLong()).isEqualTo(400L << 20);
    assertThat(json.at("/stateDirBytes/caughtUp").asLong()).isEqualTo(300L << 20);
    assertThat(json.at("/target/met").asBoolean()).isTrue();
  }

  @Test
  void shouldWriteNullForAHeapTheMetricsDidNotShow() throws Exception {
    AggregatorStateReport report = report(1L << 30, -1);
    JsonNode json = new ObjectMapper().readTree(report.json(new ObjectMapper()));

    assertThat(json.at("/memoryBytes/heapUsed").isNull()).isTrue();
    assertThat(report.table()).contains("n/a", "peak RSS (VmHWM)", "1024 MiB", "target peak RSS <= 1536 MiB: met");
  }

  @Test
  void shouldAddUpTheFilesUnderTheStateDir(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("a.sst"), new byte[1000]);
    Files.createDirectories(dir.resolve("0_1/rocksdb"));
    Files.write(dir.resolve("0_1/rocksdb/b.log"), new byte[234]);

    assertThat(AggregatorStateCommand.directoryBytes(dir)).isEqualTo(1234);
    assertThat(AggregatorStateCommand.directoryBytes(dir.resolve("absent"))).isZero();
  }
}
