package dev.tokenledger.runtime;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A started app: its HTTP port, and everything it opened, closed in reverse order on {@link #close()}. */
public final class RunningApp implements AutoCloseable {

  /** The argument that makes {@link #main} create the topics and exit, for a deployment's set-up step. */
  public static final String CREATE_TOPICS = "--create-topics";
  private static final Logger log = LoggerFactory.getLogger(RunningApp.class);

  /** The exit code of a process whose app failed while running (Kafka Streams in ERROR). */
  public static final int FAILED_WHILE_RUNNING = 3;

  private final String name;
  private final Shutdown shutdown;
  private final HttpServer server;
  private final Liveness liveness;

  public RunningApp(String name, Shutdown shutdown, HttpServer server, Liveness liveness) {
    this.name = name;
    this.shutdown = shutdown;
    this.server = server;
    this.liveness = liveness;
  }

  /**
   * What every app's {@code main} does: load the settings ({@code /<name>.properties}, then
   * {@code --config FILE}, then the environment), start, close on SIGTERM. A wrong setting exits
   * with code 2 and the key's name; any other failure to start with code 1; an app that fails
   * while running closes and exits with {@value #FAILED_WHILE_RUNNING}. With {@code
   * --create-topics} it only creates the missing topics and returns.
   */
  public static void main(String name, String[] args, Function<Settings, RunningApp> start) {
    main(name, args, System.getenv(), start);
  }

  static void main(String name, String[] args, Map<String, String> environment, Function<Settings, RunningApp> start) {
    RunningApp app;
    try {
      Settings settings = Settings.load("/" + name + ".properties", args, environment);
      if (List.of(args).contains(CREATE_TOPICS)) {
        AppContext.createTopics(name, settings);
        return;
      }
      app = start.apply(settings);
    } catch (ConfigException e) {
      System.err.println(name + ": " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      log.error("{} cannot start: {}", name, e.getMessage(), e);
      System.exit(1);
      return;
    }
    app.shutdown.onJvmExit();
    // Not on the thread that reports the failure (a stream thread): closing waits for that thread.
    app.liveness.onFailure(reason -> new Thread(() -> {
      log.error("{} failed: {}; exiting with {}", name, reason, FAILED_WHILE_RUNNING);
      System.exit(FAILED_WHILE_RUNNING);
    }, name + "-exit").start());
    log.info("{} serving on port {}", name, app.httpPort());
  }

  public String name() {
    return name;
  }

  public int httpPort() {
    return server.port();
  }

  /** The routes its HTTP server answers, for checking them against its OpenAPI document. */
  public List<HttpServer.Route> httpRoutes() {
    return server.routes();
  }

  @Override
  public void close() {
    shutdown.close();
  }
}
