package dev.tokenledger.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator's CLI behind {@code bin/tokenledger usage|top|quota|alerts|pricing|admission|stats|forecast}: the
 * aggregator's and alerting app's HTTP APIs as readable tables, or their JSON with {@code --json}.
 * Exit codes: 0 done, 1 the app answered with an error, 2 wrong usage, 3 the app could not be reached.
 */
public final class TokenLedgerCli {

  private static final int OK = 0;

  private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("usage", new UsageCommand());
    COMMANDS.put("top", new TopCommand());
    COMMANDS.put("quota", new QuotaCommand());
    COMMANDS.put("alerts", new AlertsCommand());
    COMMANDS.put("pricing", new PricingCommand());
    COMMANDS.put("admission", new AdmissionCommand());
    COMMANDS.put("stats", new StatsCommand());
    COMMANDS.put("forecast", new ForecastCommand());
    COMMANDS.put("reprice", new RepriceCommand());
  }

  static final String CONNECTION_HELP = """
      Every command takes:
        --json             print the API's JSON answer (pretty) instead of a table
        --zone ZONE        show times in ZONE (e.g. Europe/Berlin) instead of UTC
        --aggregator URL   default $TOKENLEDGER_AGGREGATOR_URL, else http://127.0.0.1:8082
        --alerting URL     default $TOKENLEDGER_ALERTING_URL, else http://127.0.0.1:8083
        --key KEY          the API key; default $TOKENLEDGER_READ_KEY for reads (else
                           $TOKENLEDGER_ADMIN_KEY) and $TOKENLEDGER_ADMIN_KEY for changes
      Exit codes: 0 done, 1 the app answered with an error, 2 wrong usage, 3 cannot connect.""";

  private TokenLedgerCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /**
   * Runs one command line.
   *
   * @param environment where the URLs and keys are read from when no flag gives them
   * @return the exit code
   */
  public static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
    try {
      Arguments arguments = Arguments.parse(args);
      String name = arguments.word(0).orElse("help");
      if (name.equals("help")) {
        out.println(help(arguments.word(1).orElse(null)));
        return OK;
      }
      Command command = COMMANDS.get(name);
      if (command == null) {
        throw CliError.usage("unknown command " + name + " (one of " + String.join(", ", COMMANDS.keySet()) + ")");
      }
      if (arguments.flag("help")) {
        out.println(help(name));
        return OK;
      }
      command.run(new Session(arguments, environment, out));
      return OK;
    } catch (CliError e) {
      err.println("error: " + e.getMessage());
      e.details().forEach(detail -> err.println("  " + detail));
      if (e.exitCode() == CliError.USAGE_ERROR) {
        err.println("('bin/tokenledger help' lists the commands and their options)");
      }
      return e.exitCode();
    } catch (RuntimeException e) {
      // A bug, or an answer the CLI cannot read: one line, not a stack trace; exit 1 like an app error.
      err.println("error: unexpected: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
      return CliError.API_ERROR;
    }
  }

  /** One command's help, or every command's when {@code command} is null. */
  static String help(String command) {
    if (command != null) {
      Command known = COMMANDS.get(command);
      if (known == null) {
        throw CliError.usage("no command " + command + " (one of " + String.join(", ", COMMANDS.keySet()) + ")");
      }
      return known.help() + "\n\n" + CONNECTION_HELP;
    }
    StringBuilder all = new StringBuilder();
    COMMANDS.values().forEach(c -> all.append(c.help()).append("\n\n"));
    return all.append(CONNECTION_HELP).toString();
  }
}
