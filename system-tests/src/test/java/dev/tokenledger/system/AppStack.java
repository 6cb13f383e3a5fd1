package dev.tokenledger.system;

import static org.awaitility.Awaitility.await;

import dev.tokenledger.aggregator.AggregatorApp;
import dev.tokenledger.alerting.AlertingApp;
import dev.tokenledger.ingest.IngestApp;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** The three apps started in this JVM on a real broker, with one key of each role. */
final class AppStack implements AutoCloseable {

  static final String PUBLISH_KEY = "pub-" + UUID.randomUUID();
  static final String READ_KEY = "read-" + UUID.randomUUID();
  static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final Map<String, String> settings;
  final RunningApp ingest;
  final RunningApp aggregator;
  final RunningApp alerting;

  private AppStack(Map<String, String> settings, RunningApp ingest, RunningApp aggregator, RunningApp alerting) {
    this.settings = settings;
    this.ingest = ingest;
    this.aggregator = aggregator;
    this.alerting = alerting;
  }

  /** Starts aggregator, alerting and ingest on topics of their own and waits until all are ready. */
  static AppStack start(KafkaBrokerExtension kafka, Path dir, String name) throws IOException {
    return start(kafka, dir, name, Map.of());
  }

  /** As {@link #start(KafkaBrokerExtension, Path, String)}, with {@code extra} settings for every app. */
  static AppStack start(KafkaBrokerExtension kafka, Path dir, String name, Map<String, String> extra) throws IOException {
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("traffic", Role.PUBLISH, PUBLISH_KEY),
        ApiKeys.entry("finance", Role.READ, READ_KEY), ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    Map<String, String> settings = new HashMap<>(kafka.isolatedTopics(name));
    String run = UUID.randomUUID().toString().substring(0, 8);
    settings.putAll(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "tokenledger.auth.keys-file", keys.toString(),
        "tokenledger.http.port", "0", "tokenledger.aggregator.application-id", name + "-agg-" + run,
        "tokenledger.alerting.application-id", name + "-alert-" + run));
    settings.putAll(extra);
    RunningApp aggregator = start(AggregatorApp::start, "/aggregator-app.properties", settings, dir.resolve("aggregator"));
    RunningApp alerting = start(AlertingApp::start, "/alerting-app.properties", settings, dir.resolve("alerting"));
    RunningApp ingest = start(IngestApp::start, "/ingest-app.properties", settings, dir.resolve("ingest"));
    AppStack stack = new AppStack(settings, ingest, aggregator, alerting);
    await().atMost(Duration.ofSeconds(60)).until(() -> send(aggregator, "GET", "/ready", null, null).statusCode() == 200
        && send(alerting, "GET", "/ready", null, null).statusCode() == 200
        && send(ingest, "GET", "/ready", null, null).statusCode() == 200);
    return stack;
  }

  /**
   * Another aggregator beside this stack's, as a restatement runs one: the same topics, another
   * application id (so it replays tokens.consumed from the start) and its own aggregates topic.
   */
  RunningApp startRestatingAggregator(String applicationId, Path stateDir, Map<String, String> extra) {
    Map<String, String> own = new HashMap<>(settings);
    own.putAll(extra);
    own.put("tokenledger.aggregator.application-id", applicationId);
    own.put("tokenledger.topic.usage.aggregates", settings.get("tokenledger.topic.usage.aggregates") + "." + applicationId);
    RunningApp restating = start(AggregatorApp::start, "/aggregator-app.properties", own, stateDir);
    await().atMost(Duration.ofSeconds(60)).until(() -> send(restating, "GET", "/ready", null, null).statusCode() == 200);
    return restating;
  }

  private static RunningApp start(Function<Settings, RunningApp> starter, String defaults, Map<String, String> settings,
      Path stateDir) {
    Map<String, String> own = new HashMap<>(settings);
    own.put("tokenledger.state.dir", stateDir.toString());
    return starter.apply(Settings.of(defaults, own));
  }

  static HttpResponse<String> send(RunningApp app, String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    ingest.close();
    alerting.close();
    aggregator.close();
  }
}
