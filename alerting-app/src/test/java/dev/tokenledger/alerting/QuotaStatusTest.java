package dev.tokenledger.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.OnStale;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuotaStatusTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:30Z");
  private final QuotaStatus status = new QuotaStatus(ZoneId.of("UTC"));

  private static QuotaDefinition quota(String id, Period period, long limit, QuotaAction action) {
    return QuotaDefinition.newBuilder().setQuotaId(id).setSubject("user:alice").setMetric(QuotaMetric.TOKENS)
        .setPeriod(period).setLimit(limit).setThresholdsBasisPoints(List.of(8_000, 9_000, 10_000)).setAction(action)
        .setRule(QuotaRule.LIMIT).setUpdatedAt(NOW).build();
  }

  private static UsageAggregate bucket(Period period, String start, String end, long tokens) {
    return UsageAggregate.newBuilder().setDimension(Dimension.USER).setKey("alice").setPeriod(period).setZone("UTC")
        .setWindowStart(Instant.parse(start)).setWindowEnd(Instant.parse(end)).setInputTokens(tokens)
        .setLastEventAt(Instant.parse(start)).build();
  }

  /** The window-use store holding these buckets of alice's, as the alerting topology writes them. */
  private static java.util.function.Function<String, WindowUse> uses(java.util.Collection<UsageAggregate> buckets) {
    Map<String, WindowUse> byKey = new java.util.HashMap<>();
    buckets.forEach(b -> byKey.put(WindowUseStore.key("user:alice", b.getPeriod(), b.getWindowEnd()), WindowUse.of(b)));
    return byKey::get;
  }

  private List<QuotaStatus.Decision> admit(List<QuotaDefinition> quotas, Map<Period, UsageAggregate> latest, long tokens) {
    List<QuotaStatus.Standing> standings = status.standings("user:alice", quotas, NOW, uses(latest.values()));
    return status.admit(standings, List.of(), tokens, 0, NOW, Optional.of(NOW));
  }

  @Test
  void shouldDenyOnlyWhatABlockQuotaCannotTake() {
    List<QuotaDefinition> quotas = List.of(quota("daily", Period.DAY, 1_000, QuotaAction.BLOCK));
    Map<Period, UsageAggregate> latest = Map.of(Period.DAY, bucket(Period.DAY, "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z", 900));

    assertThat(admit(quotas, latest, 100).get(0).allowed()).isTrue();
    QuotaStatus.Decision denied = admit(quotas, latest, 101).get(0);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.reason()).isEqualTo(
        "would exceed the limit with 101 tokens more: 900 tokens used of 1,000 tokens this day, resets 2026-11-23T00:00:00Z");
  }

  @Test
  void shouldAllowAgainOnceTheWindowHasRolledOver() {
    List<QuotaDefinition> quotas = List.of(quota("daily", Period.DAY, 1_000, QuotaAction.BLOCK));
    Map<Period, UsageAggregate> yesterday = Map.of(Period.DAY,
        bucket(Period.DAY, "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", 5_000));

    QuotaStatus.Decision decision = admit(quotas, yesterday, 500).get(0);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.used()).isZero();
  }

  @Test
  void shouldLetAThrottleQuotaAllowWithTheTimeUntilItResets() {
    List<QuotaDefinition> quotas = List.of(quota("burst", Period.MINUTE, 500, QuotaAction.THROTTLE));
    Map<Period, UsageAggregate> latest = Map.of(Period.MINUTE,
        bucket(Period.MINUTE, "2026-11-22T10:00:00Z", "2026-11-22T10:01:00Z", 600));

    QuotaStatus.Decision decision = admit(quotas, latest, 10).get(0);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.retryAfterMs()).contains(30_000L);
    assertThat(decision.reason()).startsWith("limit reached");
  }

  @Test
  void shouldGradeTheStandingOfEachQuota() {
    List<QuotaDefinition> quotas = List.of(quota("daily", Period.DAY, 1_000, QuotaAction.WARN));
    for (long[] usedAndState : new long[][] {{799, 0}, {800, 1}, {900, 2}, {1_000, 3}}) {
      List<QuotaStatus.Standing> standings = status.standings("user:alice", quotas, NOW,
          uses(List.of(bucket(Period.DAY, "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z", usedAndState[0]))));
      assertThat(standings.get(0).state())
          .isEqualTo(List.of("ok", "warning", "critical", "exceeded").get((int) usedAndState[1]));
    }
  }

  private List<QuotaStatus.Decision> admitAsOf(QuotaDefinition quota, Optional<Instant> asOf, long used) {
    List<QuotaStatus.Standing> standings = status.standings("user:alice", List.of(quota), NOW,
        uses(List.of(bucket(Period.DAY, "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z", used))));
    return status.admit(standings, List.of(), 10, 0, NOW, asOf);
  }

  @Test
  void shouldDenyOnStaleTotalsWhenTheQuotaFailsClosed() {
    QuotaDefinition failClosed = QuotaDefinition.newBuilder(quota("daily", Period.DAY, 1_000, QuotaAction.BLOCK))
        .setStaleAfterMs(30_000L).setOnStale(OnStale.DENY).build();

    QuotaStatus.Decision fresh = admitAsOf(failClosed, Optional.of(NOW.minusSeconds(10)), 0).get(0);
    QuotaStatus.Decision stale = admitAsOf(failClosed, Optional.of(NOW.minusSeconds(60)), 0).get(0);
    QuotaStatus.Decision unknown = admitAsOf(failClosed, Optional.empty(), 0).get(0);

    assertThat(fresh.allowed()).isTrue();
    assertThat(fresh.stale()).isFalse();
    assertThat(stale.allowed()).isFalse();
    assertThat(stale.stale()).isTrue();
    assertThat(stale.reason()).isEqualTo("totals as of 2026-11-22T09:59:30Z are 60000 ms old, past this quota's "
        + "staleAfter of 30s (onStale deny): denied");
    assertThat(unknown.allowed()).isFalse();
  }

  @Test
  void shouldDecideOnStaleTotalsAsUsualWhenTheQuotaFailsOpen() {
    QuotaDefinition failOpen = QuotaDefinition.newBuilder(quota("daily", Period.DAY, 1_000, QuotaAction.BLOCK))
        .setStaleAfterMs(30_000L).setOnStale(OnStale.ALLOW).build();

    QuotaStatus.Decision underLimit = admitAsOf(failOpen, Optional.of(NOW.minusSeconds(60)), 0).get(0);
    QuotaStatus.Decision overLimit = admitAsOf(failOpen, Optional.of(NOW.minusSeconds(60)), 1_000).get(0);

    assertThat(underLimit.allowed()).isTrue();
    assertThat(underLimit.stale()).isTrue();
    assertThat(overLimit.allowed()).isFalse();
  }
}
