package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PerfToolOutputTest {

  @Test
  void shouldReadTheProducerSummaryNotAProgressLine() {
    String output = """
        2470315 records sent, 494063.0 records/sec (94.23 MB/sec), 31.2 ms avg latency, 412.0 ms max latency.
        2000000 records sent, 512345.678901 records/sec (97.72 MB/sec), 12.34 ms avg latency, 456.00 ms max latency, \
        5 ms 50th, 20 ms 95th, 30 ms 99th, 40 ms 99.9th.
        """;

    Rate rate = PerfToolOutput.producer(output);

    assertThat(rate.records()).isEqualTo(2_000_000);
    assertThat(rate.recordsPerSecond()).isEqualTo(512_345.678901);
    assertThat(rate.seconds()).isCloseTo(3.9036, within(0.001));
  }

  @Test
  void shouldReadTheConsumerSummaryByColumnName() {
    String output = """
        [2026-11-22 10:00:00,000] WARN something the tool logged (org.apache.kafka.clients.NetworkClient)
        start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, \
        fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        2026-11-22 10:00:01:123, 2026-11-22 10:00:03:123, 572.2046, 286.1023, 3000000, 1500000.0000, 312, 1688, \
        338.9838, 1777251.1848
        """;

    Rate rate = PerfToolOutput.consumer(output);

    assertThat(rate.records()).isEqualTo(3_000_000);
    assertThat(rate.recordsPerSecond()).isEqualTo(1_500_000.0);
    assertThat(rate.seconds()).isEqualTo(2.0);
  }

  @Test
  void shouldFailWithTheOutputWhenThereIsNoSummary() {
    assertThatThrownBy(() -> PerfToolOutput.producer("org.apache.kafka.common.errors.TimeoutException: boom"))
        .hasMessageContaining("no summary line").hasMessageContaining("boom");
    assertThatThrownBy(() -> PerfToolOutput.consumer("start.time, end.time, nMsg.sec\n"))
        .hasMessageContaining("no summary line");
  }
}
