package dev.tokenledger.faults;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Items handed to a sender at a steady rate on a thread of their own, so that a case can crash
 * something while the stream goes on, and wait for the stream to reach a point before the next.
 */
final class PacedStream<T> {

  private final AtomicInteger sent = new AtomicInteger();
  private final int size;
  private final CompletableFuture<Void> done;

  private PacedStream(List<T> items, int perSecond, Consumer<T> sender) {
    this.size = items.size();
    long start = System.nanoTime();
    long interval = 1_000_000_000L / perSecond;
    this.done = CompletableFuture.runAsync(() -> {
      for (T item : items) {
        // Pacing is the point here: a steady load, not a burst the apps then catch up with.
        long due = start + sent.get() * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        sender.accept(item);
        sent.incrementAndGet();
      }
    }, Executors.newSingleThreadExecutor(task -> new Thread(task, "paced-stream")));
  }

  static <T> PacedStream<T> start(List<T> items, int perSecond, Consumer<T> sender) {
    return new PacedStream<>(items, perSecond, sender);
  }

  int sent() {
    return sent.get();
  }

  /** Waits until {@code share} (0–1) of the items went out; fails if the sender failed. */
  void awaitShare(double share) {
    int target = (int) Math.ceil(size * share);
    await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> sent.get() >= target || done.isDone());
    if (done.isCompletedExceptionally()) {
      awaitDone();
    }
  }

  void awaitDone() {
    try {
      done.get(30, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the stream failed: " + e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("the stream did not finish: " + e, e);
    }
  }
}
