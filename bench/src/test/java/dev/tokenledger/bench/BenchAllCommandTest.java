package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchAllCommandTest {

  @TempDir
  Path dir;

  @Test
  void shouldTakeQuickAndDirAnywhere() {
    assertThat(BenchAllCommand.Options.parse(List.of()))
        .isEqualTo(new BenchAllCommand.Options(false, Path.of(".tokenledger/bench/all")));
    assertThat(BenchAllCommand.Options.parse(List.of("--quick")))
        .isEqualTo(new BenchAllCommand.Options(true, Path.of(".tokenledger/bench/all-quick")));
    assertThat(BenchAllCommand.Options.parse(List.of("--dir", "/tmp/b", "--quick")))
        .isEqualTo(new BenchAllCommand.Options(true, Path.of("/tmp/b")));
  }

  @Test
  void shouldRunEveryStandardScenarioOnceInTheSummarysOrder() {
    List<String> names = BenchAllCommand.standard().stream().map(BenchAllCommand.Scenario::name).toList();

    assertThat(names).containsExactly("aggregator-throughput", "alert-latency", "ingest-throughput", "query-latency",
        "aggregator-state");
    assertThat(BenchAllReport.FIGURES.stream().map(BenchAllReport.Figure::scenario).distinct().toList())
        .isEqualTo(names);
  }

  @Test
  void shouldGiveEachScenarioQuickArgumentsItTakes() throws InterruptedException {
    // Every command reads --seed after the options --quick gives: a bad seed is then the only usage error, and
    // nothing starts. A quick option the command does not know, or a value it refuses, would be reported first.
    BenchCli cli = BenchCli.standard();
    for (BenchAllCommand.Scenario scenario : BenchAllCommand.standard()) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      List<String> args = new ArrayList<>(List.of(scenario.name()));
      args.addAll(scenario.quickArgs());
      args.addAll(List.of("--seed", "not-a-number"));

      int code = cli.run(args, new PrintStream(OutputStream.nullOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));

      assertThat(scenario.quickArgs()).as(scenario.name()).isNotEmpty();
      assertThat(code).as(scenario.name()).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8)).as(scenario.name())
          .contains(scenario.name() + ": --seed must be a whole number");
    }
  }

  @Test
  void shouldRunTheOthersAfterAFailureThenPrintOneTableAndExit1() throws Exception {
    List<List<String>> calls = new CopyOnWriteArrayList<>();
    BenchAllCommand.Runner ok = (args, report, out) -> {
      calls.add(args);
      return new BenchAllCommand.Measured(BenchAllReport.alertLatency(100, 200, 300, 20_000), null);
    };
    BenchAllCommand.Runner broken = (args, report, out) -> {
      calls.add(args);
      throw new IllegalStateException("the broker did not start");
    };
    BenchAllCommand all = new BenchAllCommand(List.of(
        new BenchAllCommand.Scenario("ingest-throughput", List.of("--events", "5000"), broken),
        new BenchAllCommand.Scenario("alert-latency", List.of("--rate", "1000"), ok)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = all.run(List.of("--quick", "--dir", dir.toString()), new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(1);
    assertThat(calls).containsExactly(
        List.of("--events", "5000", "--dir", dir.toString(), "--report", dir.resolve("ingest-throughput.json").toString()),
        List.of("--rate", "1000", "--dir", dir.toString(), "--report", dir.resolve("alert-latency.json").toString()));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains("ingest-throughput FAILED after", "the broker did not start", "200.00 ms");
    JsonNode json = new ObjectMapper().readTree(dir.resolve("all.json").toFile());
    assertThat(json.get("failed").asBoolean()).isTrue();
    assertThat(json.at("/scenarios/1/ok").asBoolean()).isTrue();
  }

  @Test
  void shouldExit0WhenEveryScenarioRanThroughEvenWithATargetMissed() throws Exception {
    BenchAllCommand all = new BenchAllCommand(List.of(new BenchAllCommand.Scenario("alert-latency", List.of(),
        (args, report, out) -> new BenchAllCommand.Measured(BenchAllReport.alertLatency(100, 1_900, 2_000, 20_000),
            null))));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = all.run(List.of("--dir", dir.toString()), new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("1900.00 ms", "missed");
    assertThat(Files.exists(dir.resolve("all.json"))).isTrue();
  }

  @Test
  void shouldNotTakeAnEarlierRunsReportForThisOnes() throws Exception {
    Files.writeString(dir.resolve("alert-latency.json"), "{}");
    List<Boolean> reportExisted = new CopyOnWriteArrayList<>();
    BenchAllCommand all = new BenchAllCommand(List.of(new BenchAllCommand.Scenario("alert-latency", List.of(),
        (args, report, out) -> {
          reportExisted.add(Files.exists(report));
          return new BenchAllCommand.Measured(List.of(), "exited with code 1");
        })));

    assertThat(all.run(List.of("--dir", dir.toString()), new PrintStream(OutputStream.nullOutputStream())))
        .isEqualTo(1);
    assertThat(reportExisted).containsExactly(false);
  }
}
