package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tokenledger.cli.TokenLedgerCli;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.RunningApp;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tokenledger usage|top|quota|alerts|pricing|admission|stats|forecast} against the three real apps on a
 * real broker: what an operator reads in the tables is what the apps hold, {@code --json} is the
 * API's answer, and a wrong key or an app that is not there gives the promised exit code.
 */
class OperatorCliTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final Duration PROCESSED = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static AppStack stack;
  private static Map<String, String> environment;

  /** One run of the CLI's main: its exit code and what it printed. */
  record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    stack = AppStack.start(KAFKA, dir, "cli");
    // Where an operator's shell has them after 'source .tokenledger/demo.env'.
    environment = Map.of(
        "TOKENLEDGER_AGGREGATOR_URL", "http://127.0.0.1:" + stack.aggregator.httpPort(),
        "TOKENLEDGER_ALERTING_URL", "http://127.0.0.1:" + stack.alerting.httpPort(),
        "TOKENLEDGER_READ_KEY", AppStack.READ_KEY,
        "TOKENLEDGER_ADMIN_KEY", AppStack.ADMIN_KEY);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void shouldListAQuotaSetFromTheCommandLineAndShowWhereItsSubjectStands() throws Exception {
    Run set = cli("quota", "set", "carol-daily", "--subject", "user:carol", "--metric", "tokens", "--period", "day",
        "--limit", "5000", "--action", "block");
    assertThat(set.exitCode()).as(set.err()).isZero();
    assertThat(set.out()).isEqualTo("""
        quota carol-daily is in force:
        QUOTA        SUBJECT     RULE   METRIC  PERIOD  LIMIT  THRESHOLDS    ACTION
        carol-daily  user:carol  limit  tokens  day     5,000  80%,90%,100%  block
        """);

    assertThat(cli("quota", "list").out()).contains("carol-daily  user:carol  limit  tokens  day     5,000  80%,90%,100%  block");

    post(List.of(event("carol-1", "carol", Instant.now(), 3_000, 1_200, "0.0105")));
    await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("quota", "status", "user:carol").out())
        .containsPattern("carol-daily  tokens  day     4,200  5,000   84\\.0%  warning  block   \\S+Z\n"));

    Run admission = cli("admission", "user:carol", "--tokens", "1000");
    assertThat(admission.out()).startsWith("user:carol: DENIED\n").contains(
        "carol-daily  limit  block   no       would exceed the limit with 1,000 tokens more: 4,200 tokens used of 5,000 tokens this day");

    assertThat(cli("quota", "delete", "carol-daily").out()).isEqualTo("quota carol-daily deleted\n");
    assertThat(cli("quota", "list").out()).doesNotContain("carol-daily");
  }

  @Test
  void shouldShowTheExactTotalsOfPostedEventsInUsageAndTop() throws Exception {
    // One minute ago, so the events share a day with the queries below whenever the test runs.
    Instant occurredAt = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
    String day = occurredAt.atZone(ZoneOffset.UTC).toLocalDate().toString();
    String nextDay = occurredAt.atZone(ZoneOffset.UTC).toLocalDate().plusDays(1).toString();
    List<Map<String, Object>> events = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      events.add(event("dave-" + i, "dave", occurredAt, 1_000_000 + i, 250_000, "0.125"));
    }
    post(events);

    await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("usage", "dave", "--from", day, "--to", nextDay).out())
        .isEqualTo("user dave per day, " + day + "T00:00:00Z to " + nextDay + "T00:00:00Z (zone UTC)\n"
            + "WINDOW START          REQUESTS  INPUT TOKENS  OUTPUT TOKENS  TOTAL TOKENS  COST USD\n"
            + day + "T00:00:00Z         3     3,000,003        750,000     3,750,003     0.375\n"));

    Run top = cli("top", "--by", "tokens", "--at", occurredAt.toString(), "--limit", "1000");
    assertThat(top.out()).startsWith("top user by tokens, day " + day + "T00:00:00Z to " + nextDay + "T00:00:00Z\n")
        .containsPattern("\\n *\\d+  dave +0\\.3750* +3,750,003 +3,000,003 +750,000 +3 +0\\n");

    Run json = cli("usage", "dave", "--from", day, "--to", nextDay, "--json");
    HttpResponse<String> api = stack.send(stack.aggregator, "GET",
        "/v1/usage?dimension=user&key=dave&from=" + day + "&to=" + nextDay, AppStack.READ_KEY, null);
    assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(api.body()));
  }

  @Test
  void shouldShowPostedEventsInStatsAndTheirUserInForecast() throws Exception {
    // A model and a user of this test alone: the stack's totals also hold the other tests' events.
    Instant occurredAt = Instant.now();
    List<Map<String, Object>> events = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Map<String, Object> event = event("frank-" + i, "frank", occurredAt, 40_000 + i, 10_000, "0.0625");
      event.put("provider", "acme");
      event.put("model", "stats-large");
      events.add(event);
    }
    post(events);

    await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("stats", "--limit", "100").out())
        .startsWith("stats for 24h, ")
        .containsPattern("\nby model\nMODEL +COST USD +TOTAL TOKENS +INPUT TOKENS +OUTPUT TOKENS +REQUESTS +FAILED\n")
        .containsPattern("\nacme/stats-large +0\\.1250* +100,001 +80,001 +20,000 +2 +0\n")
        .containsPattern("\nfrank +0\\.1250* +100,001 +80,001 +20,000 +2 +0\n"));

    Run forecast = cli("forecast", "frank", "--period", "day");
    assertThat(forecast.exitCode()).as(forecast.err()).isZero();
    assertThat(forecast.out()).startsWith("user frank this day, ").containsPattern("\nused +100,001 +0\\.1250*\n")
        .containsPattern("\nforecast +[\\d,]+ +[\\d.]+\n").contains("confidence ");

    Run json = cli("forecast", "frank", "--period", "day", "--json");
    assertThat(JSON.readTree(json.out()).path("usedTokens").asLong()).isEqualTo(100_001);
  }

  @Test
  void shouldListTheAlertsOfACrossedQuotaAndRecordAnAcknowledgement() throws Exception {
    assertThat(cli("quota", "set", "erin-daily", "--subject", "user:erin", "--metric", "tokens", "--period", "day",
        "--limit", "1000", "--thresholds", "0.5,1.0").exitCode()).isZero();
    post(List.of(event("erin-1", "erin", Instant.now(), 1_200, 300, null)));

    await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("alerts", "--subject", "user:erin").out())
        .contains("critical  open", "user:erin reached 100% of quota erin-daily this day: 1,500 of 1,000 tokens")
        .contains("warning   open", "user:erin reached 50% of quota erin-daily this day: 1,500 of 1,000 tokens"));

    Run json = cli("alerts", "--subject", "user:erin", "--json");
    HttpResponse<String> api = stack.send(stack.alerting, "GET", "/v1/alerts?subject=user:erin", AppStack.READ_KEY, null);
    assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(api.body()));

    List<String> criticalIds = new ArrayList<>();
    for (JsonNode alert : JSON.readTree(json.out()).path("alerts")) {
      if (alert.path("severity").asText().equals("critical")) {
        criticalIds.add(alert.path("alertId").asText());
      }
    }
    assertThat(criticalIds).hasSize(1);
    String critical = criticalIds.get(0);
    Run ack = cli("alerts", "ack", critical);
    assertThat(ack.exitCode()).as(ack.err()).isZero();
    assertThat(ack.out()).startsWith("alert " + critical + " acknowledged by ops at ");
    await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("alerts", "--subject", "user:erin", "--status", "acknowledged").out())
        .contains("critical  acknowledged  " + critical + "  user:erin reached 100%")
        .doesNotContain("warning"));
  }

  @Test
  void shouldAddAPriceVersionAndListIt() {
    Run set = cli("pricing", "set", "acme/chat/large-v2", "--input", "2.00", "--output", "8.00", "--cached-input", "0.50",
        "--effective-from", "2026-01-01T00:00:00Z", "--context-window", "128000");
    assertThat(set.exitCode()).as(set.err()).isZero();

    assertThat(cli("pricing", "--provider", "acme").out()).isEqualTo("""
        USD per million tokens
        MODEL               EFFECTIVE FROM        INPUT  OUTPUT  CACHED INPUT  CACHE WRITE  REASONING  CONTEXT  MORE
        acme/chat/large-v2  2026-01-01T00:00:00Z   2.00    8.00          0.50            -          -  128,000  -
        """);
  }

  @Test
  void shouldReportWhatARestatementRepricedAndRefuseToCallItCompleteWhileItMissesEvents() throws Exception {
    String model = "reprice/model-" + UUID.randomUUID().toString().substring(0, 8);
    // The price in force when the calls were counted: $10 in, $30 out per million tokens.
    assertThat(cli("pricing", "set", model, "--input", "10", "--output", "30", "--effective-from", "2020-01-01T00:00:00Z")
        .exitCode()).isZero();
    Instant occurredAt = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
    String day = occurredAt.atZone(ZoneOffset.UTC).toLocalDate().toString();
    String nextDay = occurredAt.atZone(ZoneOffset.UTC).toLocalDate().plusDays(1).toString();
    String[] modelParts = model.split("/", 2);
    List<Map<String, Object>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(new HashMap<>(Map.of("eventId", model + "-" + i, "userId", "grace", "occurredAt", occurredAt.toString(),
          "provider", modelParts[0], "model", modelParts[1], "inputTokens", 1_000, "outputTokens", 200)));
    }
    post(calls);
    await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("usage", "--dimension", "model", model, "--from", day,
        "--to", nextDay).out()).containsPattern("\n" + day + "T00:00:00Z +3 +3,000 +600 +3,600 +0\\.0480*\n"));

    // The input price was wrong from the start: corrected in the same version ($5 in).
    assertThat(cli("pricing", "set", model, "--input", "5", "--output", "30", "--effective-from", "2020-01-01T00:00:00Z")
        .exitCode()).isZero();

    // A restatement over an events topic that no longer holds the calls (as after its retention):
    // nothing to compare prices with, and the command says so.
    RunningApp expired = stack.startRestatingAggregator("cli-expired-" + UUID.randomUUID().toString().substring(0, 8),
        dir.resolve("expired"), Map.of("tokenledger.topic.tokens.consumed", "expired-" + UUID.randomUUID()));
    try {
      Run incomplete = cli("reprice", "compare", "--restated", "http://127.0.0.1:" + expired.httpPort(), "--from", day,
          "--to", nextDay);
      assertThat(incomplete.exitCode()).isEqualTo(1);
      assertThat(incomplete.err()).contains("the restatement is not complete in ")
          .contains(day + "T00:00:00Z " + model + ": live 3 requests, restated 0");
    } finally {
      expired.close();
    }

    RunningApp restating = stack.startRestatingAggregator("cli-restated-" + UUID.randomUUID().toString().substring(0, 8),
        dir.resolve("restating"), Map.of());
    String restated = "http://127.0.0.1:" + restating.httpPort();
    try {
      await().atMost(PROCESSED).untilAsserted(() -> assertThat(cli("reprice", "compare", "--restated", restated,
          "--from", day, "--to", nextDay).exitCode()).isZero());
      Run compare = cli("reprice", "compare", "--restated", restated, "--from", day, "--to", nextDay);
      // 3 × (1,000 × $10 + 200 × $30) / 10^6 = $0.048 live; at $5 in, $0.033.
      assertThat(compare.out()).containsPattern("repricing by model per day: \\d+ key-windows compared, 1 repriced, "
          + "change -0\\.0150* USD\n")
          .containsPattern("\n" + day + "T00:00:00Z +" + model.replace(".", "\\.") + " +3 +0\\.0480* +0\\.0330* +-0\\.0150*\n")
          .endsWith("the restatement is complete for this range: same requests and tokens in every window\n");
      Run json = cli("reprice", "compare", "--restated", restated, "--from", day, "--to", nextDay, "--json");
      assertThat(JSON.readTree(json.out()).path("complete").asBoolean()).isTrue();
      assertThat(new BigDecimal(JSON.readTree(json.out()).path("changeUsd").asText())).isEqualByComparingTo("-0.015");
    } finally {
      restating.close();
    }
  }

  @Test
  void shouldSayThatNoWebhookIsConfiguredWhenAskedToRedeliver() {
    Run run = cli("alerts", "redeliver");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("no webhook is configured (tokenledger.alerting.webhook.urls)", "HTTP 409");
  }

  @Test
  void shouldShowTheAppsFieldErrorsAndExitOne() {
    Run run = cli("quota", "set", "bad", "--subject", "alice", "--metric", "tokens", "--period", "fortnight", "--limit", "10");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("error: the quota has 2 invalid field(s) (HTTP 400 from the alerting app)\n")
        .contains("  subject: must be dimension:key or dimension:* with dimension one of", "  period: must be one of");
  }

  @Test
  void shouldExitOneWithTheAppsReasonWhenTheKeyIsWrong() {
    Run run = cli("top", "--key", "not-a-key");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("error: the API key is not known (HTTP 401 from the aggregator)\n");
  }

  @Test
  void shouldExitThreeAndNameTheUrlWhenNothingListensThere() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Run run = cli("alerts", "--alerting", "http://127.0.0.1:" + port);

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err()).startsWith("error: cannot connect to the alerting app at http://127.0.0.1:" + port + ": is it running?");
  }

  private static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode = TokenLedgerCli.run(args, environment, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void post(List<Map<String, Object>> events) throws Exception {
    HttpResponse<String> posted = stack.send(stack.ingest, "POST", "/v1/events", AppStack.PUBLISH_KEY,
        JSON.writeValueAsString(Map.of("events", events)));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
  }

  private static Map<String, Object> event(String id, String user, Instant occurredAt, long input, long output, String costUsd) {
    Map<String, Object> event = new HashMap<>(Map.of("eventId", id, "userId", user, "occurredAt",
        occurredAt.toString(), "provider", "openai", "model", "gpt-4o", "inputTokens", input, "outputTokens", output));
    if (costUsd != null) {
      event.put("costUsd", costUsd);
    }
    return event;
  }
}
