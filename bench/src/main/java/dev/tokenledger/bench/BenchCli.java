package dev.tokenledger.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench command line: {@code java -cp bench.jar:lib/* dev.tokenledger.bench.BenchCli SUBCOMMAND [options]}. Exit codes:
 * 0 done, 2 usage error (unknown subcommand or option), 1 failure.
 */
public final class BenchCli {

  private final Map<String, Subcommand> subcommands = new LinkedHashMap<>();

  BenchCli(List<Subcommand> subcommands) {
    subcommands.forEach(c -> this.subcommands.put(c.name(), c));
  }

  static BenchCli standard() {
    return new BenchCli(List.of(new DemoTrafficCommand(System.getenv()), new AggregatorThroughputCommand(),
        new AlertLatencyCommand(), new AggregatorStateCommand(), new IngestThroughputCommand(),
        new QueryLatencyCommand(), new BenchAllCommand()));
  }

  public static void main(String[] args) throws InterruptedException {
    int code = standard().run(Arrays.asList(args), System.out, System.err);
    // On 0, return normally: during a SIGTERM shutdown System.exit would block in the hooks.
    if (code != 0) {
      System.exit(code);
    }
  }

  int run(List<String> args, PrintStream out, PrintStream err) throws InterruptedException {
    if (args.isEmpty()) {
      err.print(usage());
      return 2;
    }
    String name = args.get(0);
    if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
      out.print(usage());
      return 0;
    }
    Subcommand command = subcommands.get(name);
    if (command == null) {
      err.println("unknown subcommand '" + name + "'");
      err.print(usage());
      return 2;
    }
    List<String> rest = args.subList(1, args.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      out.println("usage: bench " + command.usage());
      return 0;
    }
    try {
      return command.run(rest, out);
    } catch (CliArgs.UsageException e) {
      err.println(name + ": " + e.getMessage());
      err.println("usage: bench " + command.usage());
      return 2;
    }
  }

  private String usage() {
    StringBuilder usage = new StringBuilder("usage: bench SUBCOMMAND [options]\n\nsubcommands:\n");
    subcommands.values().forEach(c -> usage.append("  ").append(c.usage()).append('\n'));
    return usage.toString();
  }
}
