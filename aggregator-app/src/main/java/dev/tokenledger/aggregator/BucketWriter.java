package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds totals to a subject's buckets of every period: to the window in the subject's entry
 * ({@link SubjectBuckets}), or in the history store when the window is older than every one the
 * entry keeps. The entries a fold touches stay in memory until {@link #flush} (before each commit,
 * {@link CommitTrigger}): however many events a subject gets between two commits, its entry is
 * read once, written once (one changelog record) and each window that changed is published once.
 *
 * <p>Checking and adding are two steps, so that a caller can check every subject an event
 * touches before it changes any: an addition is all or nothing. What it holds in memory is only
 * what the next commit writes: a fold makes a new writer in {@code init}, as Kafka Streams drops
 * a task's uncommitted work when it closes it dirty.
 */
final class BucketWriter {

  /**
   * Entries held in memory before a commit is asked for (up to 2.5 KB each, 25 MB a task): bounds
   * the memory of a burst of distinct subjects.
   */
  static final int MAX_PENDING = 10_000;
  /**
   * History buckets held before a commit is asked for (about 300 bytes each, 15 MB a task): a
   * replay of shuffled old events adds to up to eight of them an event.
   */
  static final int MAX_PENDING_HISTORY = 50_000;

  private final AggregatorConfig config;
  private final KeyValueStore<String, SubjectBuckets> entries;
  private final KeyValueStore<BucketKey, UsageAggregate> history;
  private final Publication publication;
  private final Map<String, SubjectBuckets> pending = new HashMap<>();
  private final Map<BucketKey, HistoryUpdate> pendingHistory = new HashMap<>();
  private final Counter[] expiredUpdates = new Counter[SubjectBuckets.PERIODS.size()];
  /**
   * The windows of the last few minutes events fell in: events come nearly in time order, so
   * almost every one finds its windows here instead of computing four calendar windows.
   */
  private final CalendarWindow[][] recentWindows = new CalendarWindow[4][];
  private int nextRecent;
  /** Windows by period and start, for publishing: a few hundred distinct ones an hour. */
  private final List<Map<Long, CalendarWindow>> windowsByStart = new ArrayList<>();
  /** The retention cutoffs of each period at {@link #cutoffsAt} (epoch ms): a window ending before its cutoff is expired. */
  private final long[] cutoffs = new long[SubjectBuckets.PERIODS.size()];
  private long cutoffsAt = Long.MIN_VALUE;

  BucketWriter(AggregatorConfig config, KeyValueStore<String, SubjectBuckets> entries,
      KeyValueStore<BucketKey, UsageAggregate> history, Publication publication, MeterRegistry registry) {
    this.config = config;
    this.entries = entries;
    this.history = history;
    this.publication = publication;
    for (int p = 0; p < expiredUpdates.length; p++) {
      expiredUpdates[p] = registry.counter("tokenledger.aggregator.expired.bucket.updates",
          "period", SubjectBuckets.PERIODS.get(p).name().toLowerCase(Locale.ROOT));
      windowsByStart.add(new HashMap<>());
    }
  }

  /**
   * The windows of every period an instant falls in, indexed as {@link SubjectBuckets#PERIODS}:
   * for all of an event's subjects. A minute lies within its hour, day and month, so the windows
   * of a minute seen lately are the answer for every instant in it. Not to be changed.
   */
  CalendarWindow[] windows(Instant at) {
    for (CalendarWindow[] recent : recentWindows) {
      if (recent != null && !at.isBefore(recent[0].start()) && at.isBefore(recent[0].end())) {
        return recent;
      }
    }
    CalendarWindow[] windows = new CalendarWindow[SubjectBuckets.PERIODS.size()];
    for (int p = 0; p < windows.length; p++) {
      windows[p] = CalendarWindow.containing(SubjectBuckets.PERIODS.get(p), at, config.zone());
    }
    recentWindows[nextRecent] = windows;
    nextRecent = (nextRecent + 1) % recentWindows.length;
    return windows;
  }

  /** The finest of an event's windows still within its period's retention, or null when none is. */
  CalendarWindow finestLive(CalendarWindow[] windows, Instant now) {
    for (CalendarWindow window : windows) {
      if (window != null && !expired(window, now)) {
        return window;
      }
    }
    return null;
  }

  /**
   * The windows a sum of {@code period}'s window starting at {@code start} adds to: that one and
   * the coarser ones; null for the finer periods, whose windows the sum does not tell apart.
   */
  CalendarWindow[] windowsFrom(Period period, Instant start) {
    CalendarWindow[] windows = windows(start).clone();
    for (int p = 0; p < SubjectBuckets.index(period); p++) {
      windows[p] = null;
    }
    return windows;
  }

  /** Whether a window is past its period's retention at {@code now}: its bucket is gone, and no update goes to it. */
  boolean expired(CalendarWindow window, Instant now) {
    long nowMillis = now.toEpochMilli();
    if (nowMillis != cutoffsAt) {
      for (int p = 0; p < cutoffs.length; p++) {
        cutoffs[p] = nowMillis - config.retention().get(SubjectBuckets.PERIODS.get(p)).toMillis();
      }
      cutoffsAt = nowMillis;
    }
    return window.end().toEpochMilli() < cutoffs[SubjectBuckets.index(window.period())];
  }

  /** The subject's entry as this commit will write it: held since the subject was first touched, or read, or new. */
  SubjectBuckets entry(Subject subject) {
    String key = subject.toString();
    SubjectBuckets entry = pending.get(key);
    if (entry == null) {
      SubjectBuckets stored = entries.get(key);
      entry = stored == null ? new SubjectBuckets() : stored;
      pending.put(key, entry);
    }
    return entry;
  }

  /** The entry held for the next commit, or null: what the purge must change instead of the stored one. */
  SubjectBuckets pendingEntry(String subjectKey) {
    return pending.get(subjectKey);
  }

  /** Whether the entries or history buckets held make a commit due before the interval ends. */
  boolean full() {
    return pending.size() >= MAX_PENDING || pendingHistory.size() >= MAX_PENDING_HISTORY;
  }

  /** A history bucket to write at the next flush, and whether it is to be published then. */
  private record HistoryUpdate(Subject subject, CalendarWindow window, Totals totals, boolean publish) {}

  /** The first total that adding {@code totals} to the subject's windows would overflow, or null. */
  String overflow(Subject subject, SubjectBuckets entry, CalendarWindow[] windows, Instant now, Totals totals) {
    for (int p = 0; p < windows.length; p++) {
      if (windows[p] == null || expired(windows[p], now)) {
        continue;
      }
      long start = windows[p].start().toEpochMilli();
      Totals current = entry.holds(p, start) ? entry.get(p, start)
          : historical(BucketKey.of(subject, windows[p].period(), windows[p].start()));
      String overflow = current == null ? null : current.overflowOnAdd(totals);
      if (overflow != null) {
        return "the " + windows[p].period().name().toLowerCase(Locale.ROOT) + " bucket of " + subject + " from "
            + windows[p].start() + ": " + overflow;
      }
    }
    return null;
  }

  /**
   * Adds {@code totals} to every window of the subject still within its period's retention (a
   * null window, of a period finer than a sum's, counts as past it). Call {@link #overflow}
   * first: this throws rather than wraps.
   *
   * <p>A window pushed out of the entry goes to the history store at the next flush, published
   * then if it changed since its last publication. A window older than the entry keeps is added
   * to in the history store, held like an entry until the flush: a replay, or every task's sums
   * of a shared subject's minute that the entry has moved past, cost one write and one
   * publication per bucket and commit.
   *
   * @param requests how many calls the totals hold, for the metric of updates past retention
   */
  void add(Subject subject, SubjectBuckets entry, CalendarWindow[] windows, Instant now, Totals totals, long requests) {
    for (int p = 0; p < windows.length; p++) {
      CalendarWindow window = windows[p];
      if (window == null || expired(window, now)) {
        // Already purged: the longer periods still count the events (an event past every
        // period's retention never gets here, it went to tokens.late).
        expiredUpdates[p].increment(requests);
        continue;
      }
      long start = window.start().toEpochMilli();
      if (entry.holds(p, start)) {
        SubjectBuckets.Window pushedOut = entry.add(p, start, totals);
        if (pushedOut != null) {
          CalendarWindow old = window(window.period(), pushedOut.start());
          // Past its retention it is simply gone (the purge would have dropped it).
          if (!expired(old, now)) {
            pendingHistory.put(BucketKey.of(subject, window.period(), old.start()),
                new HistoryUpdate(subject, old, pushedOut.totals(), pushedOut.changed()));
          }
        }
      } else {
        BucketKey key = BucketKey.of(subject, window.period(), window.start());
        Totals older = historical(key);
        older = older == null ? new Totals() : older;
        older.add(totals);
        pendingHistory.put(key, new HistoryUpdate(subject, window, older, true));
      }
    }
  }

  /**
   * Writes every entry touched since the last flush, once, and publishes each window that
   * changed; an entry the purge emptied is deleted; then the history buckets held, but those
   * that expired meanwhile (the purge has passed them). Runs before each commit.
   */
  void flush(Instant now) {
    pending.forEach((key, entry) -> {
      if (entry.isEmpty()) {
        entries.delete(key);
        return;
      }
      entries.put(key, entry);
      Subject subject = null;
      for (SubjectBuckets.Window changed : entry.takeChanged()) {
        subject = subject == null ? Subject.parse(key) : subject;
        CalendarWindow window = window(SubjectBuckets.PERIODS.get(changed.period()), changed.start());
        publication.publish(subject, window, changed.totals().toAggregate(subject, window, config.zone()));
      }
    });
    pending.clear();
    pendingHistory.forEach((key, update) -> {
      if (!expired(update.window(), now)) {
        UsageAggregate bucket = update.totals().toAggregate(update.subject(), update.window(), config.zone());
        history.put(key, bucket);
        if (update.publish()) {
          publication.publish(update.subject(), update.window(), bucket);
        }
      }
    });
    pendingHistory.clear();
  }

  /** A history bucket's totals as the next flush will write them, or null when it has none. */
  private Totals historical(BucketKey key) {
    HistoryUpdate held = pendingHistory.get(key);
    if (held != null) {
      return held.totals();
    }
    UsageAggregate bucket = history.get(key);
    return bucket == null ? null : Totals.of(bucket);
  }

  /** The calendar window of {@code period} starting at {@code start}. */
  CalendarWindow window(Period period, long start) {
    Map<Long, CalendarWindow> known = windowsByStart.get(SubjectBuckets.index(period));
    CalendarWindow window = known.get(start);
    if (window == null) {
      if (known.size() >= 4_096) {
        known.clear(); // a replay across months: start over rather than grow
      }
      window = CalendarWindow.containing(period, Instant.ofEpochMilli(start), config.zone());
      known.put(start, window);
    }
    return window;
  }
}
