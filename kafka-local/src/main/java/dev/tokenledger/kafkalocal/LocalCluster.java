package dev.tokenledger.kafkalocal;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.TopicCatalog;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A local Kafka cluster of combined broker-and-controller nodes, each its own JVM, managed
 * through files in its directory (config, data, pid file). One node lives in the directory itself;
 * a multi-node cluster has a {@code node-N} directory per node, node N on the given ports plus
 * {@code 2 * (N - 1)}, its output in {@code kafka-node-N.log}.
 */
public final class LocalCluster {

  /** An expected failure, with a message for the user; LocalKafka prints it and exits 1. */
  public static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message);
    }
  }

  enum State { ANSWERING, NOT_ANSWERING, NOT_RUNNING }

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);
  private static final int TAIL_LINES = 25;

  private final List<BrokerProcess> brokers;
  private final PrintStream out;

  private LocalCluster(List<KafkaNode> nodes, String classpath, PrintStream out) {
    this.brokers = nodes.stream().map(n -> new BrokerProcess(n, classpath)).toList();
    this.out = out;
  }

  /** One node in {@code dir}: the broker's data in {@code dir/data}, its output in {@code logsDir/kafka.log}. */
  static LocalCluster singleNode(Path dir, int port, int controllerPort, Path logsDir, String classpath, PrintStream out) {
    return new LocalCluster(
        List.of(new KafkaNode(1, port, controllerPort, dir.toAbsolutePath(), logsDir.toAbsolutePath().resolve("kafka.log"))),
        classpath, out);
  }

  /**
   * {@code count} nodes: one as {@link #singleNode}, more in {@code dir/node-N}, node N listening
   * on {@code port + 2(N-1)} and {@code controllerPort + 2(N-1)}.
   */
  public static LocalCluster ofNodes(int count, Path dir, int port, int controllerPort, Path logsDir, String classpath,
      PrintStream out) {
    if (count == 1) {
      return singleNode(dir, port, controllerPort, logsDir, classpath, out);
    }
    List<KafkaNode> nodes = new ArrayList<>();
    for (int id = 1; id <= count; id++) {
      int offset = 2 * (id - 1);
      if (port + offset > 65535 || controllerPort + offset > 65535) {
        throw new Failure("node " + id + " would need a port above 65535: choose lower ports");
      }
      nodes.add(new KafkaNode(id, port + offset, controllerPort + offset, nodeDir(dir, id), nodeLog(logsDir, id)));
    }
    List<Integer> ports = nodes.stream().flatMap(n -> java.util.stream.Stream.of(n.port(), n.controllerPort())).toList();
    if (ports.stream().distinct().count() != ports.size()) {
      throw new Failure("the nodes' ports overlap (" + ports + "): --port and --controller-port must not differ by "
          + "an even number below " + 2 * count);
    }
    return new LocalCluster(nodes, classpath, out);
  }

  /**
   * The cluster whose files are in {@code dir}, as its last start configured it: the layout
   * (one node or {@code node-N} directories) whose {@code server.properties} was written last.
   */
  static LocalCluster inDirectory(Path dir, Path logsDir, String classpath, PrintStream out) {
    Path abs = dir.toAbsolutePath();
    List<KafkaNode> multi = new ArrayList<>();
    for (int id = 1; Files.isRegularFile(nodeDir(abs, id).resolve("server.properties")); id++) {
      multi.add(KafkaNode.read(nodeDir(abs, id), nodeLog(logsDir, id)));
    }
    if (multi.size() > 1 && modified(nodeDir(abs, 1).resolve("server.properties")) >= modified(abs.resolve("server.properties"))) {
      return new LocalCluster(multi, classpath, out);
    }
    return new LocalCluster(
        List.of(KafkaNode.read(abs, logsDir.toAbsolutePath().resolve("kafka.log"))), classpath, out);
  }

  private static Path nodeDir(Path dir, int id) {
    return dir.toAbsolutePath().resolve("node-" + id);
  }

  private static Path nodeLog(Path logsDir, int id) {
    return logsDir.toAbsolutePath().resolve("kafka-node-" + id + ".log");
  }

  private static long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return Long.MIN_VALUE;
    }
  }

  int size() {
    return brokers.size();
  }

  public String bootstrap() {
    return brokers.stream().map(b -> b.node().bootstrap()).collect(Collectors.joining(","));
  }

  /** The pid of every node's running broker; empty unless all of them run. */
  Optional<List<Long>> runningPids() {
    List<Long> pids = new ArrayList<>();
    for (BrokerProcess broker : brokers) {
      Optional<ProcessHandle> running = broker.running();
      if (running.isEmpty()) {
        return Optional.empty();
      }
      pids.add(running.get().pid());
    }
    return Optional.of(pids);
  }

  /**
   * Formats the storage on first start, starts every node, waits until the cluster answers, then
   * creates the catalogue's missing topics.
   */
  public void start(Settings settings) {
    // Built first, so that a wrong topic setting fails before anything starts.
    TopicCatalog catalog = TopicCatalog.create(settings.with(Map.of(TopicCatalog.REPLICATION_FACTOR_KEY,
        Integer.toString(KafkaNode.replicationFactor(brokers.size())))).asMap());
    brokers.stream().filter(BrokerProcess::hasStalePidFile).forEach(BrokerProcess::removePidFile);
    checkPortsFree();
    List<KafkaNode> nodes = brokers.stream().map(BrokerProcess::node).toList();
    brokers.forEach(b -> b.writeConfig(nodes));
    brokers.forEach(BrokerProcess::markStartInLog);

    List<BrokerProcess> unformatted = brokers.stream().filter(b -> !b.node().isFormatted()).toList();
    if (!unformatted.isEmpty()) {
      long formatStart = System.nanoTime();
      // A node whose storage was wiped joins the cluster the others were formatted for.
      String clusterId = brokers.stream().map(b -> b.node().formattedClusterId()).flatMap(Optional::stream)
          .findFirst().orElseGet(() -> unformatted.get(0).randomClusterId());
      // One StorageTool JVM per node, side by side: a few seconds each.
      unformatted.parallelStream().forEach(b -> b.format(clusterId));
      out.printf("Formatted the storage in %s (cluster id %s)%n", since(formatStart), clusterId);
    }

    long launchStart = System.nanoTime();
    List<Process> launched = brokers.stream().map(BrokerProcess::launch).toList();
    try (Admin admin = admin()) {
      awaitReady(admin, launched);
      String readyAfter = since(launchStart);
      catalog.createMissing(admin);
      out.printf("Kafka is ready at %s (pid %s, ready in %s, %d catalogue topics); log: %s%n", bootstrap(),
          launched.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(",")), readyAfter,
          catalog.all().size(), logFiles());
    } catch (RuntimeException e) {
      // A half-started broker is of no use and would hold the ports: take it down.
      launched.forEach(Process::destroyForcibly);
      brokers.forEach(BrokerProcess::removePidFile);
      throw new Failure("Kafka did not start: " + e.getMessage() + "\nLog: " + logFiles() + ", last lines:\n" + tails());
    }
  }

  /** Stops every running node; returns whether any was running. */
  public boolean stop() {
    List<Optional<ProcessHandle>> running = brokers.stream().map(BrokerProcess::running).toList();
    if (brokers.size() > 1) {
      // SIGTERM to every node at once: stopped one by one, the last ones would lose their quorum
      // and wait for it in their controlled shutdown.
      running.forEach(r -> r.ifPresent(ProcessHandle::destroy));
    }
    boolean anyRunning = false;
    long stopStart = System.nanoTime();
    for (int i = 0; i < brokers.size(); i++) {
      BrokerProcess broker = brokers.get(i);
      if (running.get(i).isEmpty()) {
        broker.removePidFile();
        continue;
      }
      anyRunning = true;
      if (brokers.size() == 1) {
        stopStart = System.nanoTime();
      }
      BrokerProcess.StopResult result = broker.stop(running.get(i).get(), STOP_GRACE);
      out.printf("Kafka stopped (pid %d) in %s%s%n", result.pid(), since(stopStart),
          result.forced() ? ", killed after " + STOP_GRACE.toSeconds() + " s without exiting" : "");
    }
    return anyRunning;
  }

  /**
   * SIGKILL to node {@code id} (1-based), as a crash would: no controlled shutdown, nothing
   * flushed beyond what the operating system already has. Returns once the process is gone.
   */
  public void kill(int id) {
    BrokerProcess broker = brokers.get(id - 1);
    ProcessHandle process = broker.running()
        .orElseThrow(() -> new Failure("node " + id + " is not running"));
    process.destroyForcibly();
    process.onExit().join();
    broker.removePidFile();
  }

  /**
   * Stops node {@code id} (1-based) in its tracks with SIGSTOP, as a long GC pause or a frozen VM
   * does: its connections stay open and answer nothing until {@link #resume}.
   */
  public void pause(int id) {
    signal(id, "STOP");
  }

  /** SIGCONT to a node {@link #pause}d: it carries on where it stopped. */
  public void resume(int id) {
    signal(id, "CONT");
  }

  private void signal(int id, String signal) {
    long pid = brokers.get(id - 1).running().orElseThrow(() -> new Failure("node " + id + " is not running")).pid();
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new Failure("kill -" + signal + " " + pid + " exited with " + kill.exitValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while signalling node " + id);
    }
  }

  /** Starts node {@code id} again on its existing storage and waits until the cluster lists it. */
  public void restart(int id) {
    BrokerProcess broker = brokers.get(id - 1);
    if (broker.running().isPresent()) {
      throw new Failure("node " + id + " is already running");
    }
    broker.markStartInLog();
    Process launched = broker.launch();
    try (Admin admin = admin()) {
      awaitReady(admin, List.of(launched));
    }
  }

  State status() {
    if (brokers.size() > 1) {
      return multiNodeStatus();
    }
    Optional<List<Long>> pids = runningPids();
    if (pids.isEmpty()) {
      out.printf("Kafka is not running (directory %s)%n", brokers.get(0).node().dir());
      return State.NOT_RUNNING;
    }
    boolean answers;
    try (Admin admin = admin()) {
      answers = answers(admin, Duration.ofSeconds(3));
    }
    out.printf("Kafka is running: pid %s, bootstrap %s, %s%n",
        pids.get().stream().map(String::valueOf).collect(Collectors.joining(",")), bootstrap(),
        answers ? "answering" : "NOT answering (see " + logFiles() + ")");
    return answers ? State.ANSWERING : State.NOT_ANSWERING;
  }

  /** Each node's state, then whether the cluster answers and with how many of its brokers. */
  private State multiNodeStatus() {
    int runningCount = 0;
    for (BrokerProcess broker : brokers) {
      Optional<ProcessHandle> running = broker.running();
      KafkaNode node = broker.node();
      if (running.isPresent()) {
        runningCount++;
        out.printf("  node %d: running, pid %d, %s (log %s)%n", node.id(), running.get().pid(), node.bootstrap(),
            node.logFile());
      } else {
        out.printf("  node %d: NOT running (%s, log %s)%n", node.id(), node.bootstrap(), node.logFile());
      }
    }
    if (runningCount == 0) {
      out.printf("Kafka is not running (%d nodes, directory %s)%n", brokers.size(), brokers.get(0).node().dir().getParent());
      return State.NOT_RUNNING;
    }
    int answering;
    try (Admin admin = admin()) {
      answering = brokersInMetadata(admin, Duration.ofSeconds(3));
    }
    boolean healthy = runningCount == brokers.size() && answering == brokers.size();
    out.printf("Kafka is running: %d of %d nodes, bootstrap %s, %s%n", runningCount, brokers.size(), bootstrap(),
        answering < 0 ? "NOT answering" : healthy ? "answering" : "answering with " + answering + " of "
            + brokers.size() + " brokers");
    return healthy ? State.ANSWERING : State.NOT_ANSWERING;
  }

  /** How many brokers the cluster's metadata holds, -1 if it does not answer. */
  private int brokersInMetadata(Admin admin, Duration timeout) {
    try {
      return admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes().get().size();
    } catch (ExecutionException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while waiting for Kafka");
    }
  }

  private void checkPortsFree() {
    for (BrokerProcess broker : brokers) {
      for (int port : List.of(broker.node().port(), broker.node().controllerPort())) {
        try (ServerSocket socket = new ServerSocket()) {
          socket.bind(new InetSocketAddress(KafkaNode.HOST, port));
        } catch (IOException e) {
          throw new Failure("port " + port + " on " + KafkaNode.HOST + " is already in use: stop whatever holds it,"
              + " or choose other ports with --port and --controller-port");
        }
      }
    }
  }

  private void awaitReady(Admin admin, List<Process> launched) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    ProgressLine progress = ProgressLine.start(out);
    try {
      while (!answers(admin, Duration.ofSeconds(1))) {
        for (Process process : launched) {
          if (!process.isAlive()) {
            throw new Failure("the broker (pid " + process.pid() + ") exited with code " + process.exitValue());
          }
        }
        if (System.nanoTime() > deadline) {
          throw new Failure("the broker did not answer within " + READY_TIMEOUT.toSeconds() + " s");
        }
        progress.update("Waiting for Kafka at " + bootstrap() + " to answer");
      }
    } finally {
      progress.clear();
    }
  }

  /** Whether every node is in the cluster's metadata: the brokers are up and the quorum has a leader. */
  private boolean answers(Admin admin, Duration timeout) {
    try {
      return admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
          .nodes().get().size() == brokers.size();
    } catch (ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while waiting for Kafka");
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
        // Short backoffs: notice a starting broker within a fraction of a second, not up to 1 s late.
        AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200,
        AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  private String logFiles() {
    return brokers.stream().map(b -> b.node().logFile().toString()).distinct().collect(Collectors.joining(", "));
  }

  private String tails() {
    return brokers.stream().map(b -> b.node().logFile()).distinct()
        .flatMap(log -> lastLines(log, TAIL_LINES).stream()).map(line -> "  " + line)
        .collect(Collectors.joining("\n"));
  }

  /** The last lines of the latest start's part of the log. */
  private static List<String> lastLines(Path file, int count) {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    // Only the end of the file: the log grows over every run.
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long offset = Math.max(0, in.length() - 64 * 1024);
      byte[] bytes = new byte[(int) (in.length() - offset)];
      in.seek(offset);
      in.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      int from = Math.max(0, lines.size() - count);
      for (int i = lines.size() - 1; i >= from; i--) {
        if (lines.get(i).startsWith(BrokerProcess.START_MARK)) {
          from = i + 1;
          break;
        }
      }
      return lines.subList(from, lines.size());
    } catch (IOException e) {
      return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
    }
  }

  private static String since(long startNanos) {
    return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
  }
}
