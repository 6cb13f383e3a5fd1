package dev.tokenledger.runtime;

import dev.tokenledger.schemas.TopicCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every app derives from its settings: topics, Kafka client basics, keys, HTTP and state
 * locations. Built once at start, so a wrong value stops the app before it serves anything.
 */
public record AppContext(
    String app,
    Settings settings,
    TopicCatalog topics,
    Optional<ApiKeys> keys,
    String advertisedHost,
    String bindAddress,
    int httpPort) {

  private static final Logger log = LoggerFactory.getLogger(AppContext.class);

  public static AppContext create(String app, Settings settings) {
    TopicCatalog topics;
    try {
      topics = TopicCatalog.create(settings.asMap());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("tokenledger.topics", e.getMessage());
    }
    Optional<ApiKeys> keys;
    if (settings.bool("tokenledger.auth.enabled")) {
      Path file = settings.optional("tokenledger.auth.keys-file").map(Path::of).orElseThrow(() ->
          new ConfigException("tokenledger.auth.keys-file",
              "is required (or set tokenledger.auth.enabled=false to run without keys)"));
      keys = Optional.of(ApiKeys.load(file));
    } else {
      log.warn("authentication is off (tokenledger.auth.enabled=false): every endpoint is open");
      keys = Optional.empty();
    }
    return new AppContext(app, settings, topics, keys,
        settings.string("tokenledger.advertised.host"), settings.string("tokenledger.http.bind-address"),
        settings.port("tokenledger.http.port"));
  }

  /** Kafka client properties every client of this app starts from. */
  public Properties kafkaClientProperties(String clientIdSuffix) {
    Properties props = settings.kafka();
    props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, app + "-" + clientIdSuffix);
    return props;
  }

  /** {@code tokenledger.state.dir}, or {@code .tokenledger/state/<app>-<port>} when empty. */
  public Path stateDir() {
    return settings.optional("tokenledger.state.dir").map(Path::of)
        .orElse(Path.of(".tokenledger", "state", app + "-" + httpPort));
  }

  /** How many partitions {@code topic} has (the topic must exist). */
  public int partitionCount(String topic) {
    Properties props = kafkaClientProperties("admin");
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(props)) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing " + topic, e);
    }
  }

  /** Creates the catalogue's missing topics, when {@code tokenledger.topics.create-on-start} is on. */
  public void createMissingTopics() {
    if (!settings.bool("tokenledger.topics.create-on-start")) {
      return;
    }
    Properties props = kafkaClientProperties("admin");
    // Fail fast with a clear message when the cluster is unreachable, rather than after minutes.
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(props)) {
      topics.createMissing(admin);
    }
  }
}
