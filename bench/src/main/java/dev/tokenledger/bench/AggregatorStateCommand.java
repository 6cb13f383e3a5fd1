package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.kafkalocal.LocalCluster;
import dev.tokenledger.kafkalocal.ProgressLine;
import dev.tokenledger.runtime.Settings;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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

    Run run;
    try {
      run = new Run(dir.resolve("aggregator-state"), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Ctrl-C must not leave a broker (started in a session of its own) or an app behind.
    Thread hook = new Thread(run::close, "aggregator-state-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      AggregatorStateReport result = run.measure(users, eventsPerUser, heap, seed);
      run.close(); // before the table, so that the broker's stop message comes first
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
    } finally {
      run.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down (Ctrl-C): the hook has run or is running.
      }
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

  /** One run: its broker, its child JVM and its files, all removed at the end but the logs. */
  private static final class Run implements AutoCloseable {
    private final Path work;
    private final Path logs;
    private final PrintStream out;
    private final List<ChildJvm> running = new ArrayList<>();
    private LocalCluster cluster;

    Run(Path work, PrintStream out) throws IOException {
      this.work = work.toAbsolutePath();
      this.logs = this.work.resolve("logs");
      this.out = out;
      // What a previous run left (killed before its cleanup) would make this one measure more.
      RunData.delete(work);
      Files.createDirectories(logs);
    }

    AggregatorStateReport measure(long users, long eventsPerUser, String heap, long seed)
        throws InterruptedException, ExecutionException, IOException {
      long events = Math.multiplyExact(users, eventsPerUser);
      int port = FreePorts.run(2);
      synchronized (this) {
        cluster = LocalCluster.ofNodes(1, work.resolve("kafka"), port, port + 1, logs,
            System.getProperty("java.class.path"), out);
      }
      cluster.start(Settings.of("/tokenledger-defaults.properties", Map.of()));
      String bootstrap = cluster.bootstrap();
      String topic = TopicCatalog.create(Map.of()).tokensConsumed().name();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
          CatchUp catchUp = new CatchUp(admin, bootstrap)) {
        out.printf("Preloading %s with %,d events of %,d users...%n", topic, events, users);
        Rate preload = preload(bootstrap, topic, new AggregatorStateEvents(seed, users, eventsPerUser, Instant.now()),
            events, ProgressLine.start(out));
        out.printf("  %,.0f events/s%n", preload.recordsPerSecond());

        String appId = "bench-aggregator-state-" + UUID.randomUUID().toString().substring(0, 8);
        int httpPort = FreePorts.run(1);
        Path state = work.resolve("state").resolve("aggregator");
        Path config = work.resolve("aggregator.properties");
        Files.writeString(config, String.join("\n", "kafka.bootstrap.servers=" + bootstrap,
            "tokenledger.auth.enabled=false", "tokenledger.http.port=" + httpPort,
            "tokenledger.state.dir=" + state, "tokenledger.aggregator.application-id=" + appId, ""));
        out.println("TokenLedger aggregator " + appId + " (heap " + heap + ")...");
        ChildJvm aggregator = start("aggregator", heap, "dev.tokenledger.aggregator.AggregatorApp",
            List.of("--config", config.toString()));
        Rate rate = awaitCaughtUp(aggregator, catchUp, appId, topic, List.of(appId + "-usage-by-subject-repartition"),
            events);
        String status = Files.readString(Path.of("/proc", Long.toString(aggregator.pid()), "status"));
        String metrics = PrometheusText.scrape(httpPort);
        long stateCaughtUp = directoryBytes(state);
        long heapUsed = metrics.contains("jvm_memory_used_bytes")
            ? (long) PrometheusText.sum(metrics, "jvm_memory_used_bytes", "area=\"heap\"") : -1;
        long counted = (long) PrometheusText.sum(metrics, "tokenledger_aggregator_events_total", "outcome=\"counted\"");
        long dropped = (long) PrometheusText.sum(metrics, "tokenledger_streams_dropped_records", "");
        stop(aggregator);
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

    private synchronized ChildJvm start(String name, String heap, String mainClass, List<String> args) {
      ChildJvm jvm = ChildJvm.start(name, heap, mainClass, args, logs.resolve(name + ".log"));
      running.add(jvm);
      return jvm;
    }

    private void stop(ChildJvm jvm) throws InterruptedException {
      synchronized (this) {
        running.remove(jvm);
      }
      jvm.stop();
    }

    /** From the JVM's start to the first poll that finds the input and the repartition topics consumed. */
    private Rate awaitCaughtUp(ChildJvm jvm, CatchUp catchUp, String appId, String input, List<String> repartitions,
        long events) throws InterruptedException, ExecutionException {
      long start = System.nanoTime();
      long deadline = start + Duration.ofSeconds(300 + events / 1_000).toNanos();
      long nextProgress = start + Duration.ofSeconds(30).toNanos();
      ProgressLine progress = ProgressLine.start(out);
      while (true) {
        jvm.checkAlive();
        Set<String> found = catchUp.repartitionTopics(appId);
        if (found.containsAll(repartitions)) {
          Set<String> topics = new HashSet<>(found);
          topics.add(input);
          if (catchUp.caughtUp(appId, topics)) {
            progress.clear();
            return Rate.of(events, (System.nanoTime() - start) / 1e9);
          }
        }
        long now = System.nanoTime();
        if (now > deadline) {
          progress.clear();
          throw new IllegalStateException(appId + " did not catch up in time; topics " + found);
        }
        if (now > nextProgress) {
          progress.clear();
          out.printf("  %d s...%n", Duration.ofNanos(now - start).toSeconds());
          nextProgress += Duration.ofSeconds(30).toNanos();
        }
        progress.update(String.format(Locale.ROOT, "  catching up with %,d events", events));
        Thread.sleep(250);
      }
    }

    /** Stops what still runs and removes the broker's data and the state. */
    @Override
    public synchronized void close() {
      try {
        for (ChildJvm jvm : running) {
          jvm.stop();
        }
        running.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (cluster != null) {
        cluster.stop();
        cluster = null;
      }
      RunData.delete(work);
    }
  }
}
