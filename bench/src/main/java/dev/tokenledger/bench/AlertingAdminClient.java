package dev.tokenledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/** The admin calls of alerting-app the demo needs: defining a quota. */
public final class AlertingAdminClient {

  private final URI baseUrl;
  private final String adminKey;
  private final HttpClient http;
  private final ObjectMapper mapper = new ObjectMapper();

  public AlertingAdminClient(URI baseUrl, String adminKey, HttpClient http) {
    this.baseUrl = baseUrl;
    this.adminKey = adminKey;
    this.http = http;
  }

  /**
   * {@code PUT /v1/quotas/{id}}, retried with backoff until it answers 200 or {@code patience}
   * runs out: the alerting app may still be starting when the demo traffic begins. A 4xx other
   * than 404 (e.g. a wrong key) will not get better, so it ends the wait at once.
   *
   * @return null when the quota is stored, else why not (the last answer or error)
   */
  public String putQuota(String id, ObjectNode quota, Backoff backoff, Duration patience,
      Consumer<String> onRetry) throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(
            baseUrl.resolve("/v1/quotas/" + URLEncoder.encode(id, StandardCharsets.UTF_8)))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + adminKey)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json(quota)))
        .build();
    Instant giveUpAt = Instant.now().plus(patience);
    for (int attempt = 1; ; attempt++) {
      String failure;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 200) {
          return null;
        }
        failure = "HTTP " + status + " " + response.body();
        // 404 can mean "routes not registered yet" during start-up; other 4xx are final.
        if (status / 100 == 4 && status != 404 && status != 408 && status != 429) {
          return failure;
        }
      } catch (IOException e) {
        failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      }
      Duration wait = backoff.delay(attempt);
      if (Instant.now().plus(wait).isAfter(giveUpAt)) {
        return failure + " (gave up after " + patience.toSeconds() + " s)";
      }
      onRetry.accept(failure);
      Thread.sleep(wait.toMillis());
    }
  }

  private String json(ObjectNode node) {
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serializes", e);
    }
  }
}
