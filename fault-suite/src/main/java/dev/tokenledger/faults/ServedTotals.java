package dev.tokenledger.faults;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * What one aggregator instance serves, compared with the ledger: every key of every dimension in
 * every window of every period (minute, hour, day, month), through {@code GET /v1/top} (which
 * gathers from all instances), so a key served wrong, missing or extra shows up whichever
 * instance holds it.
 */
final class ServedTotals {

  /**
   * The outcome of one comparison. {@code lost} and {@code doubleCounted} are events, taken from
   * the {@code all} total (expected minus served, and served minus expected); {@code firstDifference}
   * names the first key that differs (or why nothing could be read), empty when exact.
   */
  record Comparison(long expectedEvents, long lost, long doubleCounted, int keysDiffering, Optional<String> firstDifference) {
    boolean exact() {
      return firstDifference.isEmpty();
    }
  }

  private static final Ledger.Totals ZERO = new Ledger.Totals(0, 0, 0);
  /** The aggregator's default for minute buckets; older minute windows are gone from it. */
  private static final Duration MINUTE_RETENTION = Duration.ofHours(2).minusMinutes(5);
  /** The most keys /v1/top returns. */
  private static final int TOP_LIMIT = 1000;

  private ServedTotals() {}

  /** Exact on every instance, and how long it took to get there. */
  record Settled(Comparison last, boolean exact, double seconds) {}

  /** Catching up after crashes may take minutes; what fails is a total that stops moving short of the truth. */
  private static final Duration NO_PROGRESS_LIMIT = Duration.ofSeconds(90);
  private static final Duration OVERALL_LIMIT = Duration.ofMinutes(30);

  /**
   * Compares until every instance serves the ledger exactly, or the served totals have not moved
   * for {@link #NO_PROGRESS_LIMIT}; the result holds the last comparison (of the first instance
   * not yet exact, if any).
   */
  static Settled awaitExact(Ledger ledger, List<AppProcess> aggregators, String readKey) {
    long start = System.nanoTime();
    AtomicReference<Comparison> last = new AtomicReference<>();
    AtomicReference<String> lastState = new AtomicReference<>("");
    AtomicLong lastProgress = new AtomicLong(start);
    boolean exact;
    try {
      await().atMost(OVERALL_LIMIT).pollInterval(Duration.ofMillis(500))
          .failFast("no progress for " + NO_PROGRESS_LIMIT.toSeconds() + " s",
              () -> System.nanoTime() - lastProgress.get() > NO_PROGRESS_LIMIT.toNanos())
          .until(() -> {
            StringBuilder state = new StringBuilder();
            boolean all = true;
            for (AppProcess aggregator : aggregators) {
              Comparison comparison = compare(ledger, aggregator, readKey);
              state.append(comparison.lost()).append('/').append(comparison.doubleCounted()).append('/')
                  .append(comparison.keysDiffering()).append(' ');
              if (all && !comparison.exact()) {
                last.set(comparison);
                all = false;
              } else if (all) {
                last.set(comparison);
              }
            }
            if (!state.toString().equals(lastState.getAndSet(state.toString()))) {
              lastProgress.set(System.nanoTime());
            }
            return all;
          });
      exact = true;
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      exact = false;
    }
    return new Settled(last.get(), exact, (System.nanoTime() - start) / 1e9);
  }

  static Comparison compare(Ledger ledger, AppProcess aggregator, String readKey) {
    long expectedEvents = 0;
    long servedEvents = 0;
    int differing = 0;
    String first = null;
    for (Ledger.Window window : ledger.windows()) {
      if (window.period() == Period.MINUTE && window.start().isBefore(Instant.now().minus(MINUTE_RETENTION))) {
        continue; // purged by now, as it should be
      }
      if (window.period() == Period.DAY) {
        expectedEvents += ledger.everything(window).requests();
      }
      String period = window.period().name().toLowerCase(Locale.ROOT);
      for (String dimension : Ledger.DIMENSIONS) {
        Map<String, Ledger.Totals> expected = ledger.expected(dimension, window);
        // "all" has one key, not ranked by /v1/top: its window comes from /v1/usage.
        String path = dimension.equals("all")
            ? "/v1/usage?dimension=all&key=_&period=" + period + "&from=" + window.start() + "&to=" + window.start().plusMillis(1)
            : "/v1/top?dimension=" + dimension + "&period=" + period + "&at=" + window.start() + "&by=tokens&limit=" + TOP_LIMIT;
        Http.Answer answer = Http.get(aggregator.port(), path, readKey);
        if (answer.status() != 200) {
          return new Comparison(expectedEvents, 0, 0, -1, Optional.of(aggregator.name() + " answered " + answer.status()
              + " to " + path + ": " + answer.body()));
        }
        Map<String, Ledger.Totals> served = new HashMap<>();
        for (JsonNode entry : answer.json().get(dimension.equals("all") ? "windows" : "entries")) {
          served.put(dimension.equals("all") ? "_" : entry.get("key").asText(), new Ledger.Totals(entry.get("requests").asLong(),
              entry.get("totalTokens").asLong(), Usd.parseNanos(entry.get("costUsd").asText())));
        }
        if (dimension.equals("all") && window.period() == Period.DAY) {
          servedEvents += served.getOrDefault("_", ZERO).requests();
        }
        TreeSet<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(served.keySet());
        // With more keys than /v1/top returns, a key left out is right only if it ranks below every key shown.
        long lowestShown = served.size() < TOP_LIMIT ? Long.MAX_VALUE
            : served.values().stream().mapToLong(Ledger.Totals::tokens).min().orElse(Long.MAX_VALUE);
        for (String key : keys) {
          boolean rightlyLeftOut = !served.containsKey(key) && expected.get(key).tokens() <= lowestShown
              && lowestShown != Long.MAX_VALUE;
          if (!rightlyLeftOut && !expected.getOrDefault(key, ZERO).equals(served.getOrDefault(key, ZERO))) {
            differing++;
            if (first == null) {
              first = dimension + ":" + key + " in the " + period + " from " + window.start() + ": expected "
                  + expected.get(key) + ", served " + served.get(key);
            }
          }
        }
      }
    }
    return new Comparison(expectedEvents, Math.max(0, expectedEvents - servedEvents),
        Math.max(0, servedEvents - expectedEvents), differing, Optional.ofNullable(first));
  }

  /** How many (dimension, period, window) totals a comparison covers: what "every total exact" means in figures. */
  static int totalsCompared(Ledger ledger) {
    return ledger.windows().size() * Ledger.DIMENSIONS.size();
  }
}
