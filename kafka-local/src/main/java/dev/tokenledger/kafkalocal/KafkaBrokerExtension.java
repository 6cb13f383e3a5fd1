package dev.tokenledger.kafkalocal;

import dev.tokenledger.schemas.TopicCatalog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller) inside the test JVM, started
 * once per JVM and shared by every test class that registers this extension:
 *
 * <pre>{@code @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();}</pre>
 *
 * Tests keep out of each other's way with {@link #isolatedTopics(String)}: the catalogue's topics
 * under a prefix of their own.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback {

  private static final String STORE_KEY = KafkaBrokerExtension.class.getName();

  private volatile String bootstrapServers;

  @Override
  public void beforeAll(ExtensionContext context) {
    // The root store closes the broker when the whole test run ends.
    RunningBroker broker = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(STORE_KEY, key -> RunningBroker.start(), RunningBroker.class);
    bootstrapServers = broker.bootstrapServers();
  }

  public String bootstrapServers() {
    if (bootstrapServers == null) {
      throw new IllegalStateException("register KafkaBrokerExtension with @RegisterExtension on a static field");
    }
    return bootstrapServers;
  }

  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /**
   * Settings that give every catalogue topic a unique prefix (so tests sharing the broker don't
   * see each other's records), with the topics created.
   */
  public Map<String, String> isolatedTopics(String testName) {
    String prefix = testName + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> settings = new LinkedHashMap<>();
    for (var topic : TopicCatalog.create(Map.of()).all()) {
      settings.put("tokenledger.topic." + topic.name(), prefix + topic.name());
    }
    settings.put("tokenledger.topics.partitions", "3");
    try (Admin admin = admin()) {
      TopicCatalog.create(settings).createMissing(admin);
    }
    return settings;
  }

  /** The started broker, closed by JUnit at the end of the run. */
  static final class RunningBroker implements ExtensionContext.Store.CloseableResource {
    private final DedicatedKafkaBroker broker;

    private RunningBroker(DedicatedKafkaBroker broker) {
      this.broker = broker;
    }

    static RunningBroker start() {
      try {
        return new RunningBroker(DedicatedKafkaBroker.startCluster(3));
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the in-JVM Kafka broker: " + e.getMessage(), e);
      }
    }

    String bootstrapServers() {
      return broker.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
      broker.close();
    }
  }
}
