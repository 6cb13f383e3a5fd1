package dev.tokenledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code ingest-throughput}: on one broker of its own, ingest-app (its own JVM, its main class on
 * the bench's classpath) takes {@code --events} realistic events as single-event requests, many in flight, then as many
 * again in batches of {@code --batch}; beside it Kafka's ProducerPerformance with the record size
 * ingest wrote. Every request's answer is counted, and the topic must hold exactly the accepted
 * events at the end.
 */
final class IngestThroughputCommand implements Subcommand {

  private static final String PERF_TOPIC = "bench.producer-perf";
  private static final String APP_HEAP = "1g";
  private static final String TOOL_HEAP = "1g";
  private static final String PUBLISHER = "bench-publisher";
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  /** The run's settings, checked before anything starts. */
  record Options(long events, int connections, int batch, int batchInFlight, Path dir, Path report, long seed) {

    /** The contract's limit on events per request ({@code EventBatch.MAX_EVENTS} in ingest-app). */
    static final int MAX_BATCH = 1000;

    static Options parse(List<String> args) {
      CliArgs options = new CliArgs(args, Set.of("events", "connections", "batch", "batch-in-flight", "dir", "report",
          "seed"));
      long events = options.longValue("events", 200_000, 1_000);
      int connections = (int) Math.min(options.longValue("connections", 64, 1), 1024);
      long batch = options.longValue("batch", MAX_BATCH, 1);
      if (batch > MAX_BATCH) {
        throw new CliArgs.UsageException("--batch must be at most " + MAX_BATCH
            + " (ingest's limit of events per request; got " + batch + ")");
      }
      int batchInFlight = (int) Math.min(options.longValue("batch-in-flight", 4, 1), 256);
      Path dir = Path.of(options.string("dir", ".tokenledger/bench"));
      Path report = Path.of(options.string("report", dir.resolve("ingest-throughput.json").toString()));
      return new Options(events, connections, (int) batch, batchInFlight, dir, report,
          options.longValue("seed", 42, Long.MIN_VALUE));
    }
  }

  @Override
  public String name() {
    return "ingest-throughput";
  }

  @Override
  public String usage() {
    return "ingest-throughput [--events N per mode (200000)] [--connections N (64)] [--batch N (1000)]\n"
        + "             [--batch-in-flight N (4)] [--report FILE (.tokenledger/bench/ingest-throughput.json)]\n"
        + "             [--dir DIR (.tokenledger/bench)] [--seed N (42)]\n"
        + "  A broker of its own and ingest-app: events/s of single-event and batch POST /v1/events beside\n"
        + "  Kafka's ProducerPerformance; the topic must hold exactly the accepted events. Logs in DIR/ingest-throughput/logs.";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    return measure(args, out).exact() ? 0 : 1;
  }

  /** What {@link #run} does, table and JSON included; returns the report ({@code bench all} sums it up). */
  IngestThroughputReport measure(List<String> args, PrintStream out) throws InterruptedException {
    Options options = Options.parse(args);
    try (BenchWorkspace workspace = BenchWorkspace.open(options.dir(), "ingest-throughput", out)) {
      IngestThroughputReport result = new Run(workspace).measure(options);
      workspace.close(); // before the table, so that the broker's stop message comes first
      out.println();
      out.print(result.table());
      Files.createDirectories(options.report().toAbsolutePath().getParent());
      Files.writeString(options.report(), result.json(new ObjectMapper()));
      out.println("report: " + options.report());
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a Kafka request failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** An event as {@code POST /v1/events} takes it, every field the generator fills ({@code service} comes from the key). */
  static ObjectNode json(TokensConsumed event, ObjectMapper mapper) {
    ObjectNode json = mapper.createObjectNode();
    json.put("eventId", event.getEventId());
    json.put("occurredAt", event.getOccurredAt().toString());
    json.put("userId", event.getUserId());
    if (event.getTenantId() != null) {
      json.put("tenantId", event.getTenantId());
    }
    if (event.getFeature() != null) {
      json.put("feature", event.getFeature());
    }
    if (event.getSessionId() != null) {
      json.put("sessionId", event.getSessionId());
    }
    json.put("provider", event.getProvider());
    json.put("model", event.getModel());
    json.put("inputTokens", event.getInputTokens());
    json.put("outputTokens", event.getOutputTokens());
    json.put("cachedInputTokens", event.getCachedInputTokens());
    json.put("cacheWriteTokens", event.getCacheWriteTokens());
    json.put("reasoningTokens", event.getReasoningTokens());
    json.put("systemTokens", event.getSystemTokens());
    json.put("latencyMs", event.getLatencyMs());
    json.put("success", event.getSuccess());
    if (event.getErrorType() != null) {
      json.put("errorType", event.getErrorType());
    }
    ObjectNode labels = json.putObject("labels");
    event.getLabels().forEach(labels::put);
    return json;
  }

  /** Request bodies of {@code perRequest} events each (a bare object when 1, else {"events":[…]}), {@code events} in all. */
  static List<byte[]> bodies(UsageEventGenerator generator, long events, int perRequest, ObjectMapper mapper) {
    List<byte[]> bodies = new ArrayList<>((int) ((events + perRequest - 1) / perRequest));
    try {
      for (long sent = 0; sent < events; sent += perRequest) {
        int n = (int) Math.min(perRequest, events - sent);
        if (perRequest == 1) {
          bodies.add(mapper.writeValueAsBytes(json(generator.next(), mapper)));
        } else {
          ObjectNode root = mapper.createObjectNode();
          ArrayNode items = root.putArray("events");
          for (int i = 0; i < n; i++) {
            items.add(json(generator.next(), mapper));
          }
          bodies.add(mapper.writeValueAsBytes(root));
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serializes", e);
    }
    return bodies;
  }

  /** One run, in its workspace. */
  private static final class Run {
    private final BenchWorkspace workspace;
    private final Path work;
    private final Path logs;
    private final PrintStream out;
    private final ObjectMapper mapper = new ObjectMapper();
    private final String publishKey = "pub-" + UUID.randomUUID();

    Run(BenchWorkspace workspace) {
      this.workspace = workspace;
      this.work = workspace.work();
      this.logs = workspace.logs();
      this.out = workspace.out();
    }

    IngestThroughputReport measure(Options options) throws InterruptedException, ExecutionException, IOException {
      String bootstrap = workspace.startBroker();
      String topic = TopicCatalog.create(Map.of()).tokensConsumed().name();

      Path keys = work.resolve("keys.properties");
      Files.writeString(keys, ApiKeys.entry(PUBLISHER, Role.PUBLISH, publishKey) + "\n");
      int httpPort = FreePorts.run(1);
      Path config = work.resolve("ingest.properties");
      Files.writeString(config, String.join("\n", "kafka.bootstrap.servers=" + bootstrap,
          "tokenledger.auth.keys-file=" + keys, "tokenledger.http.port=" + httpPort,
          "tokenledger.http.bind-address=127.0.0.1", ""));
      out.println("ingest-app...");
      ChildJvm app = workspace.start("ingest", APP_HEAP, "dev.tokenledger.ingest.IngestApp",
          List.of("--config", config.toString()));
      app.awaitReady(httpPort, READY_TIMEOUT);

      URI events = URI.create("http://127.0.0.1:" + httpPort + "/v1/events");
      // The client's default executor starts a thread per response, which on 2 cores measures the client.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .executor(Executors.newFixedThreadPool(2, ChildJvm.daemonThreads("ingest-throughput-http"))).build();
      UsageEventGenerator generator = new UsageEventGenerator(options.seed(), 2 * options.events(), Instant.now());

      out.printf("Single-event requests: %,d, %d in flight...%n", options.events(), options.connections());
      IngestThroughputReport.Mode single = post(http, events, "single", 1, options.connections(),
          bodies(generator, options.events(), 1, mapper), app);
      out.printf("  %,.0f events/s%n", single.eventsPerSecond());

      out.printf("Batches of %d: %,d events, %d in flight...%n", options.batch(), options.events(),
          options.batchInFlight());
      IngestThroughputReport.Mode batch = post(http, events, "batch", options.batch(), options.batchInFlight(),
          bodies(generator, options.events(), options.batch(), mapper), app);
      out.printf("  %,.0f events/s%n", batch.eventsPerSecond());

      workspace.stop(app);
      TopicContents contents = read(bootstrap, topic);
      double averageBytes = contents.records() == 0 ? 0 : (double) contents.bytes() / contents.records();
      out.printf("%s holds %,d records, %.0f B a record (key + value)%n", topic, contents.records(), averageBytes);

      int partitions;
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        admin.createTopics(List.of(new NewTopic(PERF_TOPIC, partitions, (short) 1))).all().get();
      }
      out.println("Kafka ProducerPerformance...");
      Rate producerPerf = PerfToolOutput.producer(ChildJvm.run("producer-perf", TOOL_HEAP,
          "org.apache.kafka.tools.ProducerPerformance", List.of("--bootstrap-server", bootstrap,
              "--topic", PERF_TOPIC, "--num-records", Long.toString(options.events()),
              "--record-size", Long.toString(Math.max(1, Math.round(averageBytes))), "--throughput", "-1",
              // ingest's producer (EventPublisher): idempotent acks=all, linger.ms=5, the default batch.size.
              "--command-property", "acks=all", "linger.ms=5"),
          logs.resolve("producer-perf.log")));
      out.printf("  %,.0f records/s%n", producerPerf.recordsPerSecond());

      return new IngestThroughputReport(Instant.now(), partitions, averageBytes, single, batch, producerPerf,
          contents.records());
    }

    /**
     * Posts every body, {@code inFlight} requests at a time (one thread and connection each), once:
     * a failed request is counted by its answer, not retried, so the rate is what ingest accepted.
     */
    private IngestThroughputReport.Mode post(HttpClient http, URI events, String name, int perRequest, int inFlight,
        List<byte[]> bodies, ChildJvm app) throws InterruptedException {
      AtomicInteger next = new AtomicInteger();
      AtomicLong accepted = new AtomicLong();
      Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
      List<Thread> senders = new ArrayList<>();
      long start = System.nanoTime();
      for (int t = 0; t < inFlight; t++) {
        Thread sender = new Thread(() -> {
          for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
            HttpRequest request = HttpRequest.newBuilder(events).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + publishKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i))).build();
            String outcome;
            try {
              HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
              outcome = Integer.toString(response.statusCode());
              if (response.statusCode() == 202) {
                accepted.addAndGet(perRequest == 1 ? 1 : acceptedCount(response.body()));
              }
            } catch (IOException e) {
              outcome = "io-error";
            } catch (InterruptedException e) {
              return;
            }
            outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
          }
        }, "ingest-" + name + "-" + t);
        sender.start();
        senders.add(sender);
      }
      try {
        for (Thread sender : senders) {
          while (sender.isAlive()) {
            sender.join(1_000);
            app.checkAlive();
          }
        }
      } finally {
        senders.forEach(Thread::interrupt);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      SortedMap<String, Long> counted = new TreeMap<>();
      outcomes.forEach((outcome, count) -> counted.put(outcome, count.get()));
      return new IngestThroughputReport.Mode(name, perRequest, inFlight, bodies.size(), accepted.get(), seconds,
          counted);
    }

    private long acceptedCount(String body) {
      try {
        return mapper.readTree(body).path("accepted").asLong(0);
      } catch (JsonProcessingException e) {
        return 0;
      }
    }

    /** How many records the topic holds and their key + value bytes, read from the start to the end offsets. */
    private record TopicContents(long records, long bytes) {}

    private static TopicContents read(String bootstrap, String topic) {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
        long records = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("could not read " + topic + " to its end offsets " + ends + " in 5 min");
          }
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            records++;
            bytes += (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
          }
        }
        return new TopicContents(records, bytes);
      }
    }
  }
}
