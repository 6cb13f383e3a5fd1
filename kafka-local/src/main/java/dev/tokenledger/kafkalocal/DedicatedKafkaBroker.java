package dev.tokenledger.kafkalocal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
   * A one-node KRaft cluster (combined broker and controller) in this JVM, ready for
   * exactly-once clients: every internal topic at replication factor 1.
   */
  static KafkaClusterTestKit startCluster(int internalTopicPartitions) throws Exception {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    TestKitNodes nodes = new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        // Without it the kit boots an unreleased metadata version.
        .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
        .build();
    String partitions = Integer.toString(internalTopicPartitions);
    KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
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
