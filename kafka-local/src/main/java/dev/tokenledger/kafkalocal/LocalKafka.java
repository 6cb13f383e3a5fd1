package dev.tokenledger.kafkalocal;

import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A real Apache Kafka broker in KRaft mode as its own JVM, for the demo and development: {@code
 * start}, {@code stop} and {@code status}, all working on one directory (config, data, pid file).
 * The broker runs on this JVM's classpath, so it is the Kafka the project is built with; {@code
 * bin/tokenledger broker …} is the usual way in.
 */
public final class LocalKafka {

  static final String USAGE = """
      Usage: LocalKafka start|stop|status [options]
        start    start the broker (formatting its storage the first time) and create the
                 TokenLedger topics; does nothing if it already runs
        stop     stop the broker: SIGTERM, SIGKILL after 30 s
        status   whether the broker runs and answers

      Options:
        --dir DIR               config, data and pid file (default .tokenledger/kafka)
        --logs-dir DIR          where kafka.log goes (default .tokenledger/logs)
        --port PORT             client port, for start (default 9092)
        --controller-port PORT  KRaft controller port, for start (default 9093)
        --nodes 1|3             for start: one node (default), or three combined nodes in
                                DIR/node-1..3 on PORT, PORT+2, PORT+4 (controllers likewise),
                                replication factor 3 and min.insync.replicas 2 for every topic;
                                stop and status handle whatever the last start began

      Topics follow the apps' settings from the environment: TOKENLEDGER_TOPICS_PARTITIONS
      (default 6), TOKENLEDGER_TOPIC_<NAME> for names.

      Exit codes: 0 done (status: running and answering), 1 failed, 2 wrong usage,
                  3 status: not running, 4 status: running but not answering.""";

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE_ERROR = 2;
  static final int NOT_RUNNING = 3;
  static final int NOT_ANSWERING = 4;

  private final Map<String, String> environment;
  private final PrintStream out;
  private final PrintStream err;

  LocalKafka(Map<String, String> environment, PrintStream out, PrintStream err) {
    this.environment = environment;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "tokenledger-cli-log4j2.xml");
    }
    System.exit(new LocalKafka(System.getenv(), System.out, System.err).run(args));
  }

  int run(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage() + " (help shows the usage)");
      return USAGE_ERROR;
    }
    String classpath = System.getProperty("java.class.path");
    try {
      LocalCluster existing = LocalCluster.inDirectory(options.dir(), options.logsDir(), classpath, out);
      return switch (options.command()) {
        case HELP -> {
          out.println(USAGE);
          yield OK;
        }
        case START -> {
          Optional<List<Long>> pids = existing.runningPids();
          if (pids.isPresent() && existing.size() != options.nodes()) {
            err.printf("Kafka is already running with %d node(s) at %s: 'stop' it first to start %d%n",
                existing.size(), existing.bootstrap(), options.nodes());
            yield FAILED;
          }
          if (pids.isPresent()) {
            out.printf("Kafka is already running at %s (pid %s)%n", existing.bootstrap(),
                pids.get().stream().map(String::valueOf).collect(Collectors.joining(",")));
            yield OK;
          }
          Settings settings = Settings.load("/tokenledger-defaults.properties", new String[0], environment);
          LocalCluster.ofNodes(options.nodes(), options.dir(), options.port(), options.controllerPort(), options.logsDir(),
              classpath, out).start(settings);
          yield OK;
        }
        case STOP -> {
          if (!existing.stop()) {
            out.println("Kafka is not running");
          }
          yield OK;
        }
        case STATUS -> switch (existing.status()) {
          case ANSWERING -> OK;
          case NOT_ANSWERING -> NOT_ANSWERING;
          case NOT_RUNNING -> NOT_RUNNING;
        };
      };
    } catch (LocalCluster.Failure | ConfigException | IllegalArgumentException e) {
      err.println(e.getMessage());
      return FAILED;
    }
  }

  enum Command { START, STOP, STATUS, HELP }

  /** The parsed command line. */
  record Options(Command command, Path dir, Path logsDir, int port, int controllerPort, int nodes) {

    static Options parse(String[] args) {
      if (args.length == 0) {
        throw new IllegalArgumentException("Which command: start, stop or status?");
      }
      Command command = switch (args[0]) {
        case "start" -> Command.START;
        case "stop" -> Command.STOP;
        case "status" -> Command.STATUS;
        case "help", "-h", "--help" -> Command.HELP;
        default -> throw new IllegalArgumentException("Unknown command " + args[0]);
      };
      Path dir = Path.of(".tokenledger", "kafka");
      Path logsDir = Path.of(".tokenledger", "logs");
      int port = KafkaNode.DEFAULT_PORT;
      int controllerPort = KafkaNode.DEFAULT_CONTROLLER_PORT;
      int nodes = 1;
      for (int i = 1; i < args.length; i += 2) {
        String option = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args[i + 1];
        switch (option) {
          case "--dir" -> dir = Path.of(value);
          case "--logs-dir" -> logsDir = Path.of(value);
          case "--port" -> port = port(option, value, command);
          case "--controller-port" -> controllerPort = port(option, value, command);
          case "--nodes" -> nodes = nodes(value, command);
          default -> throw new IllegalArgumentException("Unknown option " + option);
        }
      }
      if (port == controllerPort) {
        throw new IllegalArgumentException("--port and --controller-port must differ (both " + port + ")");
      }
      return new Options(command, dir, logsDir, port, controllerPort, nodes);
    }

    private static int nodes(String value, Command command) {
      if (command != Command.START) {
        throw new IllegalArgumentException("--nodes is for start only: stop and status find the nodes in --dir");
      }
      return switch (value) {
        case "1" -> 1;
        case "3" -> 3;
        default -> throw new IllegalArgumentException("--nodes must be 1 or 3 (got " + value + ")");
      };
    }

    private static int port(String option, String value, Command command) {
      if (command != Command.START) {
        throw new IllegalArgumentException(option + " is for start only: stop and status read the ports from --dir");
      }
      try {
        int port = Integer.parseInt(value);
        if (port >= 1 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(option + " must be a port number 1-65535 (got " + value + ")");
    }
  }
}
