package dev.tokenledger.kafkalocal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JVM of one {@link KafkaNode}: formatting its storage, launching it detached, finding it
 * again through its pid file, and stopping it. Every child JVM runs on this JVM's own {@code java}
 * and the given classpath, so the broker is exactly the Kafka the CLI was built with.
 */
final class BrokerProcess {

  private static final String LOG4J_RESOURCE = "/tokenledger-broker-log4j2.xml";
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  static final String START_MARK = "==== LocalKafka start ";

  private final KafkaNode node;
  private final String classpath;

  BrokerProcess(KafkaNode node, String classpath) {
    this.node = node;
    this.classpath = classpath;
  }

  KafkaNode node() {
    return node;
  }

  /** The broker started from this node's directory, if its pid file names a live broker. */
  Optional<ProcessHandle> running() {
    Optional<Long> pid = readPid();
    return pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
        // After a reboot the pid may belong to another process: only a JVM started with this
        // node's marker counts. (The command line Java reports is cut at 4 KiB, before the
        // classpath ends: the marker comes first.)
        .filter(h -> h.info().commandLine().map(c -> c.contains(marker() + " ")).orElse(true));
  }

  /** A pid file left by a broker that is gone. */
  boolean hasStalePidFile() {
    return Files.exists(node.pidFile()) && running().isEmpty();
  }

  void removePidFile() {
    try {
      Files.deleteIfExists(node.pidFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes server.properties and the log4j2 config; called on every start so new ports apply. */
  void writeConfig(List<KafkaNode> voters) {
    try {
      Files.createDirectories(node.dir());
      Files.createDirectories(node.logFile().getParent());
      StringBuilder text = new StringBuilder("# Written by LocalKafka on every start: edits are overwritten.\n");
      for (Map.Entry<String, String> e : node.serverProperties(voters).entrySet()) {
        text.append(e.getKey()).append('=').append(e.getValue()).append('\n');
      }
      Files.writeString(node.propertiesFile(), text);
      try (var in = BrokerProcess.class.getResourceAsStream(LOG4J_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + LOG4J_RESOURCE);
        }
        Files.write(node.log4jConfigFile(), in.readAllBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Marks in the log where this start begins, so that a failure shows only its own lines. */
  void markStartInLog() {
    try {
      Files.writeString(node.logFile(), START_MARK + Instant.now() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new cluster id from {@code StorageTool random-uuid}, kept in the node's {@code cluster.id}. */
  String randomClusterId() {
    Path file = node.dir().resolve("cluster.id");
    try {
      Files.deleteIfExists(file);
      runTool(List.of("random-uuid"), file);
      // The id is the last line: a logging backend on the classpath may print its own lines first.
      String output = Files.readString(file);
      return output.lines().map(String::trim).filter(line -> line.matches("[A-Za-z0-9_-]{22}"))
          .reduce((first, second) -> second)
          .orElseThrow(() -> new LocalCluster.Failure("StorageTool random-uuid printed no cluster id (got \"" + output.trim() + "\")"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Formats the node's storage; {@code --ignore-formatted} makes a repeat harmless. */
  void format(String clusterId) {
    runTool(List.of("format", "-t", clusterId, "-c", node.propertiesFile().toString(), "--ignore-formatted"),
        node.logFile());
  }

  /**
   * Starts {@code kafka.Kafka} detached: output appended to the node's log file, pid written to
   * its pid file. Where {@code setsid} exists (Linux) the broker gets a session of its own, so a
   * Ctrl-C meant for the script that started it does not reach it.
   */
  Process launch() {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.addAll(javaCommand(List.of(marker(), "-Xmx1g"), "kafka.Kafka", List.of(node.propertiesFile().toString())));
    try {
      Process process = new ProcessBuilder(command)
          .redirectInput(Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(node.logFile().toFile()))
          .start();
      Files.writeString(node.pidFile(), process.pid() + "\n");
      return process;
    } catch (IOException e) {
      throw new LocalCluster.Failure("cannot start the broker JVM: " + e.getMessage());
    }
  }

  /** SIGTERM (Kafka's controlled shutdown), then SIGKILL after the grace period. */
  StopResult stop(ProcessHandle broker, Duration grace) {
    broker.destroy();
    boolean forced = !awaitExit(broker, grace);
    if (forced) {
      broker.destroyForcibly();
      if (!awaitExit(broker, Duration.ofSeconds(10))) {
        throw new LocalCluster.Failure("broker pid " + broker.pid() + " survived SIGKILL");
      }
    }
    removePidFile();
    return new StopResult(broker.pid(), forced);
  }

  record StopResult(long pid, boolean forced) {}

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalCluster.Failure("interrupted while waiting for the broker to exit");
    }
  }

  /** Runs a StorageTool command to completion: stdout appended to the given file, stderr to the log. */
  private void runTool(List<String> args, Path stdout) {
    try {
      Process process = new ProcessBuilder(javaCommand(List.of(), "kafka.tools.StorageTool", args))
          .redirectInput(Redirect.from(new File("/dev/null")))
          .redirectOutput(Redirect.appendTo(stdout.toFile()))
          .redirectError(Redirect.appendTo(node.logFile().toFile()))
          .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new LocalCluster.Failure("StorageTool " + args.get(0) + " did not finish within 60 s");
      }
      if (process.exitValue() != 0) {
        throw new LocalCluster.Failure("StorageTool " + args.get(0) + " failed with exit code " + process.exitValue());
      }
    } catch (IOException e) {
      throw new LocalCluster.Failure("cannot run StorageTool: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalCluster.Failure("interrupted while running StorageTool");
    }
  }

  private List<String> javaCommand(List<String> jvmOptions, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-Dlog4j2.configurationFile=" + node.log4jConfigFile());
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /** Names the node's directory on the broker's command line, to recognise it by its pid. */
  private String marker() {
    return "-Dtokenledger.kafka.node=" + node.dir();
  }

  private Optional<Long> readPid() {
    try {
      return Optional.of(Long.parseLong(Files.readString(node.pidFile()).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
