package dev.tokenledger.faults;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bin/tokenledger verify}: starts a three-node cluster, runs each fault case against real
 * app processes, prints every case's figures and writes them as JSON. Exit 0 when every case
 * passed, 1 when one failed, 2 on a wrong argument.
 */
public final class FaultSuite {

  static final List<FaultCase> CASES = List.of(new AggregatorCrashCase(), new AlertingCrashCase(), new BrokerCrashCase(),
      new DuplicatesCase(), new RebalanceCase(), new StallCase(), new HostileRecordsCase(), new PoisonCase(),
      new MalformedInputCase(), new FailedInstanceCase());

  private final PrintStream out;

  FaultSuite(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("verify: " + e.getMessage() + "\n" + Options.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.println(Options.USAGE);
      return;
    }
    List<CaseResult> results = new FaultSuite(System.out).run(options);
    System.exit(results.stream().allMatch(CaseResult::passed) ? 0 : 1);
  }

  /** The command line: {@code [--long] [--cases a,b] [--dir DIR] [--report FILE]}. */
  record Options(Scale scale, List<String> cases, Path dir, Path report, boolean help) {
    static final String USAGE = """
        Usage: bin/tokenledger verify [--long] [--cases NAME,NAME] [--dir DIR] [--report FILE]
          --long     more events and crashes per case (minutes per case instead of about one)
          --cases    only these cases (default: all of them, in order)
          --dir      where the brokers, apps, state and logs go (default .tokenledger/verify)
          --report   the figures as JSON (default DIR/report.json)
        Cases:
        """ + String.join("\n", CASES.stream().map(c -> String.format("  %-18s %s", c.name(), c.description())).toList());

    static Options parse(String[] args) {
      Scale scale = Scale.SHORT;
      List<String> cases = CASES.stream().map(FaultCase::name).toList();
      Path dir = Path.of(".tokenledger", "verify");
      Path report = null;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--long" -> scale = Scale.LONG;
          case "--cases" -> cases = Arrays.asList(value(args, ++i, "--cases").split(","));
          case "--dir" -> dir = Path.of(value(args, ++i, "--dir"));
          case "--report" -> report = Path.of(value(args, ++i, "--report"));
          case "help", "--help", "-h" -> {
            return new Options(scale, cases, dir, report, true);
          }
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
      for (String name : cases) {
        if (CASES.stream().noneMatch(c -> c.name().equals(name))) {
          throw new IllegalArgumentException("no case named " + name);
        }
      }
      return new Options(scale, cases, dir, report == null ? dir.resolve("report.json") : report, false);
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }
  }

  List<CaseResult> run(Options options) {
    out.printf("TokenLedger fault suite, %s scale: %s%n", options.scale().name(), String.join(", ", options.cases()));
    List<CaseResult> results = new ArrayList<>();
    try (SuiteEnvironment environment = SuiteEnvironment.start(options.dir().toAbsolutePath(), out)) {
      for (FaultCase fault : CASES) {
        if (options.cases().contains(fault.name())) {
          results.add(runCase(fault, environment, options.scale()));
        }
      }
    }
    printTable(results);
    writeReport(options, results);
    return results;
  }

  /** Runs one case; a case that throws has failed with that as its problem, and the suite goes on. */
  CaseResult runCase(FaultCase fault, SuiteEnvironment environment, Scale scale) {
    out.printf("%n== %s: %s%n", fault.name(), fault.description());
    CaseResult result = new CaseResult(fault.name());
    long start = System.nanoTime();
    try {
      fault.run(environment, scale, result);
    } catch (Exception | AssertionError e) {
      result.check(false, "failed: " + e);
    } finally {
      if (!result.passed()) {
        environment.dumpThreads();
      }
      environment.stopApps();
    }
    result.tookSeconds((System.nanoTime() - start) / 1e9);
    result.figures().forEach((label, value) -> out.printf("   %-34s %s%n", label, value));
    out.printf("   %s in %.0f s%s%n", result.passed() ? "PASSED" : "FAILED", result.seconds(),
        result.passed() ? "" : " (thread dumps in the apps' logs):\n     " + String.join("\n     ", result.problems()));
    return result;
  }

  private void printTable(List<CaseResult> results) {
    out.printf("%n%-18s %-7s %6s  %s%n", "case", "result", "secs", "figures");
    for (CaseResult result : results) {
      StringBuilder figures = new StringBuilder();
      result.figures().forEach((label, value) -> figures.append(figures.isEmpty() ? "" : ", ").append(label).append(' ').append(value));
      out.printf("%-18s %-7s %6.0f  %s%n", result.name(), result.passed() ? "PASSED" : "FAILED", result.seconds(), figures);
    }
  }

  private void writeReport(Options options, List<CaseResult> results) {
    ObjectNode report = Http.JSON.createObjectNode().put("finishedAt", Instant.now().toString())
        .put("scale", options.scale().name()).put("processors", Runtime.getRuntime().availableProcessors());
    ArrayNode cases = report.putArray("cases");
    for (CaseResult result : results) {
      ObjectNode node = cases.addObject().put("case", result.name()).put("passed", result.passed())
          .put("seconds", Math.round(result.seconds()));
      node.set("figures", Http.JSON.valueToTree(result.figures()));
      node.set("problems", Http.JSON.valueToTree(result.problems()));
    }
    try {
      Files.createDirectories(options.report().toAbsolutePath().getParent());
      Files.writeString(options.report(), Http.JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
      out.printf("Report: %s%n", options.report());
    } catch (IOException e) {
      out.printf("Cannot write the report %s: %s%n", options.report(), e.getMessage());
    }
  }
}
