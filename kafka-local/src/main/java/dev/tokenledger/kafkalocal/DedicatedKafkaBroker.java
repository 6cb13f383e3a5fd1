package dev.tokenledger.kafkalocal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller) inside the test JVM for one
 * test alone, which the test may stop and start again: for outage tests that must not disturb the
 * broker {@link KafkaBrokerExtension} shares. The broker keeps its data across a stop; the
 * controller keeps running, so the cluster's metadata survives.
 *
 * <pre>{@code try (DedicatedKafkaBroker kafka = DedicatedKafkaBroker.start()) { … kafka.stopBroker(); … }}</pre>
 */
public final class DedicatedKafkaBroker implements AutoCloseable {

  private final KafkaClusterTestKit cluster;

  private DedicatedKafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts a one-node cluster and waits until its broker is ready. */
  public static DedicatedKafkaBroker start() {
    try {
      return new DedicatedKafkaBroker(startCluster(1));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start a dedicated in-JVM Kafka broker: " + e.getMessage(), e);
    }
  }

  /**
   * Like {@link #start()}, but secured as production clusters are: clients must log in with
   * SASL/PLAIN as one of {@code users} (name to password), and an ACL authorizer allows only
   * what ACLs grant. {@link #SECURED_ADMIN} (password {@link #SECURED_ADMIN_PASSWORD}) may do
   * everything, to set up ACLs.
   */
  public static DedicatedKafkaBroker startSecured(Map<String, String> users) {
    try {
      return new DedicatedKafkaBroker(startCluster(1, Optional.of(users)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start a secured in-JVM Kafka broker: " + e.getMessage(), e);
    }
  }

  public static final String SECURED_ADMIN = "admin";
  public static final String SECURED_ADMIN_PASSWORD = "admin-secret";

  /** The client settings that log in to a {@link #startSecured secured} broker as {@code user}. */
  public static Map<String, String> saslLogin(String user, String password) {
    return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + user + "\" password=\"" + password + "\";");
  }

  static KafkaClusterTestKit startCluster(int internalTopicPartitions) throws Exception {
    return startCluster(internalTopicPartitions, Optional.empty());
  }

  /**
   * A one-node KRaft cluster (combined broker and controller) in this JVM, ready for
   * exactly-once clients: every internal topic at replication factor 1.
   */
  private static KafkaClusterTestKit startCluster(int internalTopicPartitions, Optional<Map<String, String>> saslUsers)
      throws Exception {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    TestKitNodes.Builder nodesBuilder = new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        // Without it the kit boots an unreleased metadata version.
        .setBootstrapMetadataVersion(MetadataVersion.latestProduction());
    saslUsers.ifPresent(users -> nodesBuilder.setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT));
    TestKitNodes nodes = nodesBuilder.build();
    String partitions = Integer.toString(internalTopicPartitions);
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
    saslUsers.ifPresent(users -> {
      String listener = nodes.brokerListenerName().value().toLowerCase(Locale.ROOT);
      StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required"
          + " username=\"" + SECURED_ADMIN + "\" password=\"" + SECURED_ADMIN_PASSWORD + "\""
          + " user_" + SECURED_ADMIN + "=\"" + SECURED_ADMIN_PASSWORD + "\"");
      users.forEach((name, password) -> jaas.append(" user_").append(name).append("=\"").append(password).append("\""));
      builder.setConfigProp("sasl.enabled.mechanisms", "PLAIN")
          .setConfigProp("sasl.mechanism.inter.broker.protocol", "PLAIN")
          .setConfigProp("listener.name." + listener + ".plain.sasl.jaas.config", jaas.append(";").toString())
          .setConfigProp("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
          // The controller listener is not secured here: its peers are ANONYMOUS.
          .setConfigProp("super.users", "User:" + SECURED_ADMIN + ";User:ANONYMOUS");
    });
    KafkaClusterTestKit cluster = builder
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("offsets.topic.num.partitions", partitions)
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("transaction.state.log.num.partitions", partitions)
        .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
        .setConfigProp("share.coordinator.state.topic.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setConfigProp("auto.create.topics.enable", "false")
        .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return cluster;
  }

  /** The broker's address; it can change when the broker is started again. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  public Admin admin() {
    return Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /** Stops the broker (not the controller): clients then cannot connect until {@link #startBroker()}. */
  public void stopBroker() {
    broker().shutdown(Duration.ofSeconds(30));
  }

  /** Starts the stopped broker again, on the data it had, and waits until it is ready. */
  public void startBroker() {
    broker().startup();
    try {
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      throw new IllegalStateException("the dedicated broker did not become ready again: " + e.getMessage(), e);
    }
  }

  private BrokerServer broker() {
    return cluster.brokers().values().iterator().next();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
