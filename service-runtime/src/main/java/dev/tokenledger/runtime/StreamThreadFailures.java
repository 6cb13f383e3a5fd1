package dev.tokenledger.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Streams app does when a stream thread dies. No record can kill one (the exception
 * handlers route those), so what does is Kafka's own trouble: a producer left in an error state
 * by a stalled cluster, say. A new thread with a new producer gets over that, and Kafka Streams
 * restores its tasks exactly. A failure that keeps coming back is not transient: past {@value
 * #REPLACEMENTS} replacements within {@link #WINDOW} the instance stops for good, its {@code
 * /health} fails and the process exits for its orchestrator to restart it (with backoff).
 */
final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

  static final int REPLACEMENTS = 3;
  static final Duration WINDOW = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(StreamThreadFailures.class);

  private final Clock clock;
  private final Counter replaced;
  private final Deque<Long> recent = new ArrayDeque<>();

  StreamThreadFailures(Clock clock, MeterRegistry registry) {
    this.clock = clock;
    this.replaced = registry.counter("tokenledger.streams.threads.replaced");
  }

  @Override
  public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
    long now = clock.millis();
    while (!recent.isEmpty() && recent.peekFirst() < now - WINDOW.toMillis()) {
      recent.removeFirst();
    }
    if (recent.size() >= REPLACEMENTS) {
      log.error("a stream thread failed, the {}th time within {}; stopping this instance's processing", REPLACEMENTS + 1,
          WINDOW, exception);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    recent.addLast(now);
    replaced.increment();
    log.error("a stream thread failed; replacing it ({} of {} within {})", recent.size(), REPLACEMENTS, WINDOW, exception);
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }
}
