package dev.tokenledger.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started on this JVM's classpath, its output in a log file: the perf tools, the baseline
 * and the aggregator each get a process of their own, as they would be deployed.
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
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms" + heap, "-Xmx" + heap,
        // The perf tools print their figures with the default locale: parse them as English.
        "-Duser.language=en", "-Duser.country=US",
        "-cp", System.getProperty("java.class.path"), mainClass));
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

  void checkAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; log " + log);
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
