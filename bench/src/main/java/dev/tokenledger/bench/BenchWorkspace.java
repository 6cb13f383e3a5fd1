package dev.tokenledger.bench;

import dev.tokenledger.kafkalocal.FreePorts;
import dev.tokenledger.kafkalocal.LocalCluster;
import dev.tokenledger.kafkalocal.ProgressLine;
import dev.tokenledger.runtime.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * One benchmark run's broker, the apps it starts in child JVMs, the loops that drive them, and
 * its directory. Closing stops them all and deletes the broker's data ({@code kafka/}) and the
 * apps' state ({@code state/}), gigabytes at 3 M events, keeping the logs; a shutdown hook closes
 * it on Ctrl-C too, so that no broker (started in a session of its own) or app is left behind.
 * What a killed run left is deleted at the start: it would make this run measure more.
 */
final class BenchWorkspace implements AutoCloseable {

  private final Path work;
  private final Path logs;
  private final PrintStream out;
  private final Thread cleanup;
  private final List<AutoCloseable> loops = new ArrayList<>();
  private final List<ChildJvm> running = new ArrayList<>();
  private LocalCluster cluster;

  private BenchWorkspace(Path work, PrintStream out, String name) throws IOException {
    this.work = work.toAbsolutePath();
    this.logs = this.work.resolve("logs");
    this.out = out;
    deleteData();
    Files.createDirectories(logs);
    this.cleanup = new Thread(this::close, name + "-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** The workspace of the bench {@code name}, in {@code dir/name}. */
  static BenchWorkspace open(Path dir, String name, PrintStream out) {
    try {
      return new BenchWorkspace(dir.resolve(name), out, name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path work() {
    return work;
  }

  Path logs() {
    return logs;
  }

  PrintStream out() {
    return out;
  }

  /** Starts the run's one-node broker, with TokenLedger's topics; returns its bootstrap address. */
  String startBroker() {
    int port = FreePorts.run(2);
    LocalCluster started = LocalCluster.ofNodes(1, work.resolve("kafka"), port, port + 1, logs,
        System.getProperty("java.class.path"), out);
    synchronized (this) {
      cluster = started;
    }
    started.start(Settings.of("/tokenledger-defaults.properties", Map.of()));
    return started.bootstrap();
  }

  /** Starts {@code mainClass} in a child JVM logging to {@code logs/<name>.log}, stopped at the latest on close. */
  synchronized ChildJvm start(String name, String heap, List<String> jvmOptions, String mainClass, List<String> args) {
    ChildJvm jvm = ChildJvm.start(name, heap, jvmOptions, mainClass, args, logs.resolve(name + ".log"));
    running.add(jvm);
    return jvm;
  }

  ChildJvm start(String name, String heap, String mainClass, List<String> args) {
    return start(name, heap, List.of(), mainClass, args);
  }

  /** Stops {@code jvm}; returns what it printed on its way out. */
  String stop(ChildJvm jvm) throws InterruptedException {
    synchronized (this) {
      running.remove(jvm);
    }
    return jvm.stop();
  }

  /** {@code loop}, closed on close before the apps stop. */
  synchronized <T extends AutoCloseable> T closeOnClose(T loop) {
    loops.add(loop);
    return loop;
  }

  /**
   * From the JVM's start to the first poll that finds the input and the repartition topics
   * consumed by {@code appId}: the time it took to process {@code events}.
   */
  Rate awaitCaughtUp(ChildJvm jvm, CatchUp catchUp, String appId, String input, List<String> repartitions,
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

  /** Closes the loops, stops the apps and the broker, and deletes the data; again, it does nothing. */
  @Override
  public synchronized void close() {
    for (AutoCloseable loop : loops) {
      try {
        loop.close();
      } catch (Exception e) {
        out.println("stopping a loop: " + e);
      }
    }
    loops.clear();
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
    deleteData();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // Shutting down (Ctrl-C): this is the hook, or it has run.
    }
  }

  private void deleteData() {
    for (Path data : List.of(work.resolve("kafka"), work.resolve("state"))) {
      if (!Files.exists(data)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(data)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + data, e);
      }
    }
  }
}
