package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.StreamsRuntime;
import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task revived on its own thread, on a real broker: a task marked corrupted under exactly-once
 * is closed dirty, its stores wiped and restored from their changelogs, and its processors (the
 * same objects) initialized again, while the thread lives on. Here a processor beside the fold
 * marks the task corrupted once, with part of its events processed in the transaction that is then
 * aborted; every event must still count exactly once. Early (the 20th record: before any commit,
 * the thread's other tasks still starting), Kafka's enforced rebalance used to replace the revived
 * task and skip its uncommitted events ({@link dev.tokenledger.runtime.ReviveInPlaceClients}: 5 of
 * 5 runs lost events without it); mid-stream, after a commit, the dedupe once took reprocessed
 * events for duplicates.
 */
class TaskReviveTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir Path dir;

  private static final AvroSerde<TokensConsumed> EVENTS = AvroSerdes.tokensConsumed();
  private static final int EVENTS_SENT = 600;

  /** Counts the records of the tasks it sees and marks the task corrupted at the {@code corruptAt}th, once. */
  private static final AtomicInteger seen = new AtomicInteger();
  private static final AtomicBoolean corrupted = new AtomicBoolean();
  private static volatile int corruptAt;

  private static final class CorruptOnce implements Processor<Object, Object, Void, Void> {
    private ProcessorContext<Void, Void> context;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Object, Object> record) {
      if (seen.incrementAndGet() >= corruptAt && corrupted.compareAndSet(false, true)) {
        throw new TaskCorruptedException(Set.of(context.taskId()));
      }
    }
  }

  @ParameterizedTest(name = "corrupted at record {0}")
  @ValueSource(ints = {20, 250})
  void shouldCountEveryEventOnceWhenATaskIsRevivedOnItsThread(int recordToCorruptAt) throws Exception {
    seen.set(0);
    corrupted.set(false);
    corruptAt = recordToCorruptAt;
    Map<String, String> settings = new HashMap<>(KAFKA.isolatedTopics("revive"));
    settings.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    settings.put("tokenledger.auth.enabled", "false");
    settings.put("tokenledger.state.dir", dir.toString());
    Settings loaded = Settings.of("/aggregator-app.properties", settings);
    AppContext context = AppContext.create("aggregator-app", loaded);
    AggregatorConfig config = AggregatorConfig.from(loaded);
    String events = context.topics().tokensConsumed().name();
    int partitions = context.partitionCount(events);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    Topology topology = UsageTopology.build(config, context.topics(), partitions, registry);
    topology.addProcessor("corrupt-once", CorruptOnce::new, sourceOf(topology, events));
    Properties properties = StreamsRuntime.properties(context, "revive-" + UUID.randomUUID().toString().substring(0, 8), 0,
        1, new HostInfo("127.0.0.1", 1), registry);
    properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 2_000);

    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < EVENTS_SENT; i++) {
        String user = "user-" + (i % 20);
        TokensConsumed event = TokensConsumed.newBuilder().setEventId("e-" + i).setOccurredAt(at).setUserId(user)
            .setService("chat-api").setProvider("openai").setModel("gpt-4o").setInputTokens(100).setOutputTokens(10)
            .build();
        producer.send(new ProducerRecord<>(events, null, at.toEpochMilli(), user.getBytes(StandardCharsets.UTF_8),
            EVENTS.encode(event)));
      }
    }

    Map<String, Long> dayRequests = new HashMap<>();
    long mostEverPublished = 0;
    try (KafkaStreams streams = new KafkaStreams(topology, properties);
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID()), new StringDeserializer(),
            new ByteArrayDeserializer())) {
      streams.start();
      consumer.subscribe(java.util.List.of(context.topics().usageAggregates().name()));
      long[] most = {0};
      // Until every event is in: short of that at the deadline (events lost) fails here.
      await().atMost(Duration.ofSeconds(90)).conditionEvaluationListener(condition -> {
        if (condition.getRemainingTimeInMS() <= condition.getPollInterval().toMillis()) {
          System.out.printf("at the deadline: %d records seen, day requests %s%n", seen.get(), dayRequests);
        }
      }).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> {
          if (record.value() != null) {
            UsageAggregate bucket = AvroSerdes.usageAggregate().decode(record.value());
            if (bucket.getPeriod() == Period.DAY) {
              String subject = AggregateKey.subjectOf(record.key());
              dayRequests.put(subject, bucket.getRequests());
              if (subject.equals("all:_")) {
                most[0] = Math.max(most[0], bucket.getRequests());
              }
            }
          }
        });
        return dayRequests.getOrDefault("all:_", 0L) == EVENTS_SENT
            && dayRequests.keySet().stream().filter(s -> s.startsWith("user:")).count() == 20
            && dayRequests.entrySet().stream().filter(e -> e.getKey().startsWith("user:"))
                .allMatch(e -> e.getValue() == EVENTS_SENT / 20);
      });
      mostEverPublished = most[0];

      assertThat(corrupted).as("the task was marked corrupted").isTrue();
      assertThat(seen.get()).as("events after the last commit were processed again").isGreaterThan(EVENTS_SENT);
      assertThat(streams.metadataForLocalThreads()).extracting(ThreadMetadata::threadName)
          .as("revived on its own thread, not a new one").singleElement().asString().endsWith("-StreamThread-1");
      assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }
    assertThat(mostEverPublished).as("no committed total ever counted an event twice").isEqualTo(EVENTS_SENT);
  }

  private static String sourceOf(Topology topology, String topic) {
    return topology.describe().subtopologies().stream().flatMap(s -> s.nodes().stream())
        .filter(node -> node instanceof TopologyDescription.Source source && source.topicSet().contains(topic))
        .map(TopologyDescription.Node::name).findFirst().orElseThrow();
  }
}
