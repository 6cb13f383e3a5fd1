package dev.tokenledger.kafkalocal;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * One line of progress for a long wait (a broker starting, a bench preloading), redrawn in place:
 * "Waiting for Kafka at 127.0.0.1:9092... 7 s". Only on a terminal, which {@code bin/tokenledger}
 * says with {@code -Dtokenledger.progress=true}: in a log or CI it prints nothing, and the plain
 * lines the caller prints before and after tell the story.
 */
public final class ProgressLine {

  /** The system property that turns the line on. */
  public static final String PROPERTY = "tokenledger.progress";
  /** A terminal need not be redrawn more often than this. */
  private static final long REDRAW_NANOS = 250_000_000L;

  private final PrintStream out;
  private final boolean enabled;
  private final LongSupplier nanoTime;
  private final long start;
  private long lastDrawn;
  private boolean drawn;

  ProgressLine(PrintStream out, boolean enabled, LongSupplier nanoTime) {
    this.out = out;
    this.enabled = enabled;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
  }

  /** A line whose elapsed time counts from now; on only when {@value #PROPERTY} is true. */
  public static ProgressLine start(PrintStream out) {
    return new ProgressLine(out, Boolean.getBoolean(PROPERTY), System::nanoTime);
  }

  /** Shows "TEXT... N s" in place of the previous text; at most four times a second. */
  public synchronized void update(String text) {
    if (!enabled) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (drawn && now - lastDrawn < REDRAW_NANOS) {
      return;
    }
    lastDrawn = now;
    drawn = true;
    out.print("\r\033[K" + text + "... " + (now - start) / 1_000_000_000L + " s");
    out.flush();
  }

  /** Removes the line, so the next line printed starts on a clean one. */
  public synchronized void clear() {
    if (drawn) {
      out.print("\r\033[K");
      out.flush();
      drawn = false;
    }
  }
}
