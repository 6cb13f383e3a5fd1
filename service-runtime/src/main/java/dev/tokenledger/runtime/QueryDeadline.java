package dev.tokenledger.runtime;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an interactive query with a deadline. Kafka Streams can hold a query while tasks move
 * between threads (seen here once: a usage query held for over 30 s during a rebalance); an HTTP
 * caller gets a 503 with {@code Retry-After} after the deadline instead of a hung request.
 */
public final class QueryDeadline {

  private static final Logger log = LoggerFactory.getLogger(QueryDeadline.class);
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final AtomicInteger THREADS = new AtomicInteger();
  // Bounded: if queries pile up behind a stuck store, new ones are refused at once.
  private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, 16, 60, TimeUnit.SECONDS,
      new SynchronousQueue<>(), runnable -> {
        Thread thread = new Thread(runnable, "interactive-query-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      });

  private QueryDeadline() {}

  /** A query; unlike a Supplier it may throw checked exceptions. */
  @FunctionalInterface
  public interface Query<T> {
    T run() throws Exception;
  }

  public static <T> T call(String what, Query<T> query) {
    Future<T> future;
    AtomicReference<Thread> worker = new AtomicReference<>();
    try {
      future = POOL.submit(() -> {
        worker.set(Thread.currentThread());
        return query.run();
      });
    } catch (RejectedExecutionException e) {
      throw ProblemException.unavailable("too many " + what + " queries are waiting on the stores; retry shortly", 2);
    }
    try {
      return future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Where the query waits is the clue to why; logged before the interrupt moves it.
      Thread stuck = worker.get();
      if (stuck != null) {
        Throwable where = new Throwable("stack of " + stuck.getName());
        where.setStackTrace(stuck.getStackTrace());
        log.warn("{} query did not answer within {} s", what, DEADLINE.toSeconds(), where);
      }
      future.cancel(true);
      throw ProblemException.unavailable(what + " did not answer within " + DEADLINE.toSeconds()
          + " s (the stores are moving between threads or instances)", 2);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProblemException.unavailable("interrupted while querying " + what, 1);
    }
  }
}
