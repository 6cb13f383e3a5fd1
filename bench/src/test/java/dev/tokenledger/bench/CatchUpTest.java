package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.bench.CatchUp.Verdict;
import org.junit.jupiter.api.Test;

class CatchUpTest {

  @Test
  void shouldBeCaughtUpAtTheEndOrOnAnEmptyPartition() {
    assertThat(CatchUp.verdict(1_000L, 1_000)).isEqualTo(Verdict.CAUGHT_UP);
    assertThat(CatchUp.verdict(null, 0)).isEqualTo(Verdict.CAUGHT_UP);
  }

  @Test
  void shouldProbeOnlyTheFewLastOffsetsThatMayBeTransactionMarkers() {
    assertThat(CatchUp.verdict(999L, 1_000)).isEqualTo(Verdict.PROBE);
    assertThat(CatchUp.verdict(1_000 - CatchUp.MAX_MARKERS, 1_000)).isEqualTo(Verdict.PROBE);
    assertThat(CatchUp.verdict(999L - CatchUp.MAX_MARKERS, 1_000)).isEqualTo(Verdict.BEHIND);
  }

  @Test
  void shouldBeBehindWithoutACommittedOffsetOnAPartitionWithRecords() {
    assertThat(CatchUp.verdict(null, 1)).isEqualTo(Verdict.BEHIND);
  }
}
