package dev.tokenledger.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A container's health check, so that images need no curl: exits 0 when the app in this container
 * answers {@code GET /ready} with 200, else 1. The port is {@code TOKENLEDGER_HTTP_PORT}, which
 * each app image sets (and which wins over the app's config file).
 */
public final class HealthCheck {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private HealthCheck() {}

  public static void main(String[] args) {
    String variable = Settings.environmentName("tokenledger.http.port");
    String port = System.getenv(variable);
    if (port == null) {
      System.err.println(variable + " is not set: which port would the app listen on?");
      System.exit(1);
    }
    System.exit(isReady(URI.create("http://127.0.0.1:" + port + "/ready")) ? 0 : 1);
  }

  static boolean isReady(URI ready) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(ready).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        System.err.println(ready + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.statusCode() == 200;
    } catch (IOException e) {
      System.err.println(ready + " did not answer: " + e);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
