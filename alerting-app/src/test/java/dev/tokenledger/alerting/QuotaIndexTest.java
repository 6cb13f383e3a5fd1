package dev.tokenledger.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QuotaIndexTest {

  private final QuotaIndex index = new QuotaIndex();

  private static QuotaDefinition quota(String id, String subject, Period period, QuotaRule rule) {
    return QuotaDefinition.newBuilder().setQuotaId(id).setSubject(subject).setMetric(QuotaMetric.TOKENS)
        .setPeriod(period).setLimit(1_000).setThresholdsBasisPoints(List.of(10_000)).setAction(QuotaAction.BLOCK)
        .setRule(rule).setUpdatedAt(Instant.EPOCH).build();
  }

  @Test
  void shouldBindASubjectsOwnQuotasAndTheDefaultsItDoesNotOverride() {
    index.put("every-user-daily", quota("every-user-daily", "user:*", Period.DAY, QuotaRule.LIMIT));
    index.put("every-user-monthly", quota("every-user-monthly", "user:*", Period.MONTH, QuotaRule.LIMIT));
    index.put("alice-daily", quota("alice-daily", "user:alice", Period.DAY, QuotaRule.LIMIT));
    index.put("alice-ceiling", quota("alice-ceiling", "user:alice", Period.DAY, QuotaRule.REQUEST));

    assertThat(index.binding("user:alice", QuotaRule.LIMIT)).extracting(QuotaDefinition::getQuotaId)
        .containsExactlyInAnyOrder("alice-daily", "every-user-monthly");
    assertThat(index.binding("user:bob", QuotaRule.LIMIT)).extracting(QuotaDefinition::getQuotaId)
        .containsExactlyInAnyOrder("every-user-daily", "every-user-monthly");
    assertThat(index.binding("user:alice", QuotaRule.REQUEST)).extracting(QuotaDefinition::getQuotaId)
        .containsExactly("alice-ceiling");
    assertThat(index.binding("tenant:acme", QuotaRule.LIMIT)).isEmpty();
  }

  @Test
  void shouldFollowAQuotaMovedToAnotherSubjectAndADeletedOne() {
    index.put("q", quota("q", "user:alice", Period.DAY, QuotaRule.LIMIT));
    index.put("q", quota("q", "user:bob", Period.DAY, QuotaRule.LIMIT));

    assertThat(index.binding("user:alice", QuotaRule.LIMIT)).isEmpty();
    assertThat(index.binding("user:bob", QuotaRule.LIMIT)).hasSize(1);
    assertThat(index.any(QuotaRule.LIMIT)).isTrue();

    index.delete("q");
    assertThat(index.binding("user:bob", QuotaRule.LIMIT)).isEmpty();
    assertThat(index.any(QuotaRule.LIMIT)).isFalse();
    index.delete("never-was"); // a tombstone for an unknown quota is nothing
  }

  @Test
  void shouldNeverShowAQuotaBeingEditedAsMissing() throws Exception {
    // The global thread re-puts the only per-request ceiling (an edit) while a stream thread reads.
    QuotaIndex index = new QuotaIndex();
    index.put("ceiling", quota("ceiling", "user:*", Period.DAY, QuotaRule.REQUEST));
    AtomicInteger missed = new AtomicInteger();
    Thread reader = new Thread(() -> {
      for (int i = 0; i < 2_000_000; i++) {
        if (!index.any(QuotaRule.REQUEST) || index.binding("user:alice", QuotaRule.REQUEST).isEmpty()) {
          missed.incrementAndGet();
        }
      }
    });
    reader.start();
    while (reader.isAlive()) {
      index.put("ceiling", quota("ceiling", "user:*", Period.DAY, QuotaRule.REQUEST));
      index.put("ceiling", quota("ceiling", "user:alice", Period.DAY, QuotaRule.REQUEST)); // moved to another subject
    }
    reader.join();

    assertThat(missed).hasValue(0);
  }

  @Test
  void shouldFindOneUsersQuotasAmongAHundredThousand() {
    for (int i = 0; i < 100_000; i++) {
      index.put("user-" + i, quota("user-" + i, "user:u" + i, Period.DAY, QuotaRule.LIMIT));
    }

    assertThat(index.binding("user:u77777", QuotaRule.LIMIT)).extracting(QuotaDefinition::getQuotaId)
        .containsExactly("user-77777");
  }
}
