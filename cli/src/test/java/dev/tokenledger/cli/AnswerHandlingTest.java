package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the CLI prints for answers the real apps rarely give (mixed-unit quotas, a 503 with an odd
 * {@code Retry-After}, a malformed amount), served by an HTTP server on an ephemeral port.
 */
class AnswerHandlingTest {

  /** The answers to give, in order; the last one repeats. */
  private final ConcurrentLinkedQueue<StandInApi.Answer> answers = new ConcurrentLinkedQueue<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private StandInApi api;

  @BeforeEach
  void startApi() throws IOException {
    api = new StandInApi(target -> answers.size() > 1 ? answers.poll() : answers.peek());
  }

  @AfterEach
  void stopApi() {
    api.close();
  }

  private int run(String... args) {
    return api.run(out, err, args);
  }

  @Test
  void shouldShowATokenAndACostQuotaEachInItsOwnUnit() {
    answers.add(new StandInApi.Answer(200, Map.of(), """
        {"subject":"user:alice","quotas":[
          {"id":"alice-daily","metric":"tokens","period":"day","used":84321,"limit":100000,"utilization":0.84321,
           "state":"warning","action":"block","resetsAt":"2026-11-23T00:00:00Z"},
          {"id":"alice-spend","metric":"cost","period":"month","used":"3.500000000","limit":"25.000000000",
           "utilization":0.14,"state":"ok","action":"warn","resetsAt":"2026-12-01T00:00:00Z"}]}"""));

    assertThat(run("quota", "status", "user:alice")).isZero();

    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
        user:alice
        QUOTA        METRIC  PERIOD    USED    LIMIT  USED %  STATE    ACTION  RESETS AT
        alice-daily  tokens  day     84,321  100,000   84.3%  warning  block   2026-11-23T00:00:00Z
        alice-spend  cost    month    $3.50   $25.00   14.0%  ok       warn    2026-12-01T00:00:00Z
        """);
  }

  @Test
  void shouldListEveryPageOfQuotas() {
    answers.add(new StandInApi.Answer(200, Map.of(), """
        {"quotas":[{"id":"a-daily","subject":"user:a","rule":"limit","metric":"tokens","period":"day","limit":5000,
          "thresholds":[1.0],"action":"warn"}],"next":"a-daily"}"""));
    answers.add(new StandInApi.Answer(200, Map.of(), """
        {"quotas":[{"id":"b-daily","subject":"user:b","rule":"limit","metric":"tokens","period":"day","limit":7000,
          "thresholds":[1.0],"action":"block"}]}"""));

    assertThat(run("quota", "list")).isZero();

    assertThat(api.targets()).hasSize(2);
    assertThat(api.targets().get(1)).contains("after=a-daily");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("a-daily").contains("b-daily");
  }

  @Test
  void shouldAskAgainAfterOneSecondWhenRetryAfterIsUnreadable() {
    answers.add(new StandInApi.Answer(503, Map.of("Retry-After", "soon"), "{\"detail\":\"rebalancing\"}"));
    answers.add(new StandInApi.Answer(200, Map.of(), "{\"dimension\":\"user\",\"by\":\"cost\",\"period\":\"day\",\"entries\":[]}"));

    assertThat(run("top")).isZero();

    assertThat(api.targets()).hasSize(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("no usage in this window");
  }

  @Test
  void shouldSayWhatWasUnexpectedInOneLineAndExitOne() {
    answers.add(new StandInApi.Answer(200, Map.of(), """
        {"dimension":"user","by":"cost","period":"day","entries":[{"key":"alice","costUsd":"a lot","totalTokens":1}]}"""));

    assertThat(run("top")).isEqualTo(1);

    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo("error: unexpected: the app sent \"a lot\" where a USD amount belongs" + System.lineSeparator());
  }

  @Test
  void shouldExitTwoOnAMalformedAdmissionArgumentBeforeSendingAnything() {
    assertThat(run("admission", "user:alice", "--cost", "abc")).isEqualTo(2);
    assertThat(run("admission", "user:alice", "--tokens", "12k")).isEqualTo(2);

    assertThat(api.targets()).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("error: --cost must be a USD amount like 0.25 (got abc)", "error: --tokens must be a whole number of tokens like 1200 (got 12k)",
            "('bin/tokenledger help' lists the commands and their options)");
  }
}
