package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.RunningApp;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium against the three running apps: the numbers it
 * shows are the API's, a user's models show on drill-down, a quota bar fills, and an alert can
 * be acknowledged. Keeps a screenshot
 * in target/dashboard.png.
 */
class DashboardBrowserTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static AppStack stack;
  private static RunningApp ingest;
  private static RunningApp aggregator;
  private static RunningApp alerting;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    stack = AppStack.start(KAFKA, dir, "dashboard");
    ingest = stack.ingest;
    aggregator = stack.aggregator;
    alerting = stack.alerting;

    send(alerting, "PUT", "/v1/quotas/alice-daily", AppStack.ADMIN_KEY,
        "{\"subject\":\"user:alice\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":4000,\"action\":\"block\"}");
    Instant at = Instant.now().minus(1, ChronoUnit.MINUTES);
    List<Map<String, Object>> events = new ArrayList<>();
    String[][] calls = {{"alice", "openai", "gpt-4o", "2400", "300"}, {"alice", "anthropic", "claude-sonnet-4-5", "1800", "400"},
        {"bob", "openai", "gpt-4o-mini", "900", "200"}, {"carol", "google", "gemini-2.5-flash", "3000", "500"}};
    for (String[] c : calls) {
      events.add(Map.of("userId", c[0], "provider", c[1], "model", c[2], "inputTokens", Long.parseLong(c[3]),
          "outputTokens", Long.parseLong(c[4]), "feature", "chat", "occurredAt", at.toString()));
    }
    assertThat(send(ingest, "POST", "/v1/events", AppStack.PUBLISH_KEY, JSON.writeValueAsString(events)).statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(60)).until(() ->
        read(alerting, "/v1/alerts?subject=user:alice").get("alerts").size() == 3);
    // The shared subjects' totals come a commit after the users': through the repartition to their own task.
    await().atMost(Duration.ofSeconds(30)).until(() ->
        read(aggregator, "/v1/usage?dimension=all&period=day").at("/windows/0/requests").asLong() == calls.length);

    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1800",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--user-data-dir=" + dir.resolve("chromium"));
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void shouldShowTheApisNumbersFillAQuotaBarAndAcknowledgeAnAlert() throws Exception {
    browser.get("http://127.0.0.1:" + aggregator.httpPort() + "/");
    browser.findElement(By.id("read-key")).sendKeys(AppStack.READ_KEY);
    browser.findElement(By.id("admin-key")).sendKeys(AppStack.ADMIN_KEY);
    WebElement alertingUrl = browser.findElement(By.id("alerting-url"));
    alertingUrl.clear();
    alertingUrl.sendKeys("http://127.0.0.1:" + alerting.httpPort());
    browser.findElement(By.id("save-keys")).click();

    JsonNode today = read(aggregator, "/v1/usage?dimension=all&period=day").at("/windows/0");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(browser.findElement(By.tagName("body")).getDomAttribute("data-last-refresh")).isNotBlank();
      assertThat(value("#today-tokens")).isEqualTo(today.get("totalTokens").asText());
      assertThat(value("#today-requests")).isEqualTo(today.get("requests").asText());
      assertThat(value("#today-cost")).isEqualTo(today.get("costUsd").asText());
    });

    JsonNode topUsers = read(aggregator, "/v1/top?dimension=user&period=day&by=cost&limit=10").get("entries");
    List<WebElement> rows = browser.findElements(By.cssSelector("#top-users [data-key]"));
    assertThat(rows).extracting(row -> row.getDomAttribute("data-key"))
        .containsExactlyElementsOf(topUsers.findValuesAsText("key"));

    // Drill-down: alice's models this month, from the user_model dimension.
    browser.findElement(By.cssSelector("#top-users tr[data-key='alice']")).click();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(browser.findElements(By.cssSelector("#drill-models tr[data-key]")))
            .extracting(row -> row.getDomAttribute("data-key"))
            .containsExactlyInAnyOrder("openai/gpt-4o", "anthropic/claude-sonnet-4-5"));

    WebElement quota = browser.findElement(By.cssSelector("#quotas .quota[data-quota-id='alice-daily']"));
    assertThat(Double.parseDouble(quota.getDomAttribute("data-utilization"))).isGreaterThanOrEqualTo(1.0);
    assertThat(quota.findElement(By.cssSelector(".quota-bar")).getSize().getWidth()).isPositive();

    List<WebElement> open = browser.findElements(By.cssSelector("#alerts .alert"));
    assertThat(open).hasSize(3);
    String alertId = open.get(0).getDomAttribute("data-alert-id");
    Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "dashboard.png"),
        StandardCopyOption.REPLACE_EXISTING);
    open.get(0).findElement(By.cssSelector(".ack")).click();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(browser.findElements(By.cssSelector("#alerts .alert[data-alert-id='" + alertId + "']"))).isEmpty();
      assertThat(read(alerting, "/v1/alerts?status=acknowledged").get("alerts").findValuesAsText("alertId")).contains(alertId);
    });
  }

  private static String value(String css) {
    return browser.findElement(By.cssSelector(css)).getDomAttribute("data-value");
  }

  private static JsonNode read(RunningApp app, String path) throws Exception {
    HttpResponse<String> response = send(app, "GET", path, AppStack.READ_KEY, null);
    assertThat(response.statusCode()).as(path + " → " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> send(RunningApp app, String method, String path, String key, String body)
      throws Exception {
    return stack.send(app, method, path, key, body);
  }
}
