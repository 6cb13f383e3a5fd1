package dev.tokenledger.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started on this JVM's classpath, its output in a log file: the perf tools, the baseline
 * and the apps each get a process of their own, as they would be deployed.
 */
final class ChildJvm {

  private final String name;
  private final Process process;
  private final Path log;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ChildJvm start(String name, String heap, String mainClass, List<String> args, Path log) {
    return start(name, heap, List.of(), mainClass, args, log);
  }

  /** @param jvmOptions more options for the JVM (a flight recording, say) */
  static ChildJvm start(String name, String heap, List<String> jvmOptions, String mainClass, List<String> args,
      Path log) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms" + heap, "-Xmx" + heap,
        // The perf tools print their figures with the default locale: parse them as English.
        "-Duser.language=en", "-Duser.country=US"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectInput(Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true).redirectOutput(Redirect.to(log.toFile()));
    // An app reads TOKENLEDGER_* variables over its --config file: the bench's settings must win.
    builder.environment().keySet().removeIf(k -> k.startsWith("TOKENLEDGER_"));
    try {
      return new ChildJvm(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** Runs to completion and returns its output; a non-zero exit fails with the log's name. */
  static String run(String name, String heap, String mainClass, List<String> args, Path log)
      throws InterruptedException {
    ChildJvm jvm = start(name, heap, mainClass, args, log);
    int code = jvm.process.waitFor();
    String output = jvm.output();
    if (code != 0) {
      throw new IllegalStateException(name + " exited with code " + code + "; log " + log);
    }
    return output;
  }

  /** Daemon threads of one name, for a bench's HTTP client pool: they must not keep the bench's JVM alive. */
  static ThreadFactory daemonThreads(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The operating system's process id, e.g. to read {@code /proc/PID/status}. */
  long pid() {
    return process.pid();
  }

  void checkAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; log " + log);
    }
  }

  /**
   * Polls {@code GET /ready} on {@code port} until it answers 200, failing as soon as this JVM has
   * exited, or after {@code timeout} with the last answer.
   */
  void awaitReady(int port, Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
        .timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      checkAlive();
      try {
        HttpResponse<String> response = http.send(ready, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s (last: " + last
            + "); log " + log);
      }
      Thread.sleep(200);
    }
  }

  /** SIGTERM, and SIGKILL after 60 s; returns the output. */
  String stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return output();
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
