package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Locale;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds totals to a subject's buckets of every period: to the window in the subject's entry
 * ({@link SubjectBuckets}), or in the history store when the window is older than every one the
 * entry keeps. Both stores sit behind Kafka Streams' record cache, so however many additions a
 * subject gets between two commits, each store writes it once (and once to its changelog).
 *
 * <p>Checking and adding are two steps, so that a caller can check every subject an event
 * touches before it changes any: an addition is all or nothing.
 */
final class BucketWriter {

  private final AggregatorConfig config;
  private final KeyValueStore<String, SubjectBuckets> entries;
  private final KeyValueStore<BucketKey, UsageAggregate> history;
  private final Counter[] expiredUpdates = new Counter[SubjectBuckets.PERIODS.size()];

  BucketWriter(AggregatorConfig config, KeyValueStore<String, SubjectBuckets> entries,
      KeyValueStore<BucketKey, UsageAggregate> history, MeterRegistry registry) {
    this.config = config;
    this.entries = entries;
    this.history = history;
    for (int p = 0; p < expiredUpdates.length; p++) {
      expiredUpdates[p] = registry.counter("tokenledger.aggregator.expired.bucket.updates",
          "period", SubjectBuckets.PERIODS.get(p).name().toLowerCase(Locale.ROOT));
    }
  }

  /** The windows of every period an instant falls in: computed once per event, for all its subjects. */
  CalendarWindow[] windows(Instant at) {
    CalendarWindow[] windows = new CalendarWindow[SubjectBuckets.PERIODS.size()];
    for (int p = 0; p < windows.length; p++) {
      windows[p] = CalendarWindow.containing(SubjectBuckets.PERIODS.get(p), at, config.zone());
    }
    return windows;
  }

  /** Whether a window is past its period's retention at {@code now}: its bucket is gone, and no update goes to it. */
  boolean expired(CalendarWindow window, Instant now) {
    return window.end().isBefore(now.minus(config.retention().get(window.period())));
  }

  /** The subject's entry, or a new one. */
  SubjectBuckets entry(Subject subject) {
    SubjectBuckets entry = entries.get(subject.toString());
    return entry == null ? new SubjectBuckets() : entry;
  }

  /** The first total that adding {@code totals} to the subject's windows would overflow, or null. */
  String overflow(Subject subject, SubjectBuckets entry, CalendarWindow[] windows, Instant now, Totals totals) {
    for (int p = 0; p < windows.length; p++) {
      if (expired(windows[p], now)) {
        continue;
      }
      long start = windows[p].start().toEpochMilli();
      Totals current = entry.holds(p, start) ? entry.get(p, start) : historical(subject, windows[p]);
      String overflow = current == null ? null : current.overflowOnAdd(totals);
      if (overflow != null) {
        return "the " + windows[p].period().name().toLowerCase(Locale.ROOT) + " bucket of " + subject + " from "
            + windows[p].start() + ": " + overflow;
      }
    }
    return null;
  }

  /**
   * Adds {@code totals} to every window of the subject still within its period's retention, and
   * writes the entry. Call {@link #overflow} first: this throws rather than wraps.
   *
   * @param requests how many calls the totals hold, for the metric of updates past retention
   */
  void add(Subject subject, SubjectBuckets entry, CalendarWindow[] windows, Instant now, Totals totals, long requests) {
    for (int p = 0; p < windows.length; p++) {
      CalendarWindow window = windows[p];
      if (expired(window, now)) {
        // Already purged: the longer periods still count the events (an event past every
        // period's retention never gets here, it went to tokens.late).
        expiredUpdates[p].increment(requests);
        continue;
      }
      long start = window.start().toEpochMilli();
      if (entry.holds(p, start)) {
        SubjectBuckets.Window pushedOut = entry.open(p, start);
        entry.get(p, start).add(totals);
        if (pushedOut != null) {
          CalendarWindow old = CalendarWindow.containing(window.period(), Instant.ofEpochMilli(pushedOut.start()),
              config.zone());
          // Past its retention it is purged here and now (the entry's flush publishes its tombstone).
          if (!expired(old, now)) {
            history.put(BucketKey.of(subject, window.period(), old.start()),
                pushedOut.totals().toAggregate(subject, old, config.zone()));
          }
        }
      } else {
        Totals older = historical(subject, window);
        older = older == null ? new Totals() : older;
        older.add(totals);
        history.put(BucketKey.of(subject, window.period(), window.start()), older.toAggregate(subject, window, config.zone()));
      }
    }
    entries.put(subject.toString(), entry);
  }

  private Totals historical(Subject subject, CalendarWindow window) {
    UsageAggregate bucket = history.get(BucketKey.of(subject, window.period(), window.start()));
    return bucket == null ? null : Totals.of(bucket);
  }

  /** The calendar window of {@code period} starting at {@code start}. */
  CalendarWindow window(Period period, long start) {
    return CalendarWindow.containing(period, Instant.ofEpochMilli(start), config.zone());
  }
}
