package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AlertLatencyProbesTest {

  private static final long MS = 1_000_000;
  private static final long TIMEOUT = 30_000 * MS;

  @Test
  void shouldTakeTheNearestRankPercentile() {
    double[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};

    assertThat(AlertLatencyProbes.percentile(sorted, 50)).isEqualTo(50);
    assertThat(AlertLatencyProbes.percentile(sorted, 99)).isEqualTo(100);
    assertThat(AlertLatencyProbes.percentile(sorted, 10)).isEqualTo(10);
    assertThat(AlertLatencyProbes.percentile(sorted, 11)).isEqualTo(20);
    assertThat(AlertLatencyProbes.percentile(new double[] {7}, 99)).isEqualTo(7);
    assertThat(AlertLatencyProbes.percentile(new double[0], 50)).isNaN();
    assertThatThrownBy(() -> AlertLatencyProbes.percentile(sorted, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldMatchEachAlertToItsProbeBySubject() {
    AlertLatencyProbes probes = new AlertLatencyProbes();
    probes.sent("user:probe-000000", 1_000 * MS);
    probes.sent("user:probe-000001", 1_100 * MS);
    probes.acked("user:probe-000000", 1_010 * MS);
    probes.acked("user:probe-000001", 1_105 * MS);

    probes.alertRead("user:probe-000001", 1_400 * MS);
    probes.alertRead("user:probe-000000", 1_250 * MS);

    AlertLatencyProbes.Outcome outcome = probes.outcome(TIMEOUT);
    assertThat(outcome.sent()).isEqualTo(2);
    assertThat(outcome.matched()).isEqualTo(2);
    assertThat(outcome.unmatched()).isZero();
    assertThat(outcome.fromSendMillis()).containsExactly(250.0, 300.0);
    assertThat(outcome.fromAckMillis()).containsExactly(240.0, 295.0);
  }

  @Test
  void shouldKeepWarmUpProbesOutOfTheFiguresAndNameTheSlowest() {
    AlertLatencyProbes probes = new AlertLatencyProbes();
    probes.sent("user:probe-000000", 0, false);
    probes.sent("user:probe-000001", 1_000 * MS);
    probes.sent("user:probe-000002", 1_500 * MS);
    probes.alertRead("user:probe-000000", 3_000 * MS);
    probes.alertRead("user:probe-000001", 1_200 * MS);
    probes.alertRead("user:probe-000002", 2_100 * MS);

    AlertLatencyProbes.Outcome outcome = probes.outcome(TIMEOUT);

    assertThat(outcome.sent()).isEqualTo(2);
    assertThat(outcome.fromSendMillis()).containsExactly(200.0, 600.0);
    assertThat(outcome.warmupProbes()).isEqualTo(1);
    assertThat(outcome.warmupMaxMillis()).isEqualTo(3_000.0);
    assertThat(outcome.slowest()).containsExactly(new AlertLatencyProbes.Slow(0.5, 600.0),
        new AlertLatencyProbes.Slow(0.0, 200.0));
  }

  @Test
  void shouldCountRepeatedAlertsAndAlertsOfOtherSubjectsApart() {
    AlertLatencyProbes probes = new AlertLatencyProbes();
    probes.sent("user:probe-000000", 0);

    probes.alertRead("user:probe-000000", 200 * MS);
    probes.alertRead("user:probe-000000", 900 * MS);
    probes.alertRead("user:user-00001", 500 * MS);

    AlertLatencyProbes.Outcome outcome = probes.outcome(TIMEOUT);
    assertThat(outcome.matched()).isEqualTo(1);
    assertThat(outcome.fromSendMillis()).containsExactly(200.0);
    assertThat(outcome.repeatedAlerts()).isEqualTo(1);
    assertThat(outcome.otherAlerts()).isEqualTo(1);
  }

  @Test
  void shouldCountAProbeWithoutAnAlertInTimeAsUnmatched() {
    AlertLatencyProbes probes = new AlertLatencyProbes();
    probes.sent("user:probe-000000", 0);
    probes.sent("user:probe-000001", 0);
    probes.sent("user:probe-000002", 0);
    probes.alertRead("user:probe-000000", 100 * MS);
    probes.alertRead("user:probe-000001", TIMEOUT + MS);

    assertThat(probes.settled(TIMEOUT - 1, TIMEOUT)).isFalse();
    assertThat(probes.settled(TIMEOUT, TIMEOUT)).isTrue();
    AlertLatencyProbes.Outcome outcome = probes.outcome(TIMEOUT);
    assertThat(outcome.sent()).isEqualTo(3);
    assertThat(outcome.matched()).isEqualTo(1);
    assertThat(outcome.unmatched()).isEqualTo(2);
    assertThat(outcome.late()).isEqualTo(1);
    assertThat(outcome.fromSendMillis()).containsExactly(100.0);
  }

  @Test
  void shouldRefuseTheSameProbeTwice() {
    AlertLatencyProbes probes = new AlertLatencyProbes();
    probes.sent("user:probe-000000", 0);

    assertThatThrownBy(() -> probes.sent("user:probe-000000", 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldMakeAProbeCrossTheQuotaAloneAndNoBackgroundEventComeNear() {
    long limit = AlertLatencyCommand.quotaLimit(20_000, 100);
    TokensConsumed probe = AlertLatencyCommand.probe("probe-000007", limit, Instant.parse("2026-11-22T12:00:00Z"));

    assertThat(probe.getInputTokens() + probe.getOutputTokens()).isGreaterThan(limit);
    assertThat(probe.getUserId()).isEqualTo("probe-000007");
    // Every background event of the run at the generator's largest count, all by one user, stays below.
    assertThat(limit).isGreaterThanOrEqualTo(20_000L * 100 * 216_000 / 10);
    UsageEventGenerator generator = new UsageEventGenerator(42, 1, Instant.parse("2026-11-22T12:00:00Z"));
    for (int i = 0; i < 10_000; i++) {
      TokensConsumed event = generator.next();
      assertThat(event.getInputTokens() + event.getOutputTokens()).isLessThanOrEqualTo(216_000);
    }
  }
}
