package dev.tokenledger.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The punctuators one processor scheduled, cancelled when it is initialized again or closed.
 * Kafka Streams runs {@code init} again on the same processor after a suspend and resume or a
 * revive, and (4.4.0) never clears the task's punctuation queue: a schedule left standing runs on
 * beside the new one, bound to the state of the earlier {@code init}.
 */
public final class ProcessorSchedules {

  private final List<Cancellable> scheduled = new ArrayList<>();

  public void schedule(ProcessorContext<?, ?> context, Duration interval, PunctuationType type, Punctuator punctuator) {
    scheduled.add(context.schedule(interval, type, punctuator));
  }

  /** Cancels every schedule made so far: first thing in {@code init}, and in {@code close}. */
  public void cancelAll() {
    scheduled.forEach(Cancellable::cancel);
    scheduled.clear();
  }
}
