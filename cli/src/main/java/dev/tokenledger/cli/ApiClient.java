package dev.tokenledger.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One app's HTTP API with one key: JSON in and out, an error answer turned into a {@link CliError}
 * with the problem's detail and fields, no answer at all into an "is it running?" error.
 */
final class ApiClient {

  /** Floats as BigDecimal, so {@code --json} shows every number as the app wrote it. */
  static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** A 503 during a rebalance says when to ask again; reads wait that long, up to this in all. */
  private static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(10);

  private final HttpClient http;
  private final String app;
  private final URI base;
  private final String key;
  private final String urlSetting;

  /**
   * @param app the app's name, for messages ("aggregator")
   * @param urlSetting how to point the CLI elsewhere, for the "cannot connect" message
   */
  ApiClient(HttpClient http, String app, URI base, String key, String urlSetting) {
    this.http = http;
    this.app = app;
    this.base = base;
    this.key = key;
    this.urlSetting = urlSetting;
  }

  JsonNode get(String path, Map<String, String> query) {
    String target = path + queryString(query);
    long deadline = System.nanoTime() + MAX_RETRY_WAIT.toNanos();
    while (true) {
      HttpResponse<String> response = send("GET", target, null);
      long retryAfterNanos = retryAfter(response).toNanos();
      if (response.statusCode() != 503 || System.nanoTime() + retryAfterNanos > deadline) {
        return answer(response);
      }
      pause(retryAfterNanos);
    }
  }

  JsonNode put(String path, JsonNode body) {
    return answer(send("PUT", path, body));
  }

  JsonNode post(String path) {
    return answer(send("POST", path, null));
  }

  JsonNode post(String path, Map<String, String> query, JsonNode body) {
    return answer(send("POST", path + queryString(query), body));
  }

  /** Nothing on success (204). */
  void delete(String path) {
    answer(send("DELETE", path, null));
  }

  /** {@code ?name=value&...} of the values not null; empty when none is. */
  private static String queryString(Map<String, String> query) {
    StringJoiner params = new StringJoiner("&");
    query.forEach((name, value) -> {
      if (value != null) {
        params.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    });
    return params.length() == 0 ? "" : "?" + params;
  }

  /** One path segment, percent-encoded ({@code URLEncoder} is for forms: it writes a space as {@code +}). */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private HttpResponse<String> send(String method, String target, JsonNode body) {
    URI uri = URI.create(base.toString().replaceAll("/+$", "") + target);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + key);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw CliError.unreachable("cannot connect to the " + app + " at " + base + ": is it running? ('bin/tokenledger demo' "
          + "starts one; " + urlSetting + " points elsewhere)");
    } catch (HttpTimeoutException e) {
      throw CliError.unreachable("the " + app + " at " + base + " did not answer " + method + " " + uri.getRawPath()
          + " within " + TIMEOUT.toSeconds() + " s");
    } catch (IOException e) {
      throw CliError.unreachable("cannot reach the " + app + " at " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliError.unreachable("interrupted while waiting for the " + app);
    }
  }

  private JsonNode answer(HttpResponse<String> response) {
    JsonNode body = parse(response.body());
    if (response.statusCode() < 400) {
      return body;
    }
    // application/problem+json: {"title","status","detail","errors":[{"field","message"}]}
    String detail = body.path("detail").asText(body.path("title").asText(""));
    if (detail.isEmpty()) {
      String text = response.body() == null ? "" : response.body().strip();
      detail = text.isEmpty() ? "(no body)" : text.lines().findFirst().orElse(text);
    }
    List<String> fields = new ArrayList<>();
    for (JsonNode error : body.path("errors")) {
      fields.add(error.path("field").asText() + ": " + error.path("message").asText());
    }
    String retry = response.headers().firstValue("Retry-After").isPresent()
        ? " (the app says: try again in " + retryAfter(response).toSeconds() + " s)" : "";
    throw CliError.api(detail + " (HTTP " + response.statusCode() + " from the " + app + ")" + retry, fields);
  }

  private static Duration retryAfter(HttpResponse<String> response) {
    return RetryAfter.delay(response.headers().firstValue("Retry-After").orElse(null), Instant.now());
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return MissingNode.getInstance();
    }
  }

  private static void pause(long nanos) {
    try {
      Thread.sleep(Duration.ofNanos(nanos).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliError.unreachable("interrupted while waiting to ask again");
    }
  }
}
