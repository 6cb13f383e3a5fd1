package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code stats} and {@code forecast}: the tables printed for recorded aggregator answers, and the
 * queries sent, against an HTTP server on an ephemeral port.
 */
class InsightCommandsTest {

  private static final String STATS = """
      {"range":"7d","start":"2026-11-16T00:00:00Z","end":"2026-11-23T00:00:00Z",
       "totals":{"costUsd":"2.474700000","totalTokens":3761203,"inputTokens":3004503,"outputTokens":756700,
                 "requests":8,"failedRequests":1,"unpricedRequests":1,"errorRate":0.125},
       "byModel":[
         {"key":"openai/gpt-4o","costUsd":"2.474700000","totalTokens":3754203,"inputTokens":3000003,"outputTokens":754200,
          "requests":5,"failedRequests":1,"unpricedRequests":0},
         {"key":"anthropic/claude-haiku","costUsd":"0.000000000","totalTokens":7000,"inputTokens":4500,"outputTokens":2500,
          "requests":3,"failedRequests":0,"unpricedRequests":1}],
       "byFeature":[],
       "topUsers":[
         {"key":"dave","costUsd":"0.375000000","totalTokens":3750003,"inputTokens":3000003,"outputTokens":750000,
          "requests":3,"failedRequests":0,"unpricedRequests":0}]}""";

  private static final String FORECAST = """
      {"dimension":"user","key":"alice","period":"month","start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z",
       "asOf":"2026-11-22T20:45:00.123Z","usedTokens":309405,"usedCostUsd":"0.496554880","forecastTokens":431244,
       "forecastCostUsd":"0.692100000","method":"run-rate blended 50/50 with the same hour-of-week average of the last 2 weeks",
       "confidence":0.8625}""";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private StandInApi api;

  @BeforeEach
  void startApi() throws IOException {
    api = new StandInApi(target ->
        new StandInApi.Answer(200, Map.of(), target.getPath().equals("/v1/stats") ? STATS : FORECAST));
  }

  @AfterEach
  void stopApi() {
    api.close();
  }

  private int run(String... args) {
    return api.run(out, err, args);
  }

  @Test
  void shouldPrintTheTotalsAndEachRankingOfStats() {
    assertThat(run("stats", "--range", "7d", "--limit", "5")).as(err.toString(StandardCharsets.UTF_8)).isZero();

    assertThat(api.targets()).containsExactly("/v1/stats?range=7d&limit=5");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
        stats for 7d, 2026-11-16T00:00:00Z to 2026-11-23T00:00:00Z
        REQUESTS  FAILED  ERROR RATE  INPUT TOKENS  OUTPUT TOKENS  TOTAL TOKENS  COST USD
               8       1       12.5%     3,004,503        756,700     3,761,203    2.4747

        by model
        MODEL                   COST USD  TOTAL TOKENS  INPUT TOKENS  OUTPUT TOKENS  REQUESTS  FAILED
        openai/gpt-4o             2.4747     3,754,203     3,000,003        754,200         5       1
        anthropic/claude-haiku    0.0000         7,000         4,500          2,500         3       0

        by feature
        no usage in this range

        top users
        USER  COST USD  TOTAL TOKENS  INPUT TOKENS  OUTPUT TOKENS  REQUESTS  FAILED
        dave     0.375     3,750,003     3,000,003        750,000         3       0
        """);
  }

  @Test
  void shouldPrintWhatIsUsedAndForecastWithTheConfidenceAndMethod() {
    assertThat(run("forecast", "alice")).as(err.toString(StandardCharsets.UTF_8)).isZero();

    assertThat(api.targets()).containsExactly("/v1/forecast?dimension=user&key=alice");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
        user alice this month, 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z, as of 2026-11-22T20:45:00.123Z
                   TOKENS    COST USD
        used      309,405  0.49655488
        forecast  431,244  0.69210000
        confidence 86.3%; method: run-rate blended 50/50 with the same hour-of-week average of the last 2 weeks
        """);
  }

  @Test
  void shouldAskForTheForecastOfEveryKeyWithoutAKey() {
    assertThat(run("forecast", "--dimension", "all", "--period", "day")).isZero();

    assertThat(api.targets()).containsExactly("/v1/forecast?dimension=all&period=day");
  }

  @Test
  void shouldPrintTheApisJsonWithJson() throws Exception {
    assertThat(run("stats", "--json")).isZero();

    assertThat(new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8))).isEqualTo(new ObjectMapper().readTree(STATS));
  }

  @Test
  void shouldExitTwoOnAForecastWithoutAKeyBeforeSendingAnything() {
    assertThat(run("forecast", "--period", "day")).isEqualTo(2);

    assertThat(api.targets()).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: KEY (whose forecast, e.g. alice) is missing");
  }
}
