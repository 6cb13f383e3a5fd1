package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class QueryLatencyRecorderTest {

  @Test
  void shouldTakeTheNearestRankPercentile() {
    long[] hundred = LongStream.rangeClosed(1, 100).toArray();

    assertThat(QueryLatencyRecorder.percentile(hundred, 50)).isEqualTo(50);
    assertThat(QueryLatencyRecorder.percentile(hundred, 99)).isEqualTo(99);
    assertThat(QueryLatencyRecorder.percentile(hundred, 100)).isEqualTo(100);
    assertThat(QueryLatencyRecorder.percentile(new long[] {7, 8, 9}, 50)).isEqualTo(8);
    // 99 % of 3 values: the rank rounds up to the last one, not down to the second.
    assertThat(QueryLatencyRecorder.percentile(new long[] {7, 8, 9}, 99)).isEqualTo(9);
    assertThat(QueryLatencyRecorder.percentile(new long[] {5}, 50)).isEqualTo(5);
    assertThat(QueryLatencyRecorder.percentile(new long[0], 99)).isZero();
  }

  @Test
  void shouldSummarizeOkAnswersInMillisAndCountTheOthersByAnswer() {
    QueryLatencyRecorder recorder = new QueryLatencyRecorder();
    // Recorded out of order and past the first array: 1..2000 ms,.
    for (long ms = 2_000; ms >= 1; ms--) {
      recorder.ok(ms * 1_000_000);
    }
    recorder.failed("503");
    recorder.failed("503");
    recorder.failed("timeout");

    QueryLatencyRecorder.Summary summary = recorder.summary();

    assertThat(summary.count()).isEqualTo(2_000);
    assertThat(summary.p50Millis()).isEqualTo(1_000.0);
    assertThat(summary.p99Millis()).isEqualTo(1_980.0);
    assertThat(summary.maxMillis()).isEqualTo(2_000.0);
    assertThat(summary.failures()).containsExactly(Map.entry("503", 2L), Map.entry("timeout", 1L));
    assertThat(summary.failed()).isEqualTo(3);
  }

  @Test
  void shouldSummarizeNothingAsZeros() {
    QueryLatencyRecorder.Summary summary = new QueryLatencyRecorder().summary();

    assertThat(summary.count()).isZero();
    assertThat(summary.p99Millis()).isZero();
    assertThat(summary.failures()).isEmpty();
  }
}
