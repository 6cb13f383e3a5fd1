package dev.tokenledger.bench;

import java.io.PrintStream;
import java.util.List;

/** One {@code BenchCli} subcommand; adding a benchmark means adding one of these. */
interface Subcommand {

  String name();

  /** The synopsis, shown by {@code --help} and after a usage error. */
  String usage();

  /**
   * Runs with the arguments after the subcommand's name.
   *
   * @return the process exit code
   * @throws CliArgs.UsageException for arguments the command cannot run with (exit 2)
   */
  int run(List<String> args, PrintStream out) throws InterruptedException;
}
