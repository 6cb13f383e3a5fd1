package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code all}: every benchmark scenario, one after the other, each with its own broker and its
 * files in a sub-directory of {@code --dir}; then one table of every figure the issue asks for
 * against its target ({@link BenchAllReport}), also written as {@code all.json}. A scenario that
 * fails is shown as failed and the next one still runs.
 */
final class BenchAllCommand implements Subcommand {

  /** How {@code bench all} runs one scenario: with these arguments (and --dir, --report), to the summary's values. */
  interface Runner {
    Measured run(List<String> args, Path report, PrintStream out) throws InterruptedException;
  }

  /** What a scenario gave the summary; {@code failure} (null if none) when it ran through but is still wrong. */
  record Measured(List<BenchAllReport.Value> values, String failure) {}

  /** A scenario: its subcommand's name, its arguments for {@code --quick} (else its defaults), how to run it. */
  record Scenario(String name, List<String> quickArgs, Runner runner) {}

  /** The run's settings. */
  record Options(boolean quick, Path dir) {

    static Options parse(List<String> args) {
      List<String> rest = new ArrayList<>(args);
      boolean quick = rest.remove("--quick");
      CliArgs options = new CliArgs(rest, Set.of("dir"));
      return new Options(quick, Path.of(options.string("dir", quick ? ".tokenledger/bench/all-quick"
          : ".tokenledger/bench/all")));
    }
  }

  private final List<Scenario> scenarios;

  BenchAllCommand() {
    this(standard());
  }

  BenchAllCommand(List<Scenario> scenarios) {
    this.scenarios = scenarios;
  }

  /** Every scenario, in the summary's order; small sizes for --quick that still exercise every step. */
  static List<Scenario> standard() {
    return List.of(
        new Scenario("aggregator-throughput", List.of("--events", "20000"), (args, report, out) ->
            new Measured(BenchAllReport.values(new AggregatorThroughputCommand().measure(args, out)), null)),
        // Its command does not hand its report out yet: the figures come from its JSON. When it does, this is
        // BenchAllReport.alertLatency(r.p(50), r.p(99), r.max(), r.background().recordsPerSecond()).
        new Scenario("alert-latency", List.of("--rate", "200", "--seconds", "10", "--warmup", "3", "--timeout", "15"),
            (args, report, out) -> fromJson(new AlertLatencyCommand(), args, report, out,
                json -> BenchAllReport.alertLatency(number(json, "/latencyMillisFromSend/p50"),
                    number(json, "/latencyMillisFromSend/p99"), number(json, "/latencyMillisFromSend/max"),
                    number(json, "/background/achievedEventsPerSecond")))),
        new Scenario("ingest-throughput", List.of("--events", "5000", "--connections", "16"), (args, report, out) -> {
          IngestThroughputReport r = new IngestThroughputCommand().measure(args, out);
          return new Measured(BenchAllReport.values(r), r.exact() ? null : String.format(
              "the topic holds %,d records, ingest accepted %,d", r.topicRecords(), r.acceptedEvents()));
        }),
        new Scenario("query-latency", List.of("--users", "200", "--preload", "2000", "--load", "200", "--rate", "60",
            "--seconds", "10", "--warmup", "2"), (args, report, out) ->
            new Measured(BenchAllReport.values(new QueryLatencyCommand().measure(args, out)), null)),
        // As alert-latency: BenchAllReport.aggregatorState(r.users(), r.rssBytes(), r.peakRssBytes()) once it can.
        new Scenario("aggregator-state", List.of("--users", "20000"), (args, report, out) ->
            fromJson(new AggregatorStateCommand(), args, report, out,
                json -> BenchAllReport.aggregatorState((long) number(json, "/users"),
                    (long) number(json, "/memoryBytes/rss"), (long) number(json, "/memoryBytes/peakRss")))));
  }

  private interface FromJson {
    List<BenchAllReport.Value> values(JsonNode report);
  }

  /** Runs a command that only writes its report, then reads the report's figures from its JSON. */
  private static Measured fromJson(Subcommand command, List<String> args, Path report, PrintStream out,
      FromJson figures) throws InterruptedException {
    int code = command.run(args, out);
    if (code != 0) {
      return new Measured(List.of(), "exited with code " + code);
    }
    try {
      return new Measured(figures.values(new ObjectMapper().readTree(report.toFile())), null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + report, e);
    }
  }

  /** A number of the report, NaN when it is missing or null. */
  private static double number(JsonNode json, String pointer) {
    JsonNode node = json.at(pointer);
    return node.isNumber() ? node.asDouble() : Double.NaN;
  }

  @Override
  public String name() {
    return "all";
  }

  @Override
  public String usage() {
    return "all [--quick] [--dir DIR (.tokenledger/bench/all, with --quick .tokenledger/bench/all-quick)]\n"
        + "  Every scenario, one after the other at its default sizes (--quick: small sizes, a smoke run), each in\n"
        + "  DIR/SCENARIO (report DIR/SCENARIO.json); one table of every target, also in DIR/all.json.";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    Options options = Options.parse(args);
    List<BenchAllReport.Outcome> outcomes = new ArrayList<>();
    int n = 0;
    for (Scenario scenario : scenarios) {
      Path report = options.dir().resolve(scenario.name() + ".json");
      List<String> scenarioArgs = new ArrayList<>(options.quick() ? scenario.quickArgs() : List.of());
      scenarioArgs.addAll(List.of("--dir", options.dir().toString(), "--report", report.toString()));
      out.printf("%n=== [%d/%d] %s %s%n", ++n, scenarios.size(), scenario.name(), String.join(" ", scenarioArgs));
      long start = System.nanoTime();
      Measured measured;
      try {
        // A report left by an earlier run must not pass for this one's.
        Files.deleteIfExists(report);
        measured = scenario.runner().run(scenarioArgs, report, out);
      } catch (IOException | RuntimeException e) {
        measured = new Measured(List.of(), e.getMessage() == null ? e.toString() : e.getMessage());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (measured.failure() != null) {
        out.println(scenario.name() + " FAILED: " + measured.failure() + " (logs in "
            + options.dir().resolve(scenario.name()).resolve("logs") + ")");
      }
      outcomes.add(new BenchAllReport.Outcome(scenario.name(), seconds, measured.values(), measured.failure()));
    }
    BenchAllReport summary = new BenchAllReport(Instant.now(), options.quick(), outcomes);
    out.println();
    out.print(summary.table());
    Path json = options.dir().resolve("all.json");
    try {
      Files.createDirectories(options.dir());
      Files.writeString(json, summary.json(new ObjectMapper()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println("report: " + json);
    return summary.failed() ? 1 : 0;
  }
}
