package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class IngestThroughputCommandTest {

  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void shouldTakeTheDefaultsAndTheGivenOptions() {
    assertThat(IngestThroughputCommand.Options.parse(List.of())).isEqualTo(new IngestThroughputCommand.Options(
        200_000, 64, 1_000, 4, Path.of(".tokenledger/bench"), Path.of(".tokenledger/bench/ingest-throughput.json"), 42));
    IngestThroughputCommand.Options given = IngestThroughputCommand.Options.parse(
        List.of("--events", "20000", "--connections=16", "--batch", "500", "--batch-in-flight", "2", "--report", "r.json"));
    assertThat(given.events()).isEqualTo(20_000);
    assertThat(given.connections()).isEqualTo(16);
    assertThat(given.batch()).isEqualTo(500);
    assertThat(given.batchInFlight()).isEqualTo(2);
    assertThat(given.report()).isEqualTo(Path.of("r.json"));
  }

  @Test
  void shouldRefuseABatchAboveIngestsLimitAndTooFewEvents() {
    assertThatThrownBy(() -> IngestThroughputCommand.Options.parse(List.of("--batch", "1001")))
        .isInstanceOf(CliArgs.UsageException.class).hasMessageContaining("--batch must be at most 1000");
    assertThatThrownBy(() -> IngestThroughputCommand.Options.parse(List.of("--events", "10")))
        .isInstanceOf(CliArgs.UsageException.class).hasMessageContaining("--events must be a whole number ≥ 1000");
  }

  @Test
  void shouldSplitTheEventsIntoBodiesOfTheBatchSizeAndOneEventBodiesAsBareObjects() throws Exception {
    UsageEventGenerator generator = new UsageEventGenerator(7, 2_500, Instant.parse("2026-11-22T12:00:00Z"));

    List<byte[]> batches = IngestThroughputCommand.bodies(generator, 2_500, 1_000, mapper);
    List<byte[]> singles = IngestThroughputCommand.bodies(generator, 3, 1, mapper);

    assertThat(batches).hasSize(3);
    assertThat(batches.stream().map(b -> readTree(b).get("events").size()).toList()).containsExactly(1_000, 1_000, 500);
    assertThat(singles).hasSize(3);
    JsonNode single = readTree(singles.get(0));
    assertThat(single.isObject()).isTrue();
    assertThat(single.has("events")).isFalse();
    assertThat(single.get("userId").asText()).startsWith("user-");
    assertThat(single.get("inputTokens").asLong()).isPositive();
    // The key's owner is the service: a body naming another one would be rejected.
    assertThat(single.has("service")).isFalse();
    assertThat(readTree(batches.get(0)).get("events").get(0).get("eventId").asText())
        .isNotEqualTo(readTree(batches.get(0)).get("events").get(1).get("eventId").asText());
  }

  private JsonNode readTree(byte[] body) {
    try {
      return mapper.readTree(body);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static IngestThroughputReport report(long topicRecords) {
    return new IngestThroughputReport(Instant.parse("2026-11-22T12:00:00Z"), 6, 175.4,
        new IngestThroughputReport.Mode("single", 1, 64, 20_000, 19_990, 10, new TreeMap<>(Map.of("202", 19_990L,
            "503", 10L))),
        new IngestThroughputReport.Mode("batch", 1_000, 4, 20, 20_000, 2, new TreeMap<>(Map.of("202", 20L))),
        Rate.of(20_000, 1), topicRecords);
  }

  @Test
  void shouldRelateBothModesToTheProducerAndCheckTheTopic() {
    IngestThroughputReport report = report(39_990);

    assertThat(report.ratios().get("single/producer")).isCloseTo(0.09995, within(1e-9));
    assertThat(report.ratios().get("batch/producer")).isCloseTo(0.5, within(1e-9));
    assertThat(report.batchTargetMet()).isTrue();
    assertThat(report.exact()).isTrue();
    assertThat(report.single().notAccepted()).isEqualTo(10);
    assertThat(report.table()).contains("1,999", "10,000", "20,000", "202: 19,990, 503: 10", "202: 20",
        "target batch/producer >= 0.5: met", "topic holds 39,990 records, accepted 39,990: exact");
    assertThat(report(40_000).exact()).isFalse();
    assertThat(report(40_000).table()).contains("MISMATCH");
  }

  @Test
  void shouldWriteTheSameFiguresAsJson() throws Exception {
    JsonNode json = mapper.readTree(report(39_990).json(mapper));

    assertThat(json.get("scenario").asText()).isEqualTo("ingest-throughput");
    assertThat(json.at("/modes/single/eventsPerSecond").asDouble()).isEqualTo(1_999.0);
    assertThat(json.at("/modes/single/requestsByAnswer/503").asLong()).isEqualTo(10);
    assertThat(json.at("/modes/single/notAccepted").asLong()).isEqualTo(10);
    assertThat(json.at("/modes/batch/eventsPerSecond").asDouble()).isEqualTo(10_000.0);
    assertThat(json.at("/producerPerformance/recordsPerSecond").asDouble()).isEqualTo(20_000.0);
    assertThat(json.at("/ratios/batch~1producer").asDouble()).isCloseTo(0.5, within(1e-9));
    assertThat(json.get("batchTargetMet").asBoolean()).isTrue();
    assertThat(json.get("topicRecords").asLong()).isEqualTo(39_990);
    assertThat(json.get("exact").asBoolean()).isTrue();
  }
}
