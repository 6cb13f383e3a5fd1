package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line's own answers, before any request is sent: help and usage errors (exit 2). */
class TokenLedgerCliTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> environment, String... args) {
    return TokenLedgerCli.run(args, environment, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void shouldPrintOneCommandsHelpWithTheConnectionSettings() {
    assertThat(run(Map.of(), "quota", "--help")).isZero();

    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("quota set ID --subject user:alice")
        .contains("quota status SUBJECT", "TOKENLEDGER_AGGREGATOR_URL", "3 cannot connect");
  }

  @Test
  void shouldBeReachableThroughBinTokenledgerForEveryCommand() throws Exception {
    // bin/tokenledger passes on to this CLI only the commands its two case patterns list (run, help).
    List<List<String>> dispatched = Files.readAllLines(Path.of("..", "bin", "tokenledger")).stream()
        .map(String::trim).filter(line -> line.startsWith("usage | top |") && line.endsWith(")"))
        .map(line -> List.of(line.substring(0, line.length() - 1).split(" \\| "))).toList();
    assertThat(run(Map.of(), "no-such-command")).isEqualTo(2);
    List<String> commands = List.of(err.toString(StandardCharsets.UTF_8)
        .replaceAll("(?s).*\\(one of ([^)]*)\\).*", "$1").trim().split(", "));

    assertThat(dispatched).hasSize(2).allSatisfy(list -> assertThat(list).containsExactlyElementsOf(commands));
  }

  @Test
  void shouldExitTwoOnAnUnknownCommand() {
    assertThat(run(Map.of(), "quotas")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("error: unknown command quotas (one of usage, top, quota, alerts, pricing, admission, stats, forecast, reprice)");
  }

  @Test
  void shouldExitTwoAndSayWhereTheKeysAreWhenNoKeyIsSet() {
    assertThat(run(Map.of(), "top")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith(
        "error: no API key: give --key or set TOKENLEDGER_READ_KEY (or TOKENLEDGER_ADMIN_KEY); the demo's keys are in .tokenledger/demo.env");
  }

  @Test
  void shouldAskForTheAdminKeyForAChangeEvenWhenAReadKeyIsSet() {
    assertThat(run(Map.of("TOKENLEDGER_READ_KEY", "r"), "quota", "delete", "alice-daily")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: no API key: give --key or set TOKENLEDGER_ADMIN_KEY;");
  }

  @Test
  void shouldExitTwoOnAMissingRequiredOptionBeforeSendingAnything() {
    assertThat(run(Map.of("TOKENLEDGER_ADMIN_KEY", "a"), "quota", "set", "alice-daily", "--subject", "user:alice")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: --metric is required, e.g. --metric tokens");
  }

  @Test
  void shouldExitTwoWhenARepricingComparisonNamesNoRestatingAggregator() {
    assertThat(run(Map.of("TOKENLEDGER_READ_KEY", "r"), "reprice", "compare", "--from", "2026-11-01", "--to",
        "2026-12-01")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith(
        "error: --restated is required: the restating aggregator's URL, e.g. http://127.0.0.1:18082");
  }

  @Test
  void shouldExitTwoOnAUrlThatIsNotOne() {
    assertThat(run(Map.of("TOKENLEDGER_READ_KEY", "r", "TOKENLEDGER_AGGREGATOR_URL", "localhost:8082"), "top")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("error: --aggregator must be a URL like http://127.0.0.1:8082 (got localhost:8082)");
  }
}
