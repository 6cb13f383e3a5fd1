package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.avro.Period;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SubjectBucketsTest {

  private static final int MINUTE = SubjectBuckets.index(Period.MINUTE);
  private static final long T0 = Instant.parse("2026-12-07T10:00:00Z").toEpochMilli();

  private static Totals calls(long requests, long costNanos) {
    Totals totals = new Totals();
    totals.values[Totals.REQUESTS] = requests;
    totals.values[Totals.COST_NANOS] = costNanos;
    totals.values[Totals.LAST_EVENT_AT] = T0;
    return totals;
  }

  @Test
  void shouldKeepTheNewestWindowsAndPushOutTheOldest() {
    SubjectBuckets buckets = new SubjectBuckets();
    for (int minute = 0; minute < SubjectBuckets.KEPT; minute++) {
      assertThat(buckets.add(MINUTE, T0 + minute * 60_000L, calls(1, 10))).isNull();
    }

    SubjectBuckets.Window pushedOut = buckets.add(MINUTE, T0 + SubjectBuckets.KEPT * 60_000L, calls(1, 10));

    assertThat(pushedOut.start()).isEqualTo(T0);
    assertThat(pushedOut.totals().get(Totals.REQUESTS)).isEqualTo(1);
    assertThat(pushedOut.changed()).isTrue();
    assertThat(buckets.get(MINUTE, T0)).isNull();
    // A window older than every one kept is not this entry's: it belongs in the history store.
    assertThat(buckets.holds(MINUTE, T0)).isFalse();
    assertThat(buckets.holds(MINUTE, T0 + 60_000L)).isTrue();
    assertThat(buckets.windows()).extracting(SubjectBuckets.Window::start)
        .containsExactly(T0 + 180_000L, T0 + 120_000L, T0 + 60_000L);
  }

  @Test
  void shouldOpenALateWindowInItsPlaceAmongTheNewer() {
    SubjectBuckets buckets = new SubjectBuckets();
    buckets.add(MINUTE, T0 + 120_000L, calls(1, 10));
    buckets.add(MINUTE, T0, calls(1, 10));
    buckets.add(MINUTE, T0 + 60_000L, calls(1, 10));

    assertThat(buckets.windows()).extracting(SubjectBuckets.Window::start)
        .containsExactly(T0 + 120_000L, T0 + 60_000L, T0);
  }

  @Test
  void shouldHandOverEachChangedWindowOnceWithItsLatestTotals() {
    SubjectBuckets buckets = new SubjectBuckets();
    buckets.add(MINUTE, T0, calls(1, 10));
    buckets.add(MINUTE, T0, calls(2, 5));
    buckets.add(SubjectBuckets.index(Period.DAY), T0, calls(3, 15));

    assertThat(buckets.takeChanged()).extracting(w -> w.totals().get(Totals.REQUESTS)).containsExactly(3L, 3L);
    assertThat(buckets.takeChanged()).isEmpty();

    buckets.add(MINUTE, T0 + 60_000L, calls(1, 1));
    assertThat(buckets.takeChanged()).singleElement()
        .satisfies(w -> assertThat(w.start()).isEqualTo(T0 + 60_000L));
    // A window pushed out unchanged since it was handed over need not be published again.
    buckets.add(MINUTE, T0 + 120_000L, calls(1, 1));
    assertThat(buckets.add(MINUTE, T0 + 180_000L, calls(1, 1)).changed()).isFalse();
  }

  @Test
  void shouldRoundTripEveryWindowExactlyInFewBytes() {
    SubjectBuckets buckets = new SubjectBuckets();
    for (Period period : SubjectBuckets.PERIODS) {
      int p = SubjectBuckets.index(period);
      buckets.add(p, T0, calls(3, EventRules.MAX_COST_NANOS));
    }

    byte[] bytes = SubjectBuckets.SERDE.serializer().serialize("t", buckets);
    SubjectBuckets back = SubjectBuckets.SERDE.deserializer().deserialize("t", bytes);

    for (Period period : SubjectBuckets.PERIODS) {
      assertThat(back.get(SubjectBuckets.index(period), T0).values)
          .containsExactly(buckets.get(SubjectBuckets.index(period), T0).values);
    }
    // Zig-zag varints: four windows of small counts, not 4 × 18 longs of 8 bytes.
    assertThat(bytes.length).isLessThan(200);
  }

  @Test
  void shouldReadEntriesWrittenBeforeModalitiesAndTiersWithThoseAtZero() {
    // Format 1, as the previous release wrote it: per period a window count, then each window's
    // start and its first 17 totals.
    ByteArrayOutputStream format1 = new ByteArrayOutputStream();
    format1.write(1);
    BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(format1, null);
    try {
      for (Period period : SubjectBuckets.PERIODS) {
        out.writeInt(1);
        out.writeLong(T0);
        long[] old = calls(7, 42).values;
        for (int f = 0; f < Totals.FIELDS_BEFORE_MODALITIES; f++) {
          out.writeLong(old[f]);
        }
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }

    SubjectBuckets read = SubjectBuckets.SERDE.deserializer().deserialize("t", format1.toByteArray());

    Totals minute = read.get(MINUTE, T0);
    assertThat(minute.get(Totals.REQUESTS)).isEqualTo(7);
    assertThat(minute.get(Totals.COST_NANOS)).isEqualTo(42);
    assertThat(minute.get(Totals.LAST_EVENT_AT)).isEqualTo(T0);
    assertThat(minute.get(Totals.INPUT_AUDIO_TOKENS)).isZero();
    assertThat(minute.get(Totals.PRIORITY_REQUESTS)).isZero();
  }

  @Test
  void shouldRefuseBytesThatAreNotAnEntry() {
    assertThatThrownBy(() -> SubjectBuckets.SERDE.deserializer().deserialize("t", new byte[] {9, 1}))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> SubjectBuckets.SERDE.deserializer().deserialize("t", new byte[] {1, 2}))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void shouldDropWhatStartsBeforeTheCutoff() {
    SubjectBuckets buckets = new SubjectBuckets();
    buckets.add(MINUTE, T0, calls(1, 10));
    buckets.add(MINUTE, T0 + 60_000L, calls(1, 10));

    assertThat(buckets.dropStartingBefore(MINUTE, T0 + 60_000L)).containsExactly(T0);
    assertThat(buckets.windows()).extracting(SubjectBuckets.Window::start).containsExactly(T0 + 60_000L);
    assertThat(buckets.dropStartingBefore(MINUTE, T0 + 120_000L)).containsExactly(T0 + 60_000L);
    assertThat(buckets.isEmpty()).isTrue();
  }
}
