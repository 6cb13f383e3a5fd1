package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.RunningApp;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three apps' Prometheus scrapes after a user's traffic: the domain metrics count what happened,
 * and every metric the Grafana dashboard in deploy/grafana queries is in them.
 */
class MetricsScrapeTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "dashboards", "tokenledger.json");
  private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan");

  @TempDir static Path dir;
  private static AppStack stack;

  @BeforeAll
  static void startAndSendTraffic() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    // A webhook nobody listens on: each alert's delivery fails at once and is counted.
    stack = AppStack.start(KAFKA, dir, "metrics", Map.of(
        "tokenledger.alerting.webhook.urls", "http://127.0.0.1:" + closedPort + "/hook",
        "tokenledger.alerting.webhook.max-attempts", "1"));

    HttpResponse<String> quota = stack.send(stack.alerting, "PUT", "/v1/quotas/alice-daily", AppStack.ADMIN_KEY, """
        {"subject":"user:alice","metric":"tokens","period":"day","limit":1000,"action":"block"}""");
    assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
    Instant occurredAt = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
    HttpResponse<String> posted = stack.send(stack.ingest, "POST", "/v1/events", AppStack.PUBLISH_KEY, "["
        + event("m-1", occurredAt, 400) + "," + event("m-2", occurredAt, 400) + "," + event("m-3", occurredAt, 400) + ","
        + event("m-4", occurredAt, -5) + "]");
    assertThat(JSON.readTree(posted.body()).get("accepted").asInt()).as(posted.body()).isEqualTo(3);
    // A client's retry of an event already accepted: accepted again by ingest, a duplicate downstream.
    assertThat(stack.send(stack.ingest, "POST", "/v1/events", AppStack.PUBLISH_KEY, event("m-1", occurredAt, 400))
        .statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(JSON.readTree(stack.send(stack.alerting, "GET",
        "/v1/alerts?subject=user:alice", AppStack.READ_KEY, null).body()).get("alerts")).hasSize(3));
    await().atMost(Duration.ofSeconds(30)).until(() -> !admission("user:alice").get("allowed").asBoolean());
    assertThat(admission("user:bob").get("allowed").asBoolean()).isTrue();
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void shouldCountWhatTheUserDidInEachAppsScrape() {
    assertThat(value(scrape(stack.ingest), "tokenledger_ingest_events_accepted_total")).isEqualTo(4);
    assertThat(value(scrape(stack.ingest), "tokenledger_ingest_events_rejected_total", "reason=\"invalid\"",
        "field=\"inputTokens\"")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      String aggregator = scrape(stack.aggregator);
      assertThat(value(aggregator, "tokenledger_aggregator_events_total", "outcome=\"counted\"")).isEqualTo(3);
      assertThat(value(aggregator, "tokenledger_aggregator_events_total", "outcome=\"duplicate\"")).isEqualTo(1);
    });
    String alerting = scrape(stack.alerting);
    assertThat(value(alerting, "tokenledger_alerting_alerts_total", "type=\"token_quota\"")).isEqualTo(3);
    // 80 % warns; 90 % and 100 % are critical.
    assertThat(value(alerting, "tokenledger_alerting_alerts_total", "type=\"token_quota\"", "severity=\"critical\""))
        .isEqualTo(2);
    assertThat(value(alerting, "tokenledger_alerting_quota_exceeded_total", "type=\"token_quota\"")).isEqualTo(1);
    // The wait for alice's denial stopped at the first one; bob's read was allowed.
    assertThat(value(alerting, "tokenledger_alerting_admission_decisions_total", "outcome=\"denied\"")).isEqualTo(1);
    assertThat(value(alerting, "tokenledger_alerting_admission_decisions_total", "outcome=\"allowed\"")).isPositive();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(value(scrape(stack.alerting),
        "tokenledger_alerting_webhook_deliveries_total", "outcome=\"failed\"")).isEqualTo(3));
  }

  @Test
  void shouldServeEveryMetricTheGrafanaDashboardQueries() throws Exception {
    Set<String> queried = dashboardMetricNames(JSON.readTree(Files.readString(DASHBOARD)));
    assertThat(queried).as("metric names found in the dashboard's queries").hasSizeGreaterThan(10)
        .contains("tokenledger_ingest_events_rejected_total", "http_server_requests_seconds_bucket",
            "kafka_stream_thread_process_total", "jvm_memory_used_bytes");

    // Kafka's binders pick up metrics created after start (a task's, a partition's) once a minute.
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
      Set<String> scraped = new TreeSet<>();
      Stream.of(stack.ingest, stack.aggregator, stack.alerting).forEach(app -> scraped.addAll(sampleNames(scrape(app))));
      assertThat(scraped).containsAll(queried);
    });
  }

  /** Every metric name in the panels' PromQL, without functions, label matchers, ranges and grouping labels. */
  private static Set<String> dashboardMetricNames(JsonNode dashboard) {
    Set<String> names = new TreeSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.get("expr").asText()
            .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "")
            .replaceAll("\\$\\{?\\w+}?", "")
            .replaceAll("\\{[^}]*}", "")
            .replaceAll("\\[[^]]*]", "")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        Matcher identifier = IDENTIFIER.matcher(expr);
        while (identifier.find()) {
          String word = identifier.group();
          boolean function = expr.substring(identifier.end()).stripLeading().startsWith("(");
          if (!function && !PROMQL_WORDS.contains(word.toLowerCase())) {
            names.add(word);
          }
        }
      }
    }
    return names;
  }

  /** The names of a scrape's samples, as PromQL selects them (a histogram's _bucket, _count, _sum each). */
  private static Set<String> sampleNames(String scrape) {
    Set<String> names = new TreeSet<>();
    scrape.lines().filter(line -> !line.startsWith("#")).map(SAMPLE_NAME::matcher).filter(Matcher::find)
        .forEach(m -> names.add(m.group(1)));
    return names;
  }

  /** The sum of the samples of {@code name} that carry every one of {@code labels}. */
  private static double value(String scrape, String name, String... labels) {
    List<Double> values = new ArrayList<>();
    scrape.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
        .filter(line -> Stream.of(labels).allMatch(line::contains))
        .forEach(line -> values.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))));
    assertThat(values).as(name + " with " + List.of(labels)).isNotEmpty();
    return values.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static String scrape(RunningApp app) {
    try {
      HttpResponse<String> response = stack.send(app, "GET", "/metrics", null, null);
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    } catch (Exception e) {
      throw new IllegalStateException("cannot scrape " + app.name(), e);
    }
  }

  private static JsonNode admission(String subject) throws Exception {
    return JSON.readTree(stack.send(stack.alerting, "GET", "/v1/admission?subject=" + subject + "&tokens=1",
        AppStack.READ_KEY, null).body());
  }

  private static String event(String eventId, Instant occurredAt, long inputTokens) {
    return """
        {"eventId":"%s","userId":"alice","occurredAt":"%s","provider":"openai","model":"gpt-4o","inputTokens":%d,\
        "outputTokens":0}""".formatted(eventId, occurredAt, inputTokens);
  }
}
