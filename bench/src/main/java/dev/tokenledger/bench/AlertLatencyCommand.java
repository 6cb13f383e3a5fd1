package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code alert-latency}: on one broker of its own, the aggregator and the alerting app (each its
 * own JVM) under a steady background load of ordinary events, and "probe" events sent at a steady
 * pace among them. Each probe is the only event of a fresh user and alone crosses a {@code user:*}
 * daily token quota no background user comes near, so it fires exactly one UsageAlert with its
 * subject. Latency: from the probe's {@code send()} to its alert returned by a
 * {@code read_committed} consumer of usage.alerts. Prints one table and writes it as JSON.
 */
final class AlertLatencyCommand implements Subcommand {

  static final String QUOTA_ID = "bench-probe-daily";
  static final String PROBE_PREFIX = "probe-";
  private static final String APP_HEAP = "1g";
  /** The largest input + output tokens UsageEventGenerator gives one event. */
  private static final long MAX_EVENT_TOKENS = 216_000;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);
  /** Seconds in a row both apps must keep up before the probes start. */
  private static final int STEADY_SAMPLES = 5;

  @Override
  public String name() {
    return "alert-latency";
  }

  @Override
  public String usage() {
    return "alert-latency [--rate EVENTS_PER_S (20000)] [--seconds N (60)] [--probes-per-second N (10)] [--quotas N (0)]\n"
        + "             [--probe-warmup SECONDS (10)]\n"
        + "             [--warmup SECONDS (10)] [--settle SECONDS (120)] [--timeout SECONDS (30)]\n"
        + "             [--report FILE (.tokenledger/bench/alert-latency.json)]\n"
        + "             [--dir DIR (.tokenledger/bench)] [--seed N (42)]\n"
        + "  A broker of its own, the aggregator and the alerting app; background events at --rate and probe events\n"
        + "  each crossing a quota alone; latency from a probe's send to its alert read. --quotas defines that many\n"
        + "  per-user quotas (never reached) besides. Logs in DIR/alert-latency/logs.";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    CliArgs options = new CliArgs(args, Set.of("rate", "seconds", "probes-per-second", "warmup", "settle", "timeout",
        "report", "dir", "seed", "quotas", "probe-warmup"));
    long probeWarmup = options.longValue("probe-warmup", 10, 0);
    long quotas = options.longValue("quotas", 0, 0);
    double rate = options.positiveDouble("rate", 20_000);
    long seconds = options.longValue("seconds", 60, 1);
    double probesPerSecond = options.positiveDouble("probes-per-second", 10);
    long warmup = options.longValue("warmup", 10, 0);
    Duration settle = Duration.ofSeconds(options.longValue("settle", 120, 0));
    long timeout = options.longValue("timeout", 30, 1);
    Path dir = Path.of(options.string("dir", ".tokenledger/bench"));
    Path report = Path.of(options.string("report", dir.resolve("alert-latency.json").toString()));
    long seed = options.longValue("seed", 42, Long.MIN_VALUE);

    try (BenchWorkspace workspace = BenchWorkspace.open(dir, "alert-latency", out)) {
      AlertLatencyReport result = new Run(workspace).measure(rate, seconds, probesPerSecond, warmup, settle, timeout, seed, quotas, probeWarmup);
      workspace.close(); // before the table, so that the broker's stop message comes first
      out.println();
      out.print(result.table());
      Files.createDirectories(report.toAbsolutePath().getParent());
      Files.writeString(report, result.json(new ObjectMapper()));
      out.println("report: " + report);
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A {@code user:*} limit no background user reaches in the run: even if one user made 10 % of
   * every call (the busiest of UsageEventGenerator's makes ≈ 6 %) and each had the generator's
   * largest token count. A probe of {@code limit} input and 1 output token crosses it alone.
   */
  static long quotaLimit(double rate, long seconds) {
    double events = rate * seconds;
    return Math.max(1_000_000_000L, (long) Math.ceil(events * 0.1 * MAX_EVENT_TOKENS));
  }

  /** A probe: the first and only event of {@code userId}, {@code tokens} + 1 tokens, a fixed tiny cost. */
  static TokensConsumed probe(String userId, long tokens, Instant now) {
    return TokensConsumed.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(now)
        .setUserId(userId)
        .setService("bench-probe")
        .setFeature("probe")
        .setProvider("openai")
        .setModel("gpt-4o")
        .setInputTokens(tokens)
        .setOutputTokens(1)
        .setTokenSource(TokenSource.REPORTED)
        // Priced from the catalogue, thousands of probes of ~10^11 tokens would overflow a model's totals.
        .setCostNanos(1_000L)
        .setLatencyMs(100L)
        .setSuccess(true)
        .setLabels(Map.of("env", "bench"))
        .build();
  }

  /** One run, in its workspace. */
  private static final class Run {
    private final BenchWorkspace workspace;
    private final Path work;
    private final PrintStream out;

    Run(BenchWorkspace workspace) {
      this.workspace = workspace;
      this.work = workspace.work();
      this.out = workspace.out();
    }

    AlertLatencyReport measure(double rate, long seconds, double probesPerSecond, long warmup, Duration settle,
        long timeout, long seed, long perUserQuotas, long probeWarmup) throws InterruptedException, IOException {
      String bootstrap = workspace.startBroker();
      TopicCatalog topics = TopicCatalog.create(Map.of());
      String input = topics.tokensConsumed().name();

      int aggregatorPort = FreePorts.run(1);
      String suffix = UUID.randomUUID().toString().substring(0, 8);
      String aggregatorId = "bench-aggregator-" + suffix;
      String alertingId = "bench-alerting-" + suffix;
      Path aggregatorConfig = config("aggregator", bootstrap, aggregatorPort,
          "tokenledger.aggregator.application-id=" + aggregatorId);
      out.println("Starting the aggregator and the alerting app...");
      ChildJvm aggregator = workspace.start("aggregator", APP_HEAP, "dev.tokenledger.aggregator.AggregatorApp",
          List.of("--config", aggregatorConfig.toString()));
      int alertingPort = FreePorts.run(1);
      Path alertingConfig = config("alerting", bootstrap, alertingPort, "tokenledger.alerting.application-id=" + alertingId);
      ChildJvm alerting = workspace.start("alerting", APP_HEAP, "dev.tokenledger.alerting.AlertingApp",
          List.of("--config", alertingConfig.toString()));
      aggregator.awaitReady(aggregatorPort, READY_TIMEOUT);
      alerting.awaitReady(alertingPort, READY_TIMEOUT);

      long limit = quotaLimit(rate, seconds + warmup + timeout);
      ObjectNode quota = new ObjectMapper().createObjectNode().put("subject", "user:*").put("metric", "tokens")
          .put("period", "day").put("limit", limit).put("action", "warn").put("rule", "limit");
      quota.putArray("thresholds").add(1.0);
      String refused = new AlertingAdminClient(URI.create("http://127.0.0.1:" + alertingPort), "auth-disabled",
          HttpClient.newHttpClient()).putQuota(QUOTA_ID, quota, new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5)),
          Duration.ofSeconds(60), failure -> out.println("  PUT quota: " + failure + "; retrying"));
      if (refused != null) {
        throw new IllegalStateException("PUT /v1/quotas/" + QUOTA_ID + " failed: " + refused);
      }
      out.printf("Quota %s: user:* %,d tokens a day, one threshold (100 %%)%n", QUOTA_ID, limit);
      if (perUserQuotas > 0) {
        definePerUserQuotas(bootstrap, topics, perUserQuotas, alertingPort);
      }

      Admin admin = workspace.closeOnClose(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
      AlertLatencyProbes probes = new AlertLatencyProbes();
      AlertReader reader = workspace.closeOnClose(new AlertReader(bootstrap, topics.usageAlerts().name(), probes));
      reader.awaitAssigned();
      Background background = workspace.closeOnClose(new Background(bootstrap, input, rate, seed));
      out.printf("Background load at %,.0f events/s; %d s of warm-up...%n", rate, warmup);
      long started = System.nanoTime();
      long[] nextProgress = {started + PROGRESS_EVERY.toNanos()};
      // Sampled each second once probing starts: the most each app had not consumed.
      long[] maxLag = {0, 0};
      long[] nextLagSample = {Long.MAX_VALUE};
      Runnable healthy = () -> {
        aggregator.checkAlive();
        alerting.checkAlive();
        background.checkFailure();
        reader.checkFailure();
        long now = System.nanoTime();
        if (now > nextLagSample[0]) {
          nextLagSample[0] = now + TimeUnit.SECONDS.toNanos(1);
          maxLag[0] = Math.max(maxLag[0], lag(admin, aggregatorId));
          maxLag[1] = Math.max(maxLag[1], lag(admin, alertingId));
        }
        if (now > nextProgress[0]) {
          nextProgress[0] += PROGRESS_EVERY.toNanos();
          out.printf("  %d s: background %,d acked, aggregator counted %,d, %s; records not yet consumed:"
              + " aggregator %,d, alerting %,d%n", TimeUnit.NANOSECONDS.toSeconds(now - started),
              background.acked.get(), counted(aggregatorPort), probes.progress(), lag(admin, aggregatorId),
              lag(admin, alertingId));
        }
      };
      awaitFor(Duration.ofSeconds(warmup), healthy);
      // Probes behind a backlog would measure the backlog: first let the aggregator catch up with the
      // load, and alerting with the aggregator's output, for STEADY_SAMPLES seconds in a row (a
      // moment's dip below is not a steady state). Alerting's records in flight (a commit interval
      // of both of its inputs) are about a second of load in a steady state.
      long allowedLag = Math.max(100, Math.round(rate));
      long allowedAlertingLag = Math.max(1_000, Math.round(2 * rate));
      long settleEnd = System.nanoTime() + settle.toNanos();
      int steady = 0;
      long lag = Long.MAX_VALUE;
      long alertingLag = Long.MAX_VALUE;
      while (steady < STEADY_SAMPLES && System.nanoTime() < settleEnd) {
        awaitFor(Duration.ofSeconds(1), healthy);
        lag = background.acked.get() - counted(aggregatorPort);
        alertingLag = lag(admin, alertingId);
        steady = lag <= allowedLag && alertingLag >= 0 && alertingLag <= allowedAlertingLag ? steady + 1 : 0;
      }
      if (steady < STEADY_SAMPLES) {
        out.printf("Not steady after %d s (aggregator %,d events behind the load, alerting %,d records): they do not"
            + " keep up with %,.0f events/s here; probing anyway%n", settle.toSeconds(), lag, alertingLag, rate);
      }

      long warmupCount = Math.round(probeWarmup * probesPerSecond);
      if (warmupCount > 0) {
        // The first alerts of an app's life pay for compiling their code: not the steady state.
        out.printf("Sending %d warm-up probes at %.1f/s over %d s (not measured)...%n", warmupCount, probesPerSecond,
            probeWarmup);
        sendProbes(bootstrap, input, limit, 0, warmupCount, probesPerSecond, false, probes, healthy);
      }
      long count = Math.max(1, Math.round(seconds * probesPerSecond));
      nextLagSample[0] = System.nanoTime();
      out.printf("Sending %d probes at %.1f/s over %d s...%n", count, probesPerSecond, seconds);
      sendProbes(bootstrap, input, limit, warmupCount, count, probesPerSecond, true, probes, healthy);
      long timeoutNanos = TimeUnit.SECONDS.toNanos(timeout);
      out.printf("Waiting up to %d s for the last alerts...%n", timeout);
      while (!probes.settled(System.nanoTime(), timeoutNanos)) {
        healthy.run();
        Thread.sleep(100);
      }
      out.printf("At the end, records not yet consumed: aggregator %,d, alerting %,d%n", lag(admin, aggregatorId),
          lag(admin, alertingId));
      Rate load = background.stop();
      reader.checkFailure();
      long counted = counted(aggregatorPort);
      return new AlertLatencyReport(Instant.now(), rate, load, background.failed.get(), lag, probesPerSecond,
          timeout * 1000, counted, probes.outcome(timeoutNanos), perUserQuotas, maxLag[0], maxLag[1]);
    }

    /**
     * {@code count} daily quotas of one user each (the generator's users first, then users who never
     * call), far above any use: written to quota.definitions as a bulk import would, then awaited
     * until alerting-app serves the last.
     */
    private void definePerUserQuotas(String bootstrap, TopicCatalog topics, long count, int alertingPort)
        throws InterruptedException {
      out.printf("Defining %,d per-user quotas...%n", count);
      Instant now = Instant.now();
      String last = null;
      try (KafkaProducer<String, QuotaDefinition> producer = new KafkaProducer<>(Map.<String, Object>of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 20),
          topics.quotaDefinitions().keySerde().serializer(), topics.quotaDefinitions().valueSerde().serializer())) {
        for (long i = 0; i < count; i++) {
          String id = String.format("bench-user-%07d", i);
          String user = i < UsageEventGenerator.USERS ? String.format("user-%05d", i) : String.format("idle-%07d", i);
          producer.send(new ProducerRecord<>(topics.quotaDefinitions().name(), id, QuotaDefinition.newBuilder()
              .setQuotaId(id).setSubject("user:" + user).setMetric(QuotaMetric.TOKENS).setPeriod(Period.DAY)
              .setLimit(Long.MAX_VALUE / 4).setThresholdsBasisPoints(List.of(10_000)).setAction(QuotaAction.WARN)
              .setUpdatedAt(now).build()));
          last = id;
        }
      }
      HttpClient client = HttpClient.newHttpClient();
      URI lastQuota = URI.create("http://127.0.0.1:" + alertingPort + "/v1/quotas/" + last);
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        try {
          if (client.send(java.net.http.HttpRequest.newBuilder(lastQuota).build(),
              java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not answering yet
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException("alerting-app did not load the " + count + " quotas within " + READY_TIMEOUT);
    }

    private Path config(String app, String bootstrap, int httpPort, String applicationId) throws IOException {
      Path config = work.resolve(app + ".properties");
      Files.writeString(config, String.join("\n", "kafka.bootstrap.servers=" + bootstrap,
          "tokenledger.auth.enabled=false", "tokenledger.http.port=" + httpPort,
          "tokenledger.state.dir=" + work.resolve("state").resolve(app),
          applicationId, ""));
      return config;
    }

    /** Probe i at {@code start + i / perSecond}, from a producer of its own that does not linger. */
    private static void sendProbes(String bootstrap, String topic, long limit, long first, long count, double perSecond,
        boolean measured, AlertLatencyProbes probes, Runnable healthy) throws InterruptedException {
      AtomicReference<Exception> failure = new AtomicReference<>();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        long start = System.nanoTime();
        for (long i = 0; i < count; i++) {
          long due = start + (long) (i * 1e9 / perSecond);
          for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
          if (failure.get() != null) {
            throw new IllegalStateException("a probe failed: " + failure.get().getMessage(), failure.get());
          }
          healthy.run();
          String userId = String.format("%s%06d", PROBE_PREFIX, first + i);
          String subject = "user:" + userId;
          TokensConsumed event = probe(userId, limit, Instant.now());
          probes.sent(subject, System.nanoTime(), measured);
          producer.send(new ProducerRecord<>(topic, null, event.getOccurredAt().toEpochMilli(),
              userId.getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event)), (metadata, e) -> {
                if (e != null) {
                  failure.compareAndSet(null, e);
                } else {
                  probes.acked(subject, System.nanoTime());
                }
              });
        }
        producer.flush();
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a probe failed: " + failure.get().getMessage(), failure.get());
      }
    }

    private static void awaitFor(Duration duration, Runnable healthy) throws InterruptedException {
      long end = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < end) {
        healthy.run();
        Thread.sleep(Math.max(1, Math.min(250, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
      }
    }

    /**
     * Records on the topics group {@code group} has committed offsets on (its input and
     * repartition topics) past its committed offsets: where a backlog sits. A transaction marker
     * counts as one; -1 when the broker does not answer.
     */
    private static long lag(Admin admin, String group) {
      try {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(p -> latest.put(p, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (var entry : committed.entrySet()) {
          if (entry.getValue() != null) {
            lag += Math.max(0, ends.get(entry.getKey()).offset() - entry.getValue().offset());
          }
        }
        return lag;
      } catch (ExecutionException | TimeoutException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    /** The aggregator's counted events, -1 when /metrics does not answer. */
    private static long counted(int port) {
      try {
        return (long) PrometheusText.sum(PrometheusText.scrape(port), "tokenledger_aggregator_events_total", "outcome=\"counted\"");
      } catch (IOException | RuntimeException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
  }

  /**
   * Ordinary events at a steady rate from a thread of its own: every millisecond, as many as are
   * due since the start. A producer that falls more than a second behind skips the backlog rather
   * than bursting; the achieved rate (acknowledged events over the time the load ran) says so.
   */
  private static final class Background implements AutoCloseable {
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long startNanos;
    private volatile long stopNanos;

    Background(String bootstrap, String topic, double rate, long seed) {
      thread = new Thread(() -> run(bootstrap, topic, rate, seed), "alert-latency-background");
      thread.setDaemon(true);
      thread.start();
    }

    private void run(String bootstrap, String topic, double rate, long seed) {
      UsageEventGenerator generator = new UsageEventGenerator(seed, 1, Instant.now());
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5,
          ProducerConfig.BATCH_SIZE_CONFIG, 65_536), new ByteArraySerializer(), new ByteArraySerializer())) {
        startNanos = System.nanoTime();
        long sent = 0;
        long origin = startNanos;
        while (!stopping) {
          long now = System.nanoTime();
          long due = (long) ((now - origin) / 1e9 * rate);
          if (due - sent > rate) {
            origin = now - (long) (sent / rate * 1e9);
            due = sent;
          }
          if (sent >= due) {
            LockSupport.parkNanos(1_000_000);
            continue;
          }
          long nowMillis = System.currentTimeMillis();
          while (sent < due && !stopping) {
            TokensConsumed event = generator.next();
            // Now, not the generator's replay of the last days: a live stream.
            event.setOccurredAt(Instant.ofEpochMilli(nowMillis));
            producer.send(new ProducerRecord<>(topic, null, nowMillis, event.getUserId().getBytes(StandardCharsets.UTF_8),
                AvroSerdes.tokensConsumed().encode(event)), (metadata, e) -> {
                  if (e == null) {
                    acked.incrementAndGet();
                  } else {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                  }
                });
            sent++;
          }
        }
        // The rate is of the time spent sending; the flush only waits for the last acknowledgements.
        stopNanos = System.nanoTime();
        producer.flush();
      } catch (RuntimeException e) {
        firstFailure.compareAndSet(null, e);
      }
    }

    void checkFailure() {
      Exception e = firstFailure.get();
      if (e != null) {
        throw new IllegalStateException("the background load failed: " + e.getMessage(), e);
      }
    }

    /** Stops sending, waits for the last acknowledgements; the acknowledged events over the time it ran. */
    Rate stop() throws InterruptedException {
      stopping = true;
      thread.join();
      checkFailure();
      return Rate.of(acked.get(), (stopNanos - startNanos) / 1e9);
    }

    @Override
    public void close() throws InterruptedException {
      stopping = true;
      thread.join(TimeUnit.SECONDS.toMillis(60));
    }
  }

  /** Reads usage.alerts from the beginning, read_committed, and hands each alert's subject and read time to the probes. */
  private static final class AlertReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AlertLatencyProbes probes;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopping;

    AlertReader(String bootstrap, String topic, AlertLatencyProbes probes) {
      this.probes = probes;
      this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          // An empty fetch waits fetch.max.wait.ms (500 ms by default) before it is answered: not in our figure.
          ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      thread = new Thread(() -> run(topic), "alert-latency-reader");
      thread.setDaemon(true);
      thread.start();
    }

    private void run(String topic) {
      try {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(30)));
        assigned.countDown();
        while (!stopping) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            long read = System.nanoTime();
            UsageAlert alert = AvroSerdes.usageAlert().decode(record.value());
            probes.alertRead(alert.getSubject(), read);
          }
        }
      } catch (WakeupException e) {
        // close() while polling.
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
      } finally {
        assigned.countDown();
        consumer.close();
      }
    }

    void awaitAssigned() throws InterruptedException {
      if (!assigned.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the alert reader found no partitions of usage.alerts in 60 s");
      }
      checkFailure();
    }

    void checkFailure() {
      Exception e = failure.get();
      if (e != null) {
        throw new IllegalStateException("reading usage.alerts failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stopping = true;
      consumer.wakeup();
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
  }
}
