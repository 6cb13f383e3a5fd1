package dev.tokenledger.runtime;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Whether an app can still do its work. Once it has failed for good (Kafka Streams in ERROR),
 * {@code /health} answers 503 with the reason and the process exits non-zero ({@link
 * RunningApp#main}), so an orchestrator restarts it instead of leaving a process that counts
 * nothing.
 */
public final class Liveness {

  private final CompletableFuture<String> failure = new CompletableFuture<>();

  /** Marks the app failed; the first reason is kept. */
  public void fail(String reason) {
    failure.complete(reason);
  }

  /** Why the app has failed, or empty while it is alive. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure.getNow(null));
  }

  /** Runs {@code action} with the reason once the app fails (at once if it already has). */
  public void onFailure(Consumer<String> action) {
    failure.thenAccept(action);
  }
}
