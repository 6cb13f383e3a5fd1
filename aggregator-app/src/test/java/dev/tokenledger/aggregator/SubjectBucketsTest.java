package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.avro.Period;
import java.time.Instant;
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
      assertThat(buckets.open(MINUTE, T0 + minute * 60_000L)).isNull();
    }

    SubjectBuckets.Window pushedOut = buckets.open(MINUTE, T0 + SubjectBuckets.KEPT * 60_000L);

    assertThat(pushedOut.start()).isEqualTo(T0);
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
    buckets.open(MINUTE, T0 + 120_000L);
    buckets.open(MINUTE, T0);
    buckets.open(MINUTE, T0 + 60_000L);

    assertThat(buckets.windows()).extracting(SubjectBuckets.Window::start)
        .containsExactly(T0 + 120_000L, T0 + 60_000L, T0);
  }

  @Test
  void shouldRoundTripEveryWindowExactlyInFewBytes() {
    SubjectBuckets buckets = new SubjectBuckets();
    for (Period period : SubjectBuckets.PERIODS) {
      int p = SubjectBuckets.index(period);
      buckets.open(p, T0);
      buckets.get(p, T0).add(calls(3, EventRules.MAX_COST_NANOS));
    }

    byte[] bytes = SubjectBuckets.SERDE.serializer().serialize("t", buckets);
    SubjectBuckets back = SubjectBuckets.SERDE.deserializer().deserialize("t", bytes);

    for (Period period : SubjectBuckets.PERIODS) {
      assertThat(back.get(SubjectBuckets.index(period), T0).sameAs(buckets.get(SubjectBuckets.index(period), T0))).isTrue();
    }
    // Zig-zag varints: four windows of small counts, not 4 × 18 longs of 8 bytes.
    assertThat(bytes.length).isLessThan(200);
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
    buckets.open(MINUTE, T0);
    buckets.open(MINUTE, T0 + 60_000L);

    assertThat(buckets.dropStartingBefore(MINUTE, T0 + 60_000L)).isEqualTo(1);
    assertThat(buckets.windows()).extracting(SubjectBuckets.Window::start).containsExactly(T0 + 60_000L);
    assertThat(buckets.dropStartingBefore(MINUTE, T0 + 120_000L)).isEqualTo(1);
    assertThat(buckets.isEmpty()).isTrue();
  }
}
