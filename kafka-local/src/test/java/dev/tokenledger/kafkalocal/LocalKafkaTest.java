package dev.tokenledger.kafkalocal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts a real broker JVM the way {@code bin/tokenledger broker start} does, on the test JVM's
 * classpath (which holds kafka_2.13), with free ports and a directory of its own.
 */
class LocalKafkaTest {

  private static final Map<String, String> ENVIRONMENT = Map.of("TOKENLEDGER_TOPICS_PARTITIONS", "2");

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final LocalKafka cli = new LocalKafka(ENVIRONMENT,
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @AfterEach
  void neverLeaveABrokerBehind() {
    cli.run(command("stop"));
  }

  @Test
  void shouldStartABrokerWithTheCatalogueTopicsThenStopIt() throws Exception {
    int[] ports = freePorts();
    String bootstrap = "127.0.0.1:" + ports[0];

    assertThat(cli.run(command("start", "--port", Integer.toString(ports[0]), "--controller-port", Integer.toString(ports[1]))))
        .as("start; stderr: %s", err).isEqualTo(LocalKafka.OK);
    long pid = Long.parseLong(Files.readString(dir.resolve("kafka/kafka.pid")).trim());
    assertThat(output()).contains("Kafka is ready at " + bootstrap);

    assertThat(cli.run(command("status"))).isEqualTo(LocalKafka.OK);
    assertThat(output()).contains("Kafka is running: pid " + pid + ", bootstrap " + bootstrap + ", answering");
    assertThat(cli.run(command("start"))).isEqualTo(LocalKafka.OK);
    assertThat(output()).contains("Kafka is already running at " + bootstrap);

    TopicCatalog catalog = TopicCatalog.create(Map.of(TopicCatalog.PARTITIONS_KEY, "2"));
    List<String> names = catalog.all().stream().map(Topic::name).toList();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      // The broker's metadata may trail the controller's for a moment after creation.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        assertThat(topics).hasSize(names.size());
        assertThat(topics.values()).allSatisfy(topic -> assertThat(topic.partitions()).hasSize(2));
      });
      List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS);
      for (Topic<?, ?> topic : catalog.all()) {
        Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
        assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).as(topic.name())
            .isEqualTo(topic.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG));
      }
    }

    assertThat(cli.run(command("stop"))).isEqualTo(LocalKafka.OK);
    assertThat(output()).contains("Kafka stopped (pid " + pid + ")");
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(dir.resolve("kafka/kafka.pid")).doesNotExist();
    assertThat(cli.run(command("status"))).isEqualTo(LocalKafka.NOT_RUNNING);
  }

  @Test
  void shouldRefuseToStartOnAPortInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      assertThat(cli.run(command("start", "--port", Integer.toString(taken.getLocalPort()),
          "--controller-port", Integer.toString(freePorts()[0])))).isEqualTo(LocalKafka.FAILED);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("port " + taken.getLocalPort(), "already in use");
    }
  }

  @Test
  void shouldExplainAWrongCommandLine() {
    assertThat(cli.run(new String[] {"stat"})).isEqualTo(LocalKafka.USAGE_ERROR);
    assertThat(cli.run(new String[] {"status", "--port", "9092"})).isEqualTo(LocalKafka.USAGE_ERROR);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("Unknown command stat", "--port is for start only");
  }

  private String[] command(String name, String... options) {
    return Stream.concat(
            Stream.of(name, "--dir", dir.resolve("kafka").toString(), "--logs-dir", dir.resolve("logs").toString()),
            Stream.of(options))
        .toArray(String[]::new);
  }

  private String output() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Two ports free now, asked for together so that they differ. */
  private static int[] freePorts() throws IOException {
    try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket second = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return new int[] {first.getLocalPort(), second.getLocalPort()};
    }
  }
}
