package dev.tokenledger.faults;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One app as its own JVM, started from the suite's classpath with a {@code --config} file, so
 * that it can be killed with SIGKILL and started again on the same state directory and port, as
 * a crashed and restarted deployment would be.
 */
final class AppProcess {

  enum Kind {
    INGEST("dev.tokenledger.ingest.IngestApp"),
    AGGREGATOR("dev.tokenledger.aggregator.AggregatorApp"),
    ALERTING("dev.tokenledger.alerting.AlertingApp");

    final String mainClass;

    Kind(String mainClass) {
      this.mainClass = mainClass;
    }
  }

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);

  private final Kind kind;
  private final String name;
  private final int port;
  private final Path config;
  private final Path log;
  private final String classpath;
  private Process process;

  AppProcess(Kind kind, String name, int port, Path config, Path log, String classpath) {
    this.kind = kind;
    this.name = name;
    this.port = port;
    this.config = config;
    this.log = log;
    this.classpath = classpath;
  }

  String name() {
    return name;
  }

  int port() {
    return port;
  }

  Kind kind() {
    return kind;
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Starts the JVM and waits until its {@code /ready} answers 200. */
  AppProcess start() {
    if (alive()) {
      throw new IllegalStateException(name + " is already running");
    }
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC", "-Dtokenledger.fault-suite.instance=" + name,
        "-cp", classpath, kind.mainClass, "--config", config.toString());
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectInput(Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile()));
      // The case's config file alone configures the app: a caller's TOKENLEDGER_* variables
      // (a sourced demo.env, a container's settings) would override it.
      builder.environment().keySet().removeIf(name -> name.startsWith("TOKENLEDGER_"));
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    await("ready: " + name + " (log " + log + ")").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; log " + log);
          }
          return Http.get(port, "/ready", null).status() == 200;
        });
    return this;
  }

  /** Appends a thread dump ({@code jcmd Thread.print}) to the app's log: where it waits, when a case failed. */
  void dumpThreads() {
    if (!alive()) {
      return;
    }
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(process.pid()), "Thread.print").redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(log.toFile())).start();
      jcmd.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot dump the threads of " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many lines of the app's log so far contain {@code text} (what Kafka Streams did, as it logs it). */
  long logLines(String text) {
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(line -> line.contains(text)).count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the log of " + name, e);
    }
  }

  /** The exit code, once the process has exited by itself. */
  Optional<Integer> exitCode() {
    return alive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  /** SIGKILL: no shutdown hook, no flush, no leaving the consumer group: a crash. */
  void kill() {
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(30));
  }

  /** SIGTERM: the app's own orderly shutdown (Streams closes and leaves the group). */
  void stop() {
    if (!alive()) {
      return;
    }
    process.destroy();
    if (!waitForExit(STOP_TIMEOUT)) {
      kill();
    }
  }

  private boolean waitForExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + name + " to exit", e);
    }
  }
}
