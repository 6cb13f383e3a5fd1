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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code aggregator-throughput}: on one broker of its own, preloads {@code tokens.consumed} with
 * realistic events, then measures one after the other, each as its own JVM: Kafka's
 * ProducerPerformance and ConsumerPerformance (what the broker allows on this machine), a plain
 * Kafka Streams app ({@link PlainStreamsBaseline}) and the aggregator, both from start to caught
 * up on the preloaded events. Prints one table and writes it as JSON.
 */
final class AggregatorThroughputCommand implements Subcommand {

  private static final String PERF_TOPIC = "bench.producer-perf";
  private static final String STREAMS_HEAP = "2g";
  private static final String TOOL_HEAP = "1g";
  private static final Pattern DROPPED_LINE = Pattern.compile("^dropped-records-total=(\\d+)$", Pattern.MULTILINE);

  @Override
  public String name() {
    return "aggregator-throughput";
  }

  @Override
  public String usage() {
    return "aggregator-throughput [--events N (3000000)] [--report FILE (.tokenledger/bench/aggregator-throughput.json)]\n"
        + "             [--dir DIR (.tokenledger/bench)] [--threads STREAM_THREADS (1)] [--seed N (42)]\n"
        + "             [--span-minutes M (60): the events' times spread over the last M minutes, at most 4320]\n"
        + "             [--jfr true: a flight recording of the aggregator, summarised after the table]\n"
        + "             [--commit-intervals 1s,250ms,...: after its defaults, the aggregator once per fixed commit\n"
        + "              interval, each from offset 0 under an application id of its own: the options side by side]\n"
        + "  A broker of its own; Kafka's producer/consumer perf tools, a plain Kafka Streams app and the\n"
        + "  aggregator on the same preloaded events, each timed to caught up. Logs in DIR/aggregator-throughput/logs.";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    measure(args, out);
    return 0;
  }

  /** What {@link #run} does, table and JSON included; returns the report ({@code bench all} sums it up). */
  ThroughputReport measure(List<String> args, PrintStream out) throws InterruptedException {
    CliArgs options = new CliArgs(args, Set.of("events", "report", "dir", "threads", "seed", "span-minutes", "jfr",
        "commit-intervals"));
    long events = options.longValue("events", 3_000_000, 1_000);
    Path dir = Path.of(options.string("dir", ".tokenledger/bench"));
    Path report = Path.of(options.string("report", dir.resolve("aggregator-throughput.json").toString()));
    int threads = (int) options.longValue("threads", 1, 1);
    long seed = options.longValue("seed", 42, Long.MIN_VALUE);
    long spanMinutes = options.longValue("span-minutes", 60, 1);
    if (spanMinutes > UsageEventGenerator.MAX_SPAN.toMinutes()) {
      throw new CliArgs.UsageException("--span-minutes must be at most " + UsageEventGenerator.MAX_SPAN.toMinutes()
          + " (got " + spanMinutes + ")");
    }
    Duration span = Duration.ofMinutes(spanMinutes);
    boolean jfr = Boolean.parseBoolean(options.string("jfr", "false"));
    List<String> commitIntervals = List.of(options.string("commit-intervals", "").split(",")).stream()
        .map(String::strip).filter(interval -> !interval.isEmpty()).toList();

    try (BenchWorkspace workspace = BenchWorkspace.open(dir, "aggregator-throughput", out)) {
      ThroughputReport result = new Run(workspace).measure(events, threads, seed, span, jfr, commitIntervals);
      workspace.close(); // before the table, so that the broker's stop message comes first
      out.println();
      out.print(result.table());
      result.profile().ifPresent(profile -> out.print(profile.text()));
      Files.createDirectories(report.toAbsolutePath().getParent());
      Files.writeString(report, result.json(new ObjectMapper()));
      out.println("report: " + report);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a Kafka request failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** One run, in its workspace. */
  private static final class Run {
    /** The end offsets of the output topics every aggregator of the run writes to, after the last one. */
    private Map<String, Long> sharedOutputs = Map.of();
    private final BenchWorkspace workspace;
    private final Path work;
    private final Path logs;
    private final PrintStream out;

    Run(BenchWorkspace workspace) {
      this.workspace = workspace;
      this.work = workspace.work();
      this.logs = workspace.logs();
      this.out = workspace.out();
    }

    /** @param commitIntervals further commit intervals to run the aggregator with, after its default */
    ThroughputReport measure(long events, int threads, long seed, Duration span, boolean jfr,
        List<String> commitIntervals) throws InterruptedException, ExecutionException, IOException {
      String bootstrap = workspace.startBroker();
      String topic = TopicCatalog.create(Map.of()).tokensConsumed().name();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
          CatchUp catchUp = new CatchUp(admin, bootstrap)) {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();

        out.printf("Preloading %s with %,d events over the last %s...%n", topic, events, span);
        Preload preloaded = preload(bootstrap, topic, events, seed, span, ProgressLine.start(out));
        Rate preload = preloaded.rate();
        double averageBytes = (double) preloaded.bytes() / events;
        out.printf("  %,.0f events/s, %.0f B a record (key + value)%n", preload.recordsPerSecond(), averageBytes);

        admin.createTopics(List.of(new NewTopic(PERF_TOPIC, partitions, (short) 1))).all().get();
        out.println("Kafka ProducerPerformance...");
        Rate producerPerf = PerfToolOutput.producer(ChildJvm.run("producer-perf", TOOL_HEAP,
            "org.apache.kafka.tools.ProducerPerformance", List.of("--bootstrap-server", bootstrap,
                "--topic", PERF_TOPIC, "--num-records", Long.toString(events),
                "--record-size", Long.toString(Math.round(averageBytes)), "--throughput", "-1",
                // The preload producer's settings: idempotent acks=all is the client's default.
                "--command-property", "acks=all", "linger.ms=5", "batch.size=65536"),
            logs.resolve("producer-perf.log")));
        out.printf("  %,.0f records/s%n", producerPerf.recordsPerSecond());

        out.println("Kafka ConsumerPerformance on " + topic + "...");
        Rate consumerPerf = PerfToolOutput.consumer(ChildJvm.run("consumer-perf", TOOL_HEAP,
            "org.apache.kafka.tools.ConsumerPerformance", List.of("--bootstrap-server", bootstrap,
                "--topic", topic, "--num-records", Long.toString(events), "--group", "bench-consumer-perf",
                "--timeout", "60000"),
            logs.resolve("consumer-perf.log")));
        out.printf("  %,.0f records/s%n", consumerPerf.recordsPerSecond());

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String plainId = "bench-plain-streams-" + suffix;
        out.println("Plain Kafka Streams app " + plainId + "...");
        ChildJvm plain = workspace.start("plain-streams", STREAMS_HEAP, PlainStreamsBaseline.class.getName(), List.of(bootstrap, topic,
            plainId, work.resolve("state").resolve("plain-streams").toString(), Integer.toString(threads)));
        Rate plainRate = workspace.awaitCaughtUp(plain, catchUp, plainId, topic,
            PlainStreamsBaseline.GROUPINGS.stream().map(g -> plainId + "-" + g + "-repartition").toList(), events);
        Matcher dropped = DROPPED_LINE.matcher(workspace.stop(plain));
        long plainDropped = dropped.find() ? Long.parseLong(dropped.group(1)) : -1;
        double plainRecords = producedRecords(admin, plainId, List.of()).values().stream().mapToLong(Long::longValue)
            .sum() / (double) events;
        out.printf("  %,.0f events/s, dropped %d, %.2f records produced per event%n", plainRate.recordsPerSecond(),
            plainDropped, plainRecords);

        Rate decodeFloor = floor("decode", bootstrap, topic, "bench-floor-decode-" + suffix, threads, catchUp, events);
        Rate dedupeFloor = floor("dedupe", bootstrap, topic, "bench-floor-dedupe-" + suffix, threads, catchUp, events);

        Aggregator aggregator = aggregator(admin, catchUp, bootstrap, topic, "bench-aggregator-" + suffix,
            threads, events, jfr, Optional.empty());
        List<ThroughputReport.Variant> variants = new ArrayList<>();
        for (String interval : commitIntervals) {
          Aggregator variant = aggregator(admin, catchUp, bootstrap, topic,
              "bench-aggregator-" + interval + "-" + suffix, threads, events, false, Optional.of(interval));
          variants.add(new ThroughputReport.Variant("commit every " + interval, variant.rate(), variant.dropped(),
              variant.counted(), variant.recordsPerEvent()));
        }
        Optional<JfrSummary.Summary> profile = jfr ? Optional.of(JfrSummary.of(logs.resolve("aggregator.jfr"), 15))
            : Optional.empty();

        return new ThroughputReport(Instant.now(), events, span, averageBytes, partitions, threads, producerPerf,
            consumerPerf, preload, plainRate, decodeFloor, dedupeFloor, aggregator.rate(), plainDropped,
            aggregator.dropped(), aggregator.counted(), plainRecords, aggregator.recordsPerEvent(),
            aggregator.recordsByTopic(), variants, profile);
      }
    }

    /** One aggregator run's figures. */
    private record Aggregator(Rate rate, long dropped, long counted, double recordsPerEvent,
        Map<String, Double> recordsByTopic) {}

    /** The aggregator from start to caught up, under an application id of its own; its commit interval if given. */
    private Aggregator aggregator(Admin admin, CatchUp catchUp, String bootstrap, String topic, String aggregatorId,
        int threads, long events, boolean jfr, Optional<String> commitInterval)
        throws InterruptedException, ExecutionException, IOException {
      int httpPort = FreePorts.run(1);
      Path config = work.resolve(aggregatorId + ".properties");
      List<String> lines = new ArrayList<>(List.of("kafka.bootstrap.servers=" + bootstrap,
          "tokenledger.auth.enabled=false", "tokenledger.http.port=" + httpPort,
          "tokenledger.state.dir=" + work.resolve("state").resolve(aggregatorId),
          "tokenledger.aggregator.application-id=" + aggregatorId,
          "tokenledger.aggregator.stream-threads=" + threads));
      // Caught up or not, the one interval: the variants compare fixed intervals.
      commitInterval.ifPresent(interval -> lines.addAll(List.of("tokenledger.aggregator.commit-interval=" + interval,
          "tokenledger.aggregator.caught-up-commit-interval=" + interval)));
      Files.writeString(config, String.join("\n", lines) + "\n");
      out.println("TokenLedger aggregator " + aggregatorId + "...");
      ChildJvm aggregator = workspace.start(commitInterval.map(i -> "aggregator-" + i).orElse("aggregator"), STREAMS_HEAP, jfr
              ? List.of("-XX:StartFlightRecording=settings=profile,filename=" + logs.resolve("aggregator.jfr"))
              : List.of(),
          "dev.tokenledger.aggregator.AggregatorApp", List.of("--config", config.toString()));
      Rate rate = workspace.awaitCaughtUp(aggregator, catchUp, aggregatorId, topic,
          List.of(aggregatorId + "-usage-by-subject-repartition"), events);
      String metrics = PrometheusText.scrape(httpPort);
      long dropped = (long) PrometheusText.sum(metrics, "tokenledger_streams_dropped_records", "");
      long counted = (long) PrometheusText.sum(metrics, "tokenledger_aggregator_events_total", "outcome=\"counted\"");
      workspace.stop(aggregator);
      TopicCatalog catalog = TopicCatalog.create(Map.of());
      Map<String, Double> byTopic = new TreeMap<>();
      // usage.aggregates and the others are shared by every aggregator of the run: what this one
      // wrote is what they hold beyond what the runs before it left.
      Map<String, Long> before = sharedOutputs;
      Map<String, Long> now = producedRecords(admin, aggregatorId, List.of(catalog.usageAggregates().name(),
          catalog.tokensRejected().name(), catalog.tokensLate().name()));
      now.forEach((name, records) -> byTopic.put(
          name.startsWith(aggregatorId + "-") ? name.substring(aggregatorId.length() + 1) : name,
          (records - before.getOrDefault(name, 0L)) / (double) events));
      sharedOutputs = now;
      double recordsPerEvent = byTopic.values().stream().mapToDouble(Double::doubleValue).sum();
      out.printf("  %,.0f events/s, dropped %d, counted %,d, %.2f records produced per event%n",
          rate.recordsPerSecond(), dropped, counted, recordsPerEvent);
      return new Aggregator(rate, dropped, counted, recordsPerEvent, byTopic);
    }

    /** One of the {@link StreamsFloors}, from start to caught up on the preloaded events. */
    private Rate floor(String mode, String bootstrap, String topic, String appId, int threads, CatchUp catchUp,
        long events) throws InterruptedException, ExecutionException {
      out.println("Kafka Streams floor: " + mode + " " + appId + "...");
      ChildJvm floor = workspace.start("floor-" + mode, STREAMS_HEAP, StreamsFloors.class.getName(), List.of(mode, bootstrap, topic, appId,
          work.resolve("state").resolve("floor-" + mode).toString(), Integer.toString(threads)));
      Rate rate = workspace.awaitCaughtUp(floor, catchUp, appId, topic, List.of(), events);
      workspace.stop(floor);
      out.printf("  %,.0f events/s%n", rate.recordsPerSecond());
      return rate;
    }

    /**
     * Every record an application wrote, by topic: the end offsets of its internal topics
     * (changelogs and repartitions) and of {@code outputs}, transaction markers included (a few
     * per commit).
     */
    private static Map<String, Long> producedRecords(Admin admin, String appId, List<String> outputs)
        throws InterruptedException, ExecutionException {
      List<String> topics = new ArrayList<>(outputs);
      admin.listTopics().names().get().stream().filter(t -> t.startsWith(appId + "-")).forEach(topics::add);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get().values().forEach(description -> description.partitions()
          .forEach(p -> latest.put(new TopicPartition(description.name(), p.partition()), OffsetSpec.latest())));
      Map<String, Long> byTopic = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((partition, end) ->
          byTopic.merge(partition.topic(), end.offset(), Long::sum));
      return byTopic;
    }

    /** What the preload sent: its rate, and the bytes of its keys and values. */
    private record Preload(Rate rate, long bytes) {}

    /** Our own producer as a service would configure it, with ProducerPerformance's batching; keyed by user like ingest. */
    private static Preload preload(String bootstrap, String topic, long events, long seed, Duration span,
        ProgressLine progress) {
      UsageEventGenerator generator = new UsageEventGenerator(seed, events, Instant.now(), span);
      AtomicReference<Exception> failure = new AtomicReference<>();
      long bytes = 0;
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
          byte[] key = event.getUserId().getBytes(StandardCharsets.UTF_8);
          byte[] value = AvroSerdes.tokensConsumed().encode(event);
          bytes += key.length + value.length;
          // The event's time as the record's: what a windowed Streams app aggregates by.
          producer.send(new ProducerRecord<>(topic, null, event.getOccurredAt().toEpochMilli(), key, value),
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
      return new Preload(Rate.of(events, (System.nanoTime() - start) / 1e9), bytes);
    }
  }
}
