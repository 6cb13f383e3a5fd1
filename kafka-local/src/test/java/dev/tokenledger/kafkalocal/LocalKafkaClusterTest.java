package dev.tokenledger.kafkalocal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code start --nodes 3}: three broker JVMs on free ports, the catalogue topics at replication 3
 * and min ISR 2, and no acknowledged (acks=all) record lost when the partition's leader is killed.
 */
class LocalKafkaClusterTest {

  private static final Map<String, String> ENVIRONMENT = Map.of("TOKENLEDGER_TOPICS_PARTITIONS", "2");
  private static final int BEFORE_KILL = 200;
  private static final int AFTER_KILL = 200;

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final LocalKafka cli = new LocalKafka(ENVIRONMENT,
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @AfterEach
  void neverLeaveABrokerBehind() {
    cli.run(command("stop"));
    System.out.print(output());
  }

  @Test
  void shouldRunThreeNodesAndLoseNoAcknowledgedRecordWhenTheLeaderIsKilled() throws Exception {
    int base = FreePorts.run(6);
    String bootstrap = IntStream.range(0, 3).mapToObj(i -> "127.0.0.1:" + (base + 2 * i))
        .reduce((a, b) -> a + "," + b).orElseThrow();

    long startedAt = System.nanoTime();
    assertThat(cli.run(command("start", "--nodes", "3", "--port", Integer.toString(base),
        "--controller-port", Integer.toString(base + 1))))
        .as("start; stderr: %s", err).isEqualTo(LocalKafka.OK);
    System.out.printf("3-node start to ready (with topics): %.1f s%n", (System.nanoTime() - startedAt) / 1e9);
    assertThat(output()).contains("Kafka is ready at " + bootstrap);
    Map<Integer, Long> pids = new java.util.HashMap<>();
    for (int id = 1; id <= 3; id++) {
      pids.put(id, Long.parseLong(Files.readString(dir.resolve("kafka/node-" + id + "/kafka.pid")).trim()));
      assertThat(Files.readString(dir.resolve("kafka/node-" + id + "/server.properties")))
          .contains("controller.quorum.voters=1@127.0.0.1:" + (base + 1) + ",2@127.0.0.1:" + (base + 3)
              + ",3@127.0.0.1:" + (base + 5));
    }
    assertThat(cli.run(command("status"))).isEqualTo(LocalKafka.OK);
    assertThat(output()).contains("node 3: running, pid " + pids.get(3),
        "Kafka is running: 3 of 3 nodes, bootstrap " + bootstrap + ", answering");
    assertThat(cli.run(command("start"))).as("start with 1 node while 3 run").isEqualTo(LocalKafka.FAILED);

    TopicCatalog catalog = TopicCatalog.create(Map.of(TopicCatalog.PARTITIONS_KEY, "2"));
    List<String> names = catalog.all().stream().map(Topic::name).toList();
    String topic = catalog.tokensConsumed().name();
    int[] killed = new int[1];
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        assertThat(topics).hasSize(names.size());
        assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions())
            .hasSize(2).allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
      });
      List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS);
      assertThat(configs.values()).allSatisfy(
          c -> assertThat(c.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).isEqualTo("2"));

      Set<String> acked = new HashSet<>();
      try (KafkaProducer<String, String> producer = producer(bootstrap)) {
        for (int i = 0; i < BEFORE_KILL; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
          acked.add("v" + i);
        }
        // Kill the leader of partition 0: the producer must fail over to a new one.
        int leader = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
            .get(topic).partitions().get(0).leader().id();
        killed[0] = leader;
        ProcessHandle victim = ProcessHandle.of(pids.get(leader)).orElseThrow();
        assertThat(victim.destroyForcibly()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !victim.isAlive());

        long longestNanos = 0;
        for (int i = BEFORE_KILL; i < BEFORE_KILL + AFTER_KILL; i++) {
          long sendStart = System.nanoTime();
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
          longestNanos = Math.max(longestNanos, System.nanoTime() - sendStart);
          acked.add("v" + i);
        }
        System.out.printf("failover stall after killing node %d: %.1f s%n", leader, longestNanos / 1e9);
      }

      assertThat(cli.run(command("status"))).isEqualTo(LocalKafka.NOT_ANSWERING);
      assertThat(output()).contains("Kafka is running: 2 of 3 nodes");

      Set<String> read = new HashSet<>();
      try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          consumer.poll(Duration.ofMillis(500)).forEach(r -> read.add(r.value()));
          assertThat(read).containsAll(acked);
        });
      }
    }

    assertThat(cli.run(command("stop"))).isEqualTo(LocalKafka.OK);
    pids.values().stream().filter(pid -> !pid.equals(pids.get(killed[0])))
        .forEach(pid -> assertThat(output()).contains("Kafka stopped (pid " + pid + ")"));
    assertThat(pids.values()).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
    assertThat(cli.run(command("status"))).isEqualTo(LocalKafka.NOT_RUNNING);
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
        ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100,
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200),
        new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new StringDeserializer(), new StringDeserializer());
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
}
