package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.avro.Period;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.io.BinaryData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One subject's latest buckets of every period, in one store entry: an event adds to its minute,
 * hour, day and month in memory, and the entry is written once per commit however many events
 * touched it ({@link BucketWriter}). It keeps the {@value #KEPT} newest windows of each period (a
 * minute or two of jitter lands in the previous window, not in the history store); a window pushed
 * out goes to the history store, where queries find it and late events add to it. It remembers
 * which windows changed since they were last published (not stored).
 *
 * <p>The serde is compact: each number a zig-zag varint, so a day of small counts takes a few
 * bytes, not eight (the entry is written to its changelog on every commit it changed in).
 */
final class SubjectBuckets {

  /** Windows kept per period, newest first. */
  static final int KEPT = 3;
  static final List<Period> PERIODS = AggregatorConfig.PERIODS;
  private static final byte FORMAT = 2;
  private static final byte FORMAT_BEFORE_MODALITIES = 1;

  public static final Serde<SubjectBuckets> SERDE = Serdes.serdeFrom(new BucketsSerializer(), new BucketsDeserializer());

  /** A window of a period, its totals, and whether they changed since they were last published. */
  record Window(int period, long start, Totals totals, boolean changed) {}

  private final long[][] starts = new long[PERIODS.size()][KEPT];
  private final Totals[][] totals = new Totals[PERIODS.size()][KEPT];
  private final boolean[][] changed = new boolean[PERIODS.size()][KEPT];
  private final int[] count = new int[PERIODS.size()];

  /** Each period's place in {@link #PERIODS}, by ordinal (-1: not kept). */
  private static final int[] INDEX = new int[Period.values().length];

  static {
    for (Period period : Period.values()) {
      INDEX[period.ordinal()] = PERIODS.indexOf(period);
    }
  }

  static int index(Period period) {
    return INDEX[period.ordinal()];
  }

  /** The totals of {@code period}'s window starting at {@code start}, or null when this entry does not hold it. */
  Totals get(int period, long start) {
    int at = indexOf(period, start);
    return at < 0 ? null : totals[period][at];
  }

  /** Whether the window belongs here: held, or newer than the oldest held, or there is room. */
  boolean holds(int period, long start) {
    return count[period] < KEPT || get(period, start) != null || start > starts[period][count[period] - 1];
  }

  /**
   * Adds {@code more} to the window, opened (empty) unless held, and marks it changed; returns the
   * oldest window it pushed out to make room, or null. Only for a window this entry {@link
   * #holds}; check {@link Totals#overflowOnAdd} first, as this throws rather than wraps.
   */
  Window add(int period, long start, Totals more) {
    Window pushedOut = null;
    int at = indexOf(period, start);
    if (at < 0) {
      if (count[period] == KEPT) {
        int oldest = KEPT - 1;
        pushedOut = new Window(period, starts[period][oldest], totals[period][oldest], changed[period][oldest]);
        count[period]--;
      }
      // Newest first: shift the older ones down.
      at = 0;
      while (at < count[period] && starts[period][at] > start) {
        at++;
      }
      for (int i = count[period]; i > at; i--) {
        starts[period][i] = starts[period][i - 1];
        totals[period][i] = totals[period][i - 1];
        changed[period][i] = changed[period][i - 1];
      }
      starts[period][at] = start;
      totals[period][at] = new Totals();
      count[period]++;
    }
    totals[period][at].add(more);
    changed[period][at] = true;
    return pushedOut;
  }

  private int indexOf(int period, long start) {
    for (int i = 0; i < count[period]; i++) {
      if (starts[period][i] == start) {
        return i;
      }
    }
    return -1;
  }

  /** The windows that changed since the last call, newest first within each period; they count as published. */
  List<Window> takeChanged() {
    List<Window> taken = new ArrayList<>();
    for (int p = 0; p < PERIODS.size(); p++) {
      for (int i = 0; i < count[p]; i++) {
        if (changed[p][i]) {
          taken.add(new Window(p, starts[p][i], totals[p][i], true));
          changed[p][i] = false;
        }
      }
    }
    return taken;
  }

  /** Drops the windows of {@code period} that start before {@code start}; the starts of those it dropped. */
  List<Long> dropStartingBefore(int period, long start) {
    List<Long> dropped = new ArrayList<>(0);
    int kept = 0;
    for (int i = 0; i < count[period]; i++) {
      if (starts[period][i] >= start) {
        starts[period][kept] = starts[period][i];
        totals[period][kept] = totals[period][i];
        changed[period][kept] = changed[period][i];
        kept++;
      } else {
        dropped.add(starts[period][i]);
      }
    }
    for (int i = kept; i < count[period]; i++) {
      totals[period][i] = null;
      changed[period][i] = false;
    }
    count[period] = kept;
    return dropped;
  }

  boolean isEmpty() {
    for (int c : count) {
      if (c > 0) {
        return false;
      }
    }
    return true;
  }

  /** Every window held, for a query or a flush, newest first within each period. */
  List<Window> windows() {
    List<Window> all = new ArrayList<>(KEPT * PERIODS.size());
    for (int p = 0; p < PERIODS.size(); p++) {
      for (int i = 0; i < count[p]; i++) {
        all.add(new Window(p, starts[p][i], totals[p][i], changed[p][i]));
      }
    }
    return all;
  }

  /** The most bytes an entry takes: a zig-zag varint is at most 10 bytes. */
  private static final int MAX_BYTES = 1 + PERIODS.size() * (5 + KEPT * (1 + Totals.FIELDS) * 10);

  private static final class BucketsSerializer implements Serializer<SubjectBuckets> {
    @Override
    public byte[] serialize(String topic, SubjectBuckets buckets) {
      if (buckets == null) {
        return null;
      }
      byte[] out = new byte[MAX_BYTES];
      int at = 0;
      out[at++] = FORMAT;
      for (int p = 0; p < PERIODS.size(); p++) {
        at += BinaryData.encodeInt(buckets.count[p], out, at);
        for (int i = 0; i < buckets.count[p]; i++) {
          at += BinaryData.encodeLong(buckets.starts[p][i], out, at);
          for (long value : buckets.totals[p][i].values) {
            at += BinaryData.encodeLong(value, out, at);
          }
        }
      }
      return Arrays.copyOf(out, at);
    }
  }

  private static final class BucketsDeserializer implements Deserializer<SubjectBuckets> {
    @Override
    public SubjectBuckets deserialize(String topic, byte[] bytes) {
      if (bytes == null) {
        return null;
      }
      if (bytes.length == 0 || (bytes[0] != FORMAT && bytes[0] != FORMAT_BEFORE_MODALITIES)) {
        throw new SerializationException("not a subject's buckets of format " + FORMAT_BEFORE_MODALITIES + " or "
            + FORMAT);
      }
      // Format 1 buckets, written before modalities and tiers, hold the first fields; the rest are 0.
      int stored = bytes[0] == FORMAT ? Totals.FIELDS : Totals.FIELDS_BEFORE_MODALITIES;
      try {
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
        SubjectBuckets buckets = new SubjectBuckets();
        for (int p = 0; p < PERIODS.size(); p++) {
          int windows = in.readInt();
          if (windows < 0 || windows > KEPT) {
            throw new SerializationException("a subject's buckets hold at most " + KEPT + " windows a period (got "
                + windows + ")");
          }
          buckets.count[p] = windows;
          for (int w = 0; w < windows; w++) {
            buckets.starts[p][w] = in.readLong();
            long[] values = new long[Totals.FIELDS];
            for (int f = 0; f < stored; f++) {
              values[f] = in.readLong();
            }
            buckets.totals[p][w] = Totals.of(values);
          }
        }
        return buckets;
      } catch (IOException e) {
        throw new SerializationException("a subject's buckets cut short", e);
      }
    }
  }
}
