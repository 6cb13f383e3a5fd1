package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code query-latency}: on one broker of its own, two aggregator instances (one application)
 * and one alerting app; after a preload of {@code --preload} events over {@code --users} users is
 * served, and while {@code --load} events/s keep flowing into {@code tokens.consumed}, queries go
 * out at a steady {@code --rate}: {@code /v1/usage} asked at the instance that owns the user,
 * {@code /v1/usage} asked at the other one (forwarded), and alerting's {@code /v1/admission}, in
 * turn. Latency is measured open-loop, from each query's scheduled time.
 */
final class QueryLatencyCommand implements Subcommand {

  static final String LOCAL = "usage-local";
  static final String FORWARDED = "usage-forwarded";
  static final String ADMISSION = "admission";
  static final List<String> KINDS = List.of(LOCAL, FORWARDED, ADMISSION);

  private static final String SERVED_BY = "X-TokenLedger-Served-By";
  private static final String APP_HEAP = "1g";
  private static final String QUOTA_ID = "bench-user-daily";
  /** Users whose owner is found out before the measurement; the queries pick among them. */
  private static final int PROBED_USERS = 400;
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SERVED_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  /** The run's settings, checked before anything starts. */
  record Options(int users, long preload, double load, double rate, long seconds, long warmup, Path dir, Path report,
      long seed) {

    static Options parse(List<String> args) {
      CliArgs options = new CliArgs(args, Set.of("users", "preload", "load", "rate", "seconds", "warmup", "dir",
          "report", "seed"));
      long users = options.longValue("users", 2_000, 2);
      if (users > UsageEventGenerator.USERS) {
        throw new CliArgs.UsageException("--users must be at most " + UsageEventGenerator.USERS + " (got " + users + ")");
      }
      long preload = options.longValue("preload", 20_000, 1_000);
      Path dir = Path.of(options.string("dir", ".tokenledger/bench"));
      Path report = Path.of(options.string("report", dir.resolve("query-latency.json").toString()));
      return new Options((int) users, preload, options.positiveDouble("load", 2_000),
          options.positiveDouble("rate", 200), options.longValue("seconds", 60, 1), options.longValue("warmup", 5, 0),
          dir, report, options.longValue("seed", 42, Long.MIN_VALUE));
    }
  }

  @Override
  public String name() {
    return "query-latency";
  }

  @Override
  public String usage() {
    return "query-latency [--users N (2000)] [--preload EVENTS (20000)] [--load EVENTS_PER_S (2000)]\n"
        + "             [--rate QUERIES_PER_S (200)] [--seconds N (60)] [--warmup SECONDS (5)]\n"
        + "             [--report FILE (.tokenledger/bench/query-latency.json)] [--dir DIR (.tokenledger/bench)] [--seed N (42)]\n"
        + "  A broker of its own, two aggregators and alerting-app under a steady load: open-loop p50/p99/max of\n"
        + "  /v1/usage (local and forwarded) and /v1/admission. Logs in DIR/query-latency/logs.";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    measure(args, out);
    return 0;
  }

  /** What {@link #run} does, table and JSON included; returns the report ({@code bench all} sums it up). */
  QueryLatencyReport measure(List<String> args, PrintStream out) throws InterruptedException {
    Options options = Options.parse(args);
    try (BenchWorkspace workspace = BenchWorkspace.open(options.dir(), "query-latency", out)) {
      QueryLatencyReport result = new Run(workspace).measure(options);
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

  /** The {@code i}-th query of the run: the kinds take turns. */
  static String kindOf(long i) {
    return KINDS.get((int) (i % KINDS.size()));
  }

  private static TreeMap<Double, Double> add(TreeMap<Double, Double> a, TreeMap<Double, Double> b) {
    TreeMap<Double, Double> sum = new TreeMap<>(a);
    b.forEach((le, count) -> sum.merge(le, count, Double::sum));
    return sum;
  }

  /** When the {@code i}-th query is due, in nanoseconds after the first, at {@code rate} a second. */
  static long scheduledNanos(long i, double rate) {
    return Math.round(i * 1e9 / rate);
  }

  /** The user of the generator's rank-ordered ids folded onto {@code users} ids: the busiest stay the busiest. */
  static String user(String generatorUserId, int users) {
    int n = Integer.parseInt(generatorUserId.substring(generatorUserId.indexOf('-') + 1));
    return String.format("user-%05d", n % users);
  }

  /** One run, in its workspace. */
  private static final class Run {
    private final BenchWorkspace workspace;
    private final Path work;
    private final PrintStream out;
    private final String readKey = "read-" + UUID.randomUUID();
    private final String adminKey = "admin-" + UUID.randomUUID();
    private final List<ChildJvm> aggregators = new ArrayList<>();
    // The client's default executor starts a thread per response: on 2 cores that alone queued
    // answers for seconds (a thread dump showed over 100 workers being created).
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).executor(Executors.newFixedThreadPool(2, ChildJvm.daemonThreads("query-latency-http")))
        .build();

    Run(BenchWorkspace workspace) {
      this.workspace = workspace;
      this.work = workspace.work();
      this.out = workspace.out();
    }

    QueryLatencyReport measure(Options options) throws InterruptedException, ExecutionException, IOException {
      String bootstrap = workspace.startBroker();
      TopicCatalog topics = TopicCatalog.create(Map.of());
      String input = topics.tokensConsumed().name();

      Path keys = work.resolve("keys.properties");
      Files.write(keys, List.of(ApiKeys.entry("bench-reader", Role.READ, readKey),
          ApiKeys.entry("bench-admin", Role.ADMIN, adminKey)));
      String suffix = UUID.randomUUID().toString().substring(0, 8);
      String aggregatorId = "bench-query-aggregator-" + suffix;
      String alertingId = "bench-query-alerting-" + suffix;
      List<String> common = List.of("kafka.bootstrap.servers=" + bootstrap, "tokenledger.auth.keys-file=" + keys);

      int[] aggregatorPorts = {FreePorts.run(1), 0};
      aggregatorPorts[1] = FreePorts.run(1);
      while (aggregatorPorts[1] == aggregatorPorts[0]) {
        aggregatorPorts[1] = FreePorts.run(1);
      }
      for (int i = 0; i < 2; i++) {
        String name = "aggregator-" + (i + 1);
        Path config = config(name, common, "tokenledger.http.port=" + aggregatorPorts[i],
            "tokenledger.state.dir=" + work.resolve("state").resolve(name),
            "tokenledger.aggregator.application-id=" + aggregatorId);
        aggregators.add(workspace.start(name, APP_HEAP, "dev.tokenledger.aggregator.AggregatorApp",
            List.of("--config", config.toString())));
      }
      int alertingPort = FreePorts.run(1);
      Path alertingConfig = config("alerting", common, "tokenledger.http.port=" + alertingPort,
          "tokenledger.state.dir=" + work.resolve("state").resolve("alerting"),
          "tokenledger.alerting.application-id=" + alertingId);
      ChildJvm alertingApp = workspace.start("alerting", APP_HEAP, "dev.tokenledger.alerting.AlertingApp",
          List.of("--config", alertingConfig.toString()));
      out.println("Two aggregators (" + aggregatorId + ") and alerting-app...");
      for (int i = 0; i < 2; i++) {
        aggregators.get(i).awaitReady(aggregatorPorts[i], READY_TIMEOUT);
      }
      alertingApp.awaitReady(alertingPort, READY_TIMEOUT);

      // Something for admission to decide: a daily token quota on every user, far above what they use.
      ObjectNode quota = new ObjectMapper().createObjectNode().put("subject", "user:*").put("metric", "tokens")
          .put("period", "day").put("limit", 1_000_000_000_000L).put("action", "block");
      String failure = new AlertingAdminClient(URI.create("http://127.0.0.1:" + alertingPort), adminKey, http)
          .putQuota(QUOTA_ID, quota, new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2)),
              Duration.ofSeconds(60), reason -> { });
      if (failure != null) {
        throw new IllegalStateException("cannot define quota " + QUOTA_ID + ": " + failure);
      }

      out.printf("Preloading %,d events over %,d users...%n", options.preload(), options.users());
      preload(bootstrap, input, options);
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
          CatchUp catchUp = new CatchUp(admin, bootstrap)) {
        awaitCaughtUp(catchUp, aggregatorId, Set.of(input), true);
        awaitCaughtUp(catchUp, alertingId, Set.of(input, topics.usageAggregates().name()), false);
      }

      String from = LocalDate.now(ZoneOffset.UTC).minusDays(2).toString();
      int probed = Math.min(options.users(), PROBED_USERS);
      int[] owner = owners(aggregatorPorts, probed, from);
      long onFirst = Arrays.stream(owner).filter(o -> o == 0).count();
      out.printf("Served; of %d users asked, aggregator-1 owns %d, aggregator-2 %d%n", probed, onFirst,
          probed - onFirst);

      Load load = new Load(bootstrap, input, options);
      Thread loader = new Thread(load, "query-latency-load");
      loader.start();
      try {
        out.printf("Queries at %,.0f/s for %d s (+%d s warm-up) under %,.0f events/s...%n", options.rate(),
            options.seconds(), options.warmup(), options.load());
        Map<String, QueryLatencyRecorder> recorders = new LinkedHashMap<>();
        KINDS.forEach(kind -> recorders.put(kind, new QueryLatencyRecorder()));
        AtomicLong misrouted = new AtomicLong();
        // The server-side "before" is taken as the warm-up ends, off the sending thread.
        CompletableFuture<Map<String, TreeMap<Double, Double>>> before = new CompletableFuture<>();
        query(options, aggregatorPorts, alertingPort, owner, from, recorders, misrouted, alertingApp,
            () -> CompletableFuture.runAsync(() -> {
              try {
                before.complete(serverHistograms(aggregatorPorts, alertingPort));
              } catch (IOException | InterruptedException | RuntimeException e) {
                before.completeExceptionally(e);
              }
            }));
        Map<String, TreeMap<Double, Double>> after = serverHistograms(aggregatorPorts, alertingPort);
        Map<String, TreeMap<Double, Double>> atWarmupEnd = before.join();
        Map<String, ServerSideLatency> serverSide = new LinkedHashMap<>();
        KINDS.forEach(kind -> serverSide.put(kind, ServerSideLatency.between(atWarmupEnd.get(kind), after.get(kind))));
        load.stop();
        loader.join(30_000);
        if (load.failure.get() != null) {
          throw new IllegalStateException("the background load failed: " + load.failure.get().getMessage(),
              load.failure.get());
        }
        Map<String, QueryLatencyRecorder.Summary> summaries = new LinkedHashMap<>();
        recorders.forEach((kind, recorder) -> summaries.put(kind, recorder.summary()));
        return new QueryLatencyReport(Instant.now(), options.users(), options.preload(), options.load(),
            load.achieved(), options.rate(), options.seconds(), misrouted.get(), summaries, serverSide);
      } finally {
        load.stop();
        loader.join(30_000);
      }
    }

    /**
     * Each kind's server-side histogram now, summed over the instances that serve it: a usage
     * query answered where it was asked (forwarded="no"), one passed on to the owner ("out", the
     * hop included), admission.
     */
    private static Map<String, TreeMap<Double, Double>> serverHistograms(int[] aggregatorPorts, int alertingPort)
        throws IOException, InterruptedException {
      String metric = "http_server_requests_seconds";
      String ok = "status=\"200\"";
      Map<String, TreeMap<Double, Double>> histograms = new LinkedHashMap<>();
      for (int port : aggregatorPorts) {
        String scraped = PrometheusText.scrape(port);
        histograms.merge(LOCAL, PrometheusText.buckets(scraped, metric, "route=\"/v1/usage\"", "forwarded=\"no\"", ok),
            QueryLatencyCommand::add);
        histograms.merge(FORWARDED, PrometheusText.buckets(scraped, metric, "route=\"/v1/usage\"", "forwarded=\"out\"", ok),
            QueryLatencyCommand::add);
      }
      histograms.put(ADMISSION, PrometheusText.buckets(PrometheusText.scrape(alertingPort), metric,
          "route=\"/v1/admission\"", "forwarded=\"no\"", ok));
      return histograms;
    }

    private Path config(String name, List<String> common, String... own) throws IOException {
      Path config = work.resolve(name + ".properties");
      List<String> lines = new ArrayList<>(common);
      lines.addAll(List.of(own));
      Files.write(config, lines);
      return config;
    }

    /** The preload: events of the last 3 days, keyed by user, record time = event time. */
    private static void preload(String bootstrap, String topic, Options options) {
      UsageEventGenerator generator = new UsageEventGenerator(options.seed(), options.preload(), Instant.now());
      AtomicReference<Exception> failure = new AtomicReference<>();
      try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
        for (long i = 0; i < options.preload() && failure.get() == null; i++) {
          TokensConsumed event = generator.next();
          event.setUserId(user(event.getUserId(), options.users()));
          send(producer, topic, event, failure);
        }
        producer.flush();
      }
      if (failure.get() != null) {
        throw new IllegalStateException("the preload failed: " + failure.get().getMessage(), failure.get());
      }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
      return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
          ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, TokensConsumed event,
        AtomicReference<Exception> failure) {
      producer.send(new ProducerRecord<>(topic, null, event.getOccurredAt().toEpochMilli(),
          event.getUserId().getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event)),
          (metadata, e) -> {
            if (e != null) {
              failure.compareAndSet(null, e);
            }
          });
    }

    /**
     * Waits until group {@code appId} has consumed {@code inputs} (and its repartition topics, which
     * must exist when {@code repartitioned}): the preload is then served.
     */
    private void awaitCaughtUp(CatchUp catchUp, String appId, Set<String> inputs, boolean repartitioned)
        throws InterruptedException, ExecutionException {
      long deadline = System.nanoTime() + SERVED_TIMEOUT.toNanos();
      while (true) {
        checkAlive();
        Set<String> found = catchUp.repartitionTopics(appId);
        if (!repartitioned || !found.isEmpty()) {
          Set<String> all = new HashSet<>(found);
          all.addAll(inputs);
          if (catchUp.caughtUp(appId, all)) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(appId + " did not catch up within " + SERVED_TIMEOUT.toMinutes() + " min");
        }
        Thread.sleep(250);
      }
    }

    /**
     * Which aggregator (0 or 1) owns each of users 0..{@code count - 1}: the first is asked, and
     * an answer it forwarded carries the owner's address in {@value #SERVED_BY}.
     */
    private int[] owners(int[] ports, int count, String from) throws InterruptedException {
      int[] owner = new int[count];
      long deadline = System.nanoTime() + SERVED_TIMEOUT.toNanos();
      for (int u = 0; u < count; u++) {
        while (true) {
          checkAlive();
          HttpResponse<byte[]> response;
          try {
            response = http.send(usage(ports[0], String.format("user-%05d", u), from), HttpResponse.BodyHandlers.ofByteArray());
          } catch (IOException e) {
            response = null;
          }
          if (response != null && response.statusCode() == 200) {
            owner[u] = response.headers().firstValue(SERVED_BY).isPresent() ? 1 : 0;
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("aggregator-1 did not answer /v1/usage with 200 within "
                + SERVED_TIMEOUT.toMinutes() + " min (last: " + (response == null ? "no answer" : response.statusCode()) + ")");
          }
          Thread.sleep(200);
        }
      }
      return owner;
    }

    private HttpRequest usage(int port, String user, String from) {
      return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/usage?dimension=user&key=" + user
              + "&period=day&from=" + from))
          .timeout(QUERY_TIMEOUT).header("Authorization", "Bearer " + readKey).GET().build();
    }

    /**
     * Sends query {@code i} at {@code start + i / rate} whatever is still outstanding, and records
     * each answer's time from that scheduled instant; queries due in the warm-up are not recorded.
     */
    private void query(Options options, int[] ports, int alertingPort, int[] owner, String from,
        Map<String, QueryLatencyRecorder> recorders, AtomicLong misrouted, ChildJvm alertingApp, Runnable atWarmupEnd)
        throws InterruptedException {
      boolean warmedUp = false;
      SplittableRandom random = new SplittableRandom(options.seed());
      long warmupNanos = Duration.ofSeconds(options.warmup()).toNanos();
      long endNanos = warmupNanos + Duration.ofSeconds(options.seconds()).toNanos();
      AtomicLong outstanding = new AtomicLong();
      long start = System.nanoTime();
      long nextCheck = start;
      for (long i = 0; ; i++) {
        long due = scheduledNanos(i, options.rate());
        if (due >= endNanos) {
          break;
        }
        long wait = start + due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        if (System.nanoTime() > nextCheck) {
          checkAlive();
          alertingApp.checkAlive();
          nextCheck = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
        String kind = kindOf(i);
        int u = random.nextInt(owner.length);
        String user = String.format("user-%05d", u);
        HttpRequest request = switch (kind) {
          case LOCAL -> usage(ports[owner[u]], user, from);
          case FORWARDED -> usage(ports[1 - owner[u]], user, from);
          default -> HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + alertingPort
                  + "/v1/admission?subject=user:" + user + "&tokens=2000"))
              .timeout(QUERY_TIMEOUT).header("Authorization", "Bearer " + readKey).GET().build();
        };
        boolean recorded = due >= warmupNanos;
        if (recorded && !warmedUp) {
          warmedUp = true;
          atWarmupEnd.run();
        }
        long scheduled = start + due;
        outstanding.incrementAndGet();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
          long latency = System.nanoTime() - scheduled;
          outstanding.decrementAndGet();
          if (!recorded) {
            return;
          }
          if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            recorders.get(kind).failed(cause instanceof HttpTimeoutException ? "timeout" : "io-error");
          } else if (response.statusCode() / 100 != 2) {
            recorders.get(kind).failed(Integer.toString(response.statusCode()));
          } else if (kind.equals(ADMISSION)) {
            recorders.get(kind).ok(latency);
          } else {
            // The answer says where it came from: a forwarded one names the owner.
            String actual = response.headers().firstValue(SERVED_BY).isPresent() ? FORWARDED : LOCAL;
            if (!actual.equals(kind)) {
              misrouted.incrementAndGet();
            }
            recorders.get(actual).ok(latency);
          }
        });
      }
      // Every request ends by QUERY_TIMEOUT at the latest, as an answer or a timeout.
      long deadline = System.nanoTime() + QUERY_TIMEOUT.plusSeconds(5).toNanos();
      while (outstanding.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    }

    private void checkAlive() {
      aggregators.forEach(ChildJvm::checkAlive);
    }

    /** {@code --load} events/s of now, keyed by user, until stopped; paced every 10 ms. */
    private static final class Load implements Runnable {
      private final String bootstrap;
      private final String topic;
      private final Options options;
      private final AtomicReference<Exception> failure = new AtomicReference<>();
      private volatile boolean running = true;
      private volatile long sent;
      private volatile double seconds;

      Load(String bootstrap, String topic, Options options) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.options = options;
      }

      @Override
      public void run() {
        UsageEventGenerator generator = new UsageEventGenerator(options.seed() + 1, 1_000_000, Instant.now());
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
          while (running && failure.get() == null) {
            long due = (long) ((System.nanoTime() - start) / 1e9 * options.load());
            for (long n = sent; n < due; n++) {
              TokensConsumed event = generator.next();
              event.setUserId(user(event.getUserId(), options.users()));
              event.setOccurredAt(Instant.now());
              send(producer, topic, event, failure);
              sent = n + 1;
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
          }
          seconds = (System.nanoTime() - start) / 1e9;
          producer.flush();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }

      void stop() {
        running = false;
      }

      double achieved() {
        return seconds == 0 ? 0 : sent / seconds;
      }
    }
  }
}
