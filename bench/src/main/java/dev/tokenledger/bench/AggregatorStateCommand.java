package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.kafkalocal.ProgressLine;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code aggregator-state}: on one broker of its own, preloads {@code tokens.consumed} with the
 * events of {@code --users} distinct users ({@link AggregatorStateEvents}), runs the aggregator
 * (own JVM, own state dir) to caught up, then reads its memory (VmRSS and VmHWM from
 * {@code /proc/PID/status}, heap used from {@code /metrics}) and the size of its state dir on disk.
 * Prints one table and writes it as JSON.
 */
final class AggregatorStateCommand implements Subcommand {

  @Override
  public String name() {
    return "aggregator-state";
  }

  @Override
  public String usage() {
    return "aggregator-state [--users N (1000000)] [--events-per-user N (1)] [--heap SIZE (1g)]\n"
        + "             [--report FILE (.tokenledger/bench/aggregator-state.json)] [--dir DIR (.tokenledger/bench)] [--seed N (42)]\n"
        + "  A broker of its own; the aggregator on the events of N distinct users, to caught up; its RSS, heap and\n"
        + "  state dir size. Logs in DIR/aggregator-state/logs.";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    CliArgs options = new CliArgs(args, Set.of("users", "events-per-user", "heap", "report", "dir", "seed"));
    long users = options.longValue("users", 1_000_000, 1_000);
    long eventsPerUser = options.longValue("events-per-user", 1, 1);
    String heap = options.string("heap", "1g");
    if (!heap.matches("\\d+[kKmMgG]")) {
      throw new CliArgs.UsageException("--heap must be a JVM size like 1g or 768m (got '" + heap + "')");
    }
    Path dir = Path.of(options.string("dir", ".tokenledger/bench"));
    Path report = Path.of(options.string("report", dir.resolve("aggregator-state.json").toString()));
    long seed = options.longValue("seed", 42, Long.MIN_VALUE);

    try (BenchWorkspace workspace = BenchWorkspace.open(dir, "aggregator-state", out)) {
      AggregatorStateReport result = new Run(workspace).measure(users, eventsPerUser, heap, seed);
      workspace.close(); // before the table, so that the broker's stop message comes first
      out.println();
      out.print(result.table());
      Files.createDirectories(report.toAbsolutePath().getParent());
      Files.writeString(report, result.json(new ObjectMapper()));
      out.println("report: " + report);
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a Kafka request failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** The bytes of the regular files under {@code dir}; files RocksDB deletes during the walk count as gone. */
  static long directoryBytes(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    long bytes = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.toList()) {
        try {
          if (Files.isRegularFile(file)) {
            bytes += Files.size(file);
          }
        } catch (NoSuchFileException e) {
          // Compacted away since the listing.
        }
      }
    }
    return bytes;
  }

  /** One run, in its workspace. */
  private static final class Run {
    private final BenchWorkspace workspace;
    private final PrintStream out;

    Run(BenchWorkspace workspace) {
      this.workspace = workspace;
      this.out = workspace.out();
    }

    AggregatorStateReport measure(long users, long eventsPerUser, String heap, long seed)
        throws InterruptedException, ExecutionException, IOException {
      long events = Math.multiplyExact(users, eventsPerUser);
      String bootstrap = workspace.startBroker();
      String topic = TopicCatalog.create(Map.of()).tokensConsumed().name();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
          CatchUp catchUp = new CatchUp(admin, bootstrap)) {
        out.printf("Preloading %s with %,d events of %,d users...%n", topic, events, users);
        Rate preload = preload(bootstrap, topic, new AggregatorStateEvents(seed, users, eventsPerUser, Instant.now()),
            events, ProgressLine.start(out));
        out.printf("  %,.0f events/s%n", preload.recordsPerSecond());

        String appId = "bench-aggregator-state-" + UUID.randomUUID().toString().substring(0, 8);
        int httpPort = FreePorts.run(1);
        Path state = workspace.work().resolve("state").resolve("aggregator");
        Path config = workspace.work().resolve("aggregator.properties");
        Files.writeString(config, String.join("\n", "kafka.bootstrap.servers=" + bootstrap,
            "tokenledger.auth.enabled=false", "tokenledger.http.port=" + httpPort,
            "tokenledger.state.dir=" + state, "tokenledger.aggregator.application-id=" + appId, ""));
        out.println("TokenLedger aggregator " + appId + " (heap " + heap + ")...");
        ChildJvm aggregator = workspace.start("aggregator", heap, "dev.tokenledger.aggregator.AggregatorApp",
            List.of("--config", config.toString()));
        Rate rate = workspace.awaitCaughtUp(aggregator, catchUp, appId, topic, List.of(appId + "-usage-by-subject-repartition"),
            events);
        String status = Files.readString(Path.of("/proc", Long.toString(aggregator.pid()), "status"));
        String metrics = PrometheusText.scrape(httpPort);
        long stateCaughtUp = directoryBytes(state);
        long heapUsed = metrics.contains("jvm_memory_used_bytes")
            ? (long) PrometheusText.sum(metrics, "jvm_memory_used_bytes", "area=\"heap\"") : -1;
        long counted = (long) PrometheusText.sum(metrics, "tokenledger_aggregator_events_total", "outcome=\"counted\"");
        long dropped = (long) PrometheusText.sum(metrics, "tokenledger_streams_dropped_records", "");
        workspace.stop(aggregator);
        long stateStopped = directoryBytes(state);
        out.printf("  %,.0f events/s, counted %,d%n", rate.recordsPerSecond(), counted);
        return new AggregatorStateReport(Instant.now(), users, eventsPerUser, heap, preload, rate, counted, dropped,
            AggregatorStateReport.statusBytes(status, "VmRSS"), AggregatorStateReport.statusBytes(status, "VmHWM"),
            heapUsed, stateCaughtUp, stateStopped);
      }
    }

    /** Keyed by user, record time = event time, as aggregator-throughput preloads. */
    private static Rate preload(String bootstrap, String topic, AggregatorStateEvents generator, long events,
        ProgressLine progress) {
      AtomicReference<Exception> failure = new AtomicReference<>();
      long start = System.nanoTime();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5,
          ProducerConfig.BATCH_SIZE_CONFIG, 65_536), new ByteArraySerializer(), new ByteArraySerializer())) {
        for (long i = 0; i < events && failure.get() == null; i++) {
          if (i % 10_000 == 0) { // not a format per event: the preload's rate is a figure of the report
            progress.update(String.format(Locale.ROOT, "  %,d of %,d events sent", i, events));
          }
          TokensConsumed event = generator.next();
          producer.send(new ProducerRecord<>(topic, null, event.getOccurredAt().toEpochMilli(),
              event.getUserId().getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event)),
              (metadata, e) -> {
                if (e != null) {
                  failure.compareAndSet(null, e);
                }
              });
        }
        progress.update(String.format(Locale.ROOT, "  %,d of %,d events sent, flushing", events, events));
        producer.flush();
      }
      progress.clear();
      if (failure.get() != null) {
        throw new IllegalStateException("the preload failed: " + failure.get().getMessage(), failure.get());
      }
      return Rate.of(events, (System.nanoTime() - start) / 1e9);
    }
  }
}
