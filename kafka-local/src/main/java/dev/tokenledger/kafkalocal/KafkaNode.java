package dev.tokenledger.kafkalocal;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One combined broker and controller of a local KRaft cluster: its id, its two ports on
 * 127.0.0.1, the directory holding its config, data and pid file, and the file its output goes to.
 */
record KafkaNode(int id, int port, int controllerPort, Path dir, Path logFile) {

  static final String HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 9092;
  static final int DEFAULT_CONTROLLER_PORT = 9093;

  String bootstrap() {
    return HOST + ":" + port;
  }

  Path propertiesFile() {
    return dir.resolve("server.properties");
  }

  Path log4jConfigFile() {
    return dir.resolve("log4j2.xml");
  }

  Path pidFile() {
    return dir.resolve("kafka.pid");
  }

  Path dataDir() {
    return dir.resolve("data");
  }

  /** Written by {@code StorageTool format}: its presence means the node has been formatted. */
  boolean isFormatted() {
    return Files.isRegularFile(dataDir().resolve("meta.properties"));
  }

  /**
   * The node of {@code dir} as its last start configured it, so that stop and status need no
   * ports; the defaults if it was never started.
   */
  static KafkaNode read(Path dir, Path logFile) {
    Properties p = new Properties();
    try (Reader reader = Files.newBufferedReader(dir.resolve("server.properties"))) {
      p.load(reader);
    } catch (NoSuchFileException e) {
      return new KafkaNode(1, DEFAULT_PORT, DEFAULT_CONTROLLER_PORT, dir, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String listeners = p.getProperty("listeners", "");
    return new KafkaNode(Integer.parseInt(p.getProperty("node.id", "1")),
        listenerPort(listeners, "PLAINTEXT", DEFAULT_PORT), listenerPort(listeners, "CONTROLLER", DEFAULT_CONTROLLER_PORT),
        dir, logFile);
  }

  /** Replicas of every topic: each node holds one, up to 3. */
  static int replicationFactor(int clusterSize) {
    return Math.min(3, clusterSize);
  }

  /**
   * This node's {@code server.properties} in a cluster of the given voters (every node is a
   * voter). Internal topics are replicated to every node, up to 3, and need 2 in sync once there
   * are 2 or more: with one node both are 1.
   */
  Map<String, String> serverProperties(List<KafkaNode> voters) {
    int replication = replicationFactor(voters.size());
    String minIsr = Integer.toString(Math.min(2, replication));
    String rf = Integer.toString(replication);
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(id));
    p.put("controller.quorum.voters", voters.stream().map(v -> v.id + "@" + HOST + ":" + v.controllerPort)
        .collect(Collectors.joining(",")));
    p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + bootstrap());
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("log.dirs", dataDir().toString());
    p.put("default.replication.factor", rf);
    p.put("min.insync.replicas", minIsr);
    // Exactly-once (transactions) and consumer groups fail on a small cluster unless their
    // internal topics fit it. Fewer partitions than the default 50: nothing to spread here.
    p.put("offsets.topic.replication.factor", rf);
    p.put("offsets.topic.num.partitions", "6");
    p.put("transaction.state.log.replication.factor", rf);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("transaction.state.log.num.partitions", "6");
    p.put("share.coordinator.state.topic.replication.factor", rf);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    p.put("share.coordinator.state.topic.num.partitions", "6");
    // A consumer group starts at once instead of waiting 3 s for more members.
    p.put("group.initial.rebalance.delay.ms", "0");
    // Topics come from the catalogue; a typo in a topic name must fail, not create a topic.
    p.put("auto.create.topics.enable", "false");
    if (voters.size() > 1) {
      // A killed node is fenced, and its partitions' leadership moves, within seconds (default 9 s).
      p.put("broker.session.timeout.ms", "3000");
      p.put("broker.heartbeat.interval.ms", "500");
    }
    return p;
  }

  /** The cluster id this node was formatted with, if it was. */
  java.util.Optional<String> formattedClusterId() {
    Properties p = new Properties();
    try (Reader reader = Files.newBufferedReader(dataDir().resolve("meta.properties"))) {
      p.load(reader);
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.ofNullable(p.getProperty("cluster.id"));
  }

  private static int listenerPort(String listeners, String name, int fallback) {
    Matcher m = Pattern.compile(name + "://[^,]*:(\\d+)").matcher(listeners);
    return m.find() ? Integer.parseInt(m.group(1)) : fallback;
  }
}
