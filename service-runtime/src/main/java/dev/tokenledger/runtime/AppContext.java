package dev.tokenledger.runtime;

import dev.tokenledger.schemas.Topic;
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
    TopicCatalog topics = catalog(settings);
    Optional<ApiKeys> keys;
    if (settings.bool("tokenledger.auth.enabled")) {
      keys = Optional.of(apiKeys(settings));
    } else {
      log.warn("authentication is off (tokenledger.auth.enabled=false): every endpoint is open");
      keys = Optional.empty();
    }
    return new AppContext(app, settings, topics, keys,
        settings.string("tokenledger.advertised.host"), settings.string("tokenledger.http.bind-address"),
        settings.port("tokenledger.http.port"));
  }

  /** The keys file, or the inline keys of containers: exactly one of them. */
  private static ApiKeys apiKeys(Settings settings) {
    Optional<String> file = settings.optional("tokenledger.auth.keys-file");
    Optional<String> inline = settings.optional("tokenledger.auth.keys");
    if (file.isPresent() && inline.isPresent()) {
      throw new ConfigException("tokenledger.auth.keys",
          "and tokenledger.auth.keys-file are both set: keep one of them");
    }
    if (inline.isPresent()) {
      return ApiKeys.inline(inline.get());
    }
    return ApiKeys.load(file.map(Path::of).orElseThrow(() -> new ConfigException("tokenledger.auth.keys-file",
        "is required (or tokenledger.auth.keys, or tokenledger.auth.enabled=false to run without keys)")));
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
    if (settings.bool("tokenledger.topics.create-on-start")) {
      createMissing(topics, kafkaClientProperties("admin"));
    }
  }

  /**
   * Creates the catalogue's missing topics and nothing else: the set-up step of a deployment whose
   * apps run with {@code tokenledger.topics.create-on-start=false} (Compose, Kubernetes).
   *
   * @throws ConfigException when a topic setting is wrong, naming the key
   */
  public static void createTopics(String app, Settings settings) {
    TopicCatalog topics = catalog(settings);
    Properties props = settings.kafka();
    props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, app + "-topics");
    createMissing(topics, props);
    log.info("topics ready: {}", topics.all().stream().map(Topic::name).toList());
  }

  private static TopicCatalog catalog(Settings settings) {
    try {
      return TopicCatalog.create(settings.asMap());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("tokenledger.topics", e.getMessage());
    }
  }

  private static void createMissing(TopicCatalog topics, Properties adminProps) {
    // Fail fast with a clear message when the cluster is unreachable, rather than after minutes.
    adminProps.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(adminProps)) {
      topics.createMissing(admin);
    }
  }
}
