package dev.tokenledger.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A container's health check, so that images need no curl: exits 0 when the app in this container
 * answers {@code GET /ready} with 200, else 1. The port is {@code TOKENLEDGER_HTTP_PORT} when set
 * (as the app itself reads it), else the argument, the app's default port.
 */
public final class HealthCheck {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private HealthCheck() {}

  public static void main(String[] args) {
    String port = System.getenv().getOrDefault(Settings.environmentName("tokenledger.http.port"),
        args.length > 0 ? args[0] : "");
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
