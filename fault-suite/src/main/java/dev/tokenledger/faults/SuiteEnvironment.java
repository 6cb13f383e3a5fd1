package dev.tokenledger.faults;

import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.kafkalocal.LocalCluster;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.TopicCatalog;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * What every case runs on: a three-node KRaft cluster of broker JVMs (replication 3, min ISR 2),
 * a keys file with one key of each role, and the app processes the cases start, each case on
 * topics and application ids of its own so that cases never see each other's records.
 */
final class SuiteEnvironment implements AutoCloseable {

  static final int NODES = 3;
  static final int PARTITIONS = 4;
  final String publishKey = "pub-" + UUID.randomUUID();
  final String readKey = "read-" + UUID.randomUUID();
  final String adminKey = "admin-" + UUID.randomUUID();

  private final Path dir;
  private final LocalCluster cluster;
  private final String classpath;
  private final Path keysFile;
  private final List<AppProcess> started = new ArrayList<>();

  private SuiteEnvironment(Path dir, LocalCluster cluster, String classpath, Path keysFile) {
    this.dir = dir;
    this.cluster = cluster;
    this.classpath = classpath;
    this.keysFile = keysFile;
  }

  /** Starts the cluster in {@code dir/kafka}; the brokers and apps run on this JVM's classpath. */
  static SuiteEnvironment start(Path dir, PrintStream out) {
    try {
      Files.createDirectories(dir);
      String classpath = System.getProperty("java.class.path");
      int base = FreePorts.run(2 * NODES);
      LocalCluster cluster = LocalCluster.ofNodes(NODES, dir.resolve("kafka"), base, base + 1, dir.resolve("logs"),
          classpath, out);
      cluster.start(Settings.of("/tokenledger-defaults.properties", Map.of()));
      Path keys = dir.resolve("keys.properties");
      SuiteEnvironment environment = new SuiteEnvironment(dir, cluster, classpath, keys);
      Files.write(keys, List.of(ApiKeys.entry("fault-suite-publisher", Role.PUBLISH, environment.publishKey),
          ApiKeys.entry("fault-suite-reader", Role.READ, environment.readKey),
          ApiKeys.entry("fault-suite-admin", Role.ADMIN, environment.adminKey)));
      return environment;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  LocalCluster cluster() {
    return cluster;
  }

  String bootstrap() {
    return cluster.bootstrap();
  }

  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
  }

  /**
   * The settings of one case's apps: its own topics (created here, replication 3), application
   * ids and the suite's keys. Apps of the case get these plus their port and state directory.
   */
  Map<String, String> caseSettings(String caseName) {
    String prefix = caseName + "-" + UUID.randomUUID().toString().substring(0, 6);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("kafka.bootstrap.servers", bootstrap());
    settings.put("tokenledger.auth.keys-file", keysFile.toString());
    settings.put("tokenledger.topics.partitions", Integer.toString(PARTITIONS));
    settings.put("tokenledger.topics.replication-factor", Integer.toString(NODES));
    settings.put("tokenledger.aggregator.application-id", prefix + "-aggregator");
    settings.put("tokenledger.alerting.application-id", prefix + "-alerting");
    for (var topic : TopicCatalog.create(Map.of()).all()) {
      settings.put("tokenledger.topic." + topic.name(), prefix + "." + topic.name());
    }
    try (Admin admin = admin()) {
      TopicCatalog.create(settings).createMissing(admin);
    }
    return settings;
  }

  TopicCatalog topics(Map<String, String> caseSettings) {
    return TopicCatalog.create(caseSettings);
  }

  /** A new app process (not started) with the case's settings, on a free port, state under the suite's directory. */
  AppProcess app(AppProcess.Kind kind, String name, Map<String, String> caseSettings) {
    try {
      int port = FreePorts.run(1);
      Map<String, String> own = new LinkedHashMap<>(caseSettings);
      // Each app rejects another app's settings in its file.
      own.keySet().removeIf(key -> key.startsWith("tokenledger.aggregator.") && kind != AppProcess.Kind.AGGREGATOR
          || key.startsWith("tokenledger.alerting.") && kind != AppProcess.Kind.ALERTING);
      own.put("tokenledger.http.port", Integer.toString(port));
      own.put("tokenledger.state.dir", dir.resolve("state").resolve(name).toString());
      Path config = dir.resolve("config").resolve(name + ".properties");
      Files.createDirectories(config.getParent());
      Files.writeString(config, own.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining("\n", "", "\n")));
      Path log = dir.resolve("logs").resolve(name + ".log");
      Files.createDirectories(log.getParent());
      AppProcess app = new AppProcess(kind, name, port, config, log, classpath);
      started.add(app);
      return app;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A thread dump of every running app into its log. */
  void dumpThreads() {
    started.forEach(AppProcess::dumpThreads);
  }

  /** Stops every app a case left running, so the next case starts on a quiet machine. */
  void stopApps() {
    started.forEach(AppProcess::stop);
    started.clear();
  }

  @Override
  public void close() {
    stopApps();
    cluster.stop();
  }
}
