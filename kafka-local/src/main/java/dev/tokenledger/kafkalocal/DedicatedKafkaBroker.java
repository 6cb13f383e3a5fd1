package dev.tokenledger.kafkalocal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool$;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

/**
 * A real Apache Kafka node (KRaft, combined broker and controller) inside the test JVM for one
 * test alone, which the test may stop and start again: for outage tests that must not disturb the
 * broker {@link KafkaBrokerExtension} shares. The node keeps its data and its ports across a stop,
 * so clients reconnect to the same address once it is back.
 *
 * <pre>{@code try (DedicatedKafkaBroker kafka = DedicatedKafkaBroker.start()) { … kafka.stopBroker(); … }}</pre>
 */
public final class DedicatedKafkaBroker implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final String SECURED_LISTENER = "SASL_PLAINTEXT";

  private final KafkaNode node;
  private final Properties config;
  private final Map<String, String> login;
  private KafkaRaftServer server;

  private DedicatedKafkaBroker(KafkaNode node, Properties config, Map<String, String> login) {
    this.node = node;
    this.config = config;
    this.login = login;
  }

  /** Starts a one-node cluster and waits until its broker is ready. */
  public static DedicatedKafkaBroker start() {
    try {
      return startCluster(1);
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
      return startCluster(1, Optional.of(users));
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

  static DedicatedKafkaBroker startCluster(int internalTopicPartitions) throws Exception {
    return startCluster(internalTopicPartitions, Optional.empty());
  }

  /**
   * A one-node KRaft cluster in this JVM, configured as {@link LocalKafka}'s one node is (ready
   * for exactly-once clients: every internal topic at replication factor 1) but for the partitions
   * of the offsets and transaction state topics, its storage formatted in a new directory under
   * {@code java.io.tmpdir}.
   */
  private static DedicatedKafkaBroker startCluster(int internalTopicPartitions, Optional<Map<String, String>> saslUsers)
      throws Exception {
    Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    Path dir = Files.createTempDirectory(tmp, "tokenledger-kafka-");
    int port = FreePorts.run(2);
    // Its output goes to this JVM's logging: no log file of its own.
    KafkaNode node = new KafkaNode(1, port, port + 1, dir, null);
    Properties config = new Properties();
    config.putAll(node.serverProperties(List.of(node)));
    String partitions = Integer.toString(internalTopicPartitions);
    config.put("offsets.topic.num.partitions", partitions);
    config.put("transaction.state.log.num.partitions", partitions);
    saslUsers.ifPresent(users -> secure(config, node, users));
    DedicatedKafkaBroker broker = new DedicatedKafkaBroker(node, config,
        saslUsers.isPresent() ? saslLogin(SECURED_ADMIN, SECURED_ADMIN_PASSWORD) : Map.of());
    try {
      broker.format();
      broker.startBroker();
      return broker;
    } catch (Exception e) {
      try {
        broker.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  /**
   * SASL/PLAIN for the clients' listener, with {@code users} and {@link #SECURED_ADMIN} as its
   * accounts, and the ACL authorizer. The controller listener stays unsecured: its peers are
   * ANONYMOUS, hence a super user.
   */
  private static void secure(Properties config, KafkaNode node, Map<String, String> users) {
    StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"" + SECURED_ADMIN + "\" password=\"" + SECURED_ADMIN_PASSWORD + "\""
        + " user_" + SECURED_ADMIN + "=\"" + SECURED_ADMIN_PASSWORD + "\"");
    users.forEach((name, password) -> jaas.append(" user_").append(name).append("=\"").append(password).append("\""));
    config.put("listeners", SECURED_LISTENER + "://" + node.bootstrap()
        + ",CONTROLLER://" + KafkaNode.HOST + ":" + node.controllerPort());
    config.put("advertised.listeners", SECURED_LISTENER + "://" + node.bootstrap());
    config.put("listener.security.protocol.map", SECURED_LISTENER + ":SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.put("inter.broker.listener.name", SECURED_LISTENER);
    config.put("sasl.enabled.mechanisms", "PLAIN");
    config.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    config.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(";").toString());
    config.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    config.put("super.users", "User:" + SECURED_ADMIN + ";User:ANONYMOUS");
  }

  /** Writes server.properties and formats the storage with a new cluster id, as {@code kafka-storage.sh} would. */
  private void format() throws IOException {
    try (Writer writer = Files.newBufferedWriter(node.propertiesFile())) {
      config.store(writer, "Written by DedicatedKafkaBroker");
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int exitCode = StorageTool$.MODULE$.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(),
        "-c", node.propertiesFile().toString(), "--ignore-formatted"}, new PrintStream(output, true, StandardCharsets.UTF_8));
    if (exitCode != 0) {
      throw new IllegalStateException("StorageTool format failed with exit code " + exitCode + ": "
          + output.toString(StandardCharsets.UTF_8).trim());
    }
  }

  /** The broker's address; it stays the same when the broker is stopped and started again. */
  public String bootstrapServers() {
    return node.bootstrap();
  }

  /** An admin client, logged in as {@link #SECURED_ADMIN} if the broker is secured. */
  public Admin admin() {
    return Admin.create(clientSettings());
  }

  /** Shuts the node down (broker and controller): clients then cannot connect until {@link #startBroker()}. */
  public void stopBroker() {
    if (server == null) {
      throw new IllegalStateException("the dedicated broker is not running");
    }
    server.shutdown();
    server.awaitShutdown();
    server = null;
  }

  /** Starts the stopped node again, on the data and the ports it had, and waits until it is ready. */
  public void startBroker() {
    if (server != null) {
      throw new IllegalStateException("the dedicated broker is already running");
    }
    // A server cannot start twice: each start is a new one, on the same storage.
    server = new KafkaRaftServer(KafkaConfig.fromProps(config), Time.SYSTEM);
    try {
      server.startup();
      awaitReady();
    } catch (RuntimeException e) {
      // Half started, it would hold the ports and the storage's lock.
      try {
        stopBroker();
      } catch (RuntimeException shutdownFailure) {
        e.addSuppressed(shutdownFailure);
      }
      throw new IllegalStateException("the dedicated broker did not become ready: " + e.getMessage(), e);
    }
  }

  /** Until the broker lists itself: it is then unfenced and serves clients. */
  private void awaitReady() {
    Map<String, Object> settings = clientSettings();
    // Short backoffs: notice the started broker within a fraction of a second.
    settings.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    settings.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(settings)) {
      while (true) {
        Throwable failure = null;
        try {
          if (admin.describeCluster(new DescribeClusterOptions().timeoutMs(1_000)).nodes().get().size() == 1) {
            return;
          }
        } catch (ExecutionException e) {
          failure = e.getCause();
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the broker at " + bootstrapServers() + " did not answer within "
              + READY_TIMEOUT.toSeconds() + " s" + (failure == null ? "" : ": " + failure.getMessage()), failure);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the broker at " + bootstrapServers(), e);
    }
  }

  private Map<String, Object> clientSettings() {
    Map<String, Object> settings = new HashMap<>(login);
    settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return settings;
  }

  /** Shuts the node down, if it runs, and deletes its directory. */
  @Override
  public void close() throws IOException {
    try {
      if (server != null) {
        stopBroker();
      }
    } finally {
      Utils.delete(node.dir().toFile());
    }
  }
}
