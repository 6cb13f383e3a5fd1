package dev.tokenledger.runtime;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes what an app opened, in reverse order, once: on {@link #close()} or on SIGTERM/Ctrl-C
 * through a JVM shutdown hook. A failing step is logged and the rest still close.
 */
public final class Shutdown implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  private record Step(String name, AutoCloseable resource) {}

  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean closed;

  /** Registers a JVM shutdown hook that runs {@link #close()}. */
  public Shutdown onJvmExit() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "tokenledger-shutdown"));
    return this;
  }

  public synchronized <T extends AutoCloseable> T add(String name, T resource) {
    steps.push(new Step(name, resource));
    return resource;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!steps.isEmpty()) {
      Step step = steps.pop();
      try {
        step.resource().close();
      } catch (Exception e) {
        log.warn("closing {} failed", step.name(), e);
      }
    }
  }
}
