package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code demo-traffic}: defines bob's daily quota on alerting-app (optional), then posts
 * {@link DemoTraffic} events to ingest-app at a steady rate, one batch per second, printing a
 * progress line every second, until {@code --duration} or SIGTERM/Ctrl-C.
 */
final class DemoTrafficCommand implements Subcommand {

  static final String QUOTA_ID = "demo-bob-daily";
  /** The contract's batch limit. */
  private static final int MAX_BATCH = 1000;
  private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Map<String, String> env;
  private final Backoff ingestBackoff;
  private final Backoff quotaBackoff;
  private final Duration quotaPatience;

  DemoTrafficCommand(Map<String, String> env) {
    this(env, new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10)),
        new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5)), Duration.ofSeconds(60));
  }

  /** Tests shorten the waits. */
  DemoTrafficCommand(Map<String, String> env, Backoff ingestBackoff, Backoff quotaBackoff,
      Duration quotaPatience) {
    this.env = env;
    this.ingestBackoff = ingestBackoff;
    this.quotaBackoff = quotaBackoff;
    this.quotaPatience = quotaPatience;
  }

  @Override
  public String name() {
    return "demo-traffic";
  }

  @Override
  public String usage() {
    return "demo-traffic --ingest URL [--key PUBLISH_KEY] [--admin-url URL [--admin-key ADMIN_KEY]]\n"
        + "             [--rate EVENTS_PER_SECOND (5)] [--duration SECONDS (0 = until killed)]"
        + " [--seed N (42)]\n"
        + "  --key defaults to $TOKENLEDGER_PUBLISH_KEY, --admin-key to $TOKENLEDGER_ADMIN_KEY.\n"
        + "  With --admin-url, first defines quota '" + QUOTA_ID + "' (bob, 200000 tokens/day,"
        + " block).";
  }

  @Override
  public int run(List<String> args, PrintStream out) throws InterruptedException {
    CliArgs options = new CliArgs(args,
        Set.of("ingest", "key", "admin-url", "admin-key", "rate", "duration", "seed"));
    URI ingest = options.url("ingest");
    if (ingest == null) {
      throw new CliArgs.UsageException("--ingest is required");
    }
    String key = options.string("key", env.get("TOKENLEDGER_PUBLISH_KEY"));
    if (key == null || key.isBlank()) {
      throw new CliArgs.UsageException("--key (or $TOKENLEDGER_PUBLISH_KEY) is required");
    }
    URI adminUrl = options.url("admin-url");
    String adminKey = options.string("admin-key", env.get("TOKENLEDGER_ADMIN_KEY"));
    if (adminUrl != null && (adminKey == null || adminKey.isBlank())) {
      throw new CliArgs.UsageException("--admin-url needs --admin-key (or $TOKENLEDGER_ADMIN_KEY)");
    }
    double rate = options.positiveDouble("rate", 5);
    long durationSeconds = options.longValue("duration", 0, 0);
    long seed = options.longValue("seed", 42, Long.MIN_VALUE);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    if (adminUrl != null) {
      defineBobsQuota(new AlertingAdminClient(adminUrl, adminKey, http), out);
    }
    out.printf("demo-traffic: %.1f events/s to %s, seed %d, %s%n", rate, ingest, seed,
        durationSeconds == 0 ? "until stopped" : "for " + durationSeconds + " s");
    // SplittableRandom lives in java.base and its algorithm is fixed: the seed means the same
    // mix on every JDK.
    DemoTraffic traffic = new DemoTraffic(new SplittableRandom(seed));
    return new Run(traffic, ingest, key, http, rate, durationSeconds, out).start();
  }

  private void defineBobsQuota(AlertingAdminClient admin, PrintStream out)
      throws InterruptedException {
    ObjectNode quota = JsonNodeFactory.instance.objectNode()
        .put("subject", "user:bob")
        .put("metric", "tokens")
        .put("period", "day")
        .put("limit", 200_000)
        .put("action", "block");
    quota.putArray("thresholds").add(0.8).add(0.9).add(1.0);
    String failure = admin.putQuota(QUOTA_ID, quota, quotaBackoff, quotaPatience,
        why -> out.println("quota " + QUOTA_ID + ": alerting not ready (" + why + "), retrying"));
    if (failure == null) {
      out.println("quota " + QUOTA_ID + " defined: user:bob, 200000 tokens/day, block");
    } else {
      out.println("quota " + QUOTA_ID + " NOT defined, sending traffic anyway: " + failure);
    }
  }

  /** One traffic run: the send loop on the calling thread, progress on a daemon thread. */
  private final class Run {
    private final DemoTraffic traffic;
    private final IngestClient client;
    private final double rate;
    private final long durationSeconds;
    private final PrintStream out;
    private final TrafficStats stats = new TrafficStats();
    private final Set<String> problemsPrinted = new HashSet<>();
    private final AtomicBoolean totalsPrinted = new AtomicBoolean();
    private final long startNanos = System.nanoTime();

    Run(DemoTraffic traffic, URI ingest, String key, HttpClient http, double rate,
        long durationSeconds, PrintStream out) {
      this.traffic = traffic;
      this.rate = rate;
      this.durationSeconds = durationSeconds;
      this.out = out;
      this.client = new IngestClient(ingest, key, http, ingestBackoff, why -> {
        stats.httpErrors.incrementAndGet();
        stats.retrying = why;
      });
    }

    int start() {
      Thread sender = Thread.currentThread();
      AtomicBoolean stopping = new AtomicBoolean();
      Thread hook = new Thread(() -> {
        stopping.set(true);
        sender.interrupt();
        try {
          sender.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        printTotals();
      }, "demo-traffic-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-traffic-progress");
        t.setDaemon(true);
        return t;
      });
      progress.scheduleAtFixedRate(() -> out.println(stats.line(elapsedSeconds())),
          1, 1, TimeUnit.SECONDS);
      try {
        sendUntilDone(stopping);
      } catch (InterruptedException e) {
        // Stopped by the shutdown hook (or an owner of this thread): fall through to totals.
      } finally {
        progress.shutdownNow();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running and waits for us.
      }
      printTotals();
      return 0;
    }

    private void sendUntilDone(AtomicBoolean stopping) throws InterruptedException {
      long endNanos = durationSeconds == 0 ? Long.MAX_VALUE
          : startNanos + TimeUnit.SECONDS.toNanos(durationSeconds);
      long nextTick = startNanos;
      double owed = 0; // carries the fraction of a rate like 2.5/s to the next tick
      while (!stopping.get() && nextTick < endNanos) {
        owed += rate;
        int count = (int) owed;
        owed -= count;
        while (count > 0) {
          int size = Math.min(count, MAX_BATCH);
          send(traffic.next(size));
          count -= size;
        }
        nextTick += TICK_NANOS;
        long wait = nextTick - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        } else {
          // Behind (a long retry): carry on from now rather than bursting to catch up.
          nextTick = System.nanoTime();
        }
      }
    }

    private void send(List<TrafficEvent> batch) throws InterruptedException {
      stats.sent.addAndGet(batch.size());
      IngestClient.Result result = client.send(batch);
      stats.retrying = null;
      stats.accepted.addAndGet(result.accepted());
      stats.rejected.addAndGet(result.rejected());
      if (!result.ok()) {
        stats.httpErrors.incrementAndGet();
        printOnce("HTTP " + result.status(), result.body());
      } else if (result.rejected() > 0) {
        printOnce("rejected events", result.body());
      }
    }

    /** A wrong key or a contract mismatch repeats on every batch: say it once, not per second. */
    private void printOnce(String what, String body) {
      if (problemsPrinted.add(what)) {
        // A 1000-item results array is no use on a terminal; the first items show the problem.
        String shown = body == null || body.length() <= 2_000 ? body : body.substring(0, 2_000) + "…";
        out.println("ingest answered " + what + " (printed once): " + shown);
      }
    }

    private long elapsedSeconds() {
      return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }

    private void printTotals() {
      if (totalsPrinted.compareAndSet(false, true)) {
        out.println("demo-traffic totals after " + elapsedSeconds() + " s: sent="
            + stats.sent.get() + " accepted=" + stats.accepted.get() + " rejected="
            + stats.rejected.get() + " httpErrors=" + stats.httpErrors.get());
      }
    }
  }
}
