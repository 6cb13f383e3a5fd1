package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * What a restore after a crash between two combine intervals finds (every pending event, summed
 * again), and what Kafka Streams' reuse of one instance across suspend/resume and a revived task
 * must find: each pending event counted once.
 */
class DeltaProcessorTest {

  private final AggregatorConfig config = AggregatorConfig.from(Settings.of("/aggregator-app.properties", Map.of()));
  private final MockProcessorContext<String, UsageAggregate> context = new MockProcessorContext<>();

  {
    context.setCurrentSystemTimeMs(Instant.parse("2026-12-01T10:00:06Z").toEpochMilli());
  }
  private final KeyValueStore<Integer, byte[]> pendingEvents = store(
      Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DeltaProcessor.PENDING_STORE), Serdes.Integer(),
          Serdes.ByteArray()).withLoggingDisabled().build());

  private <S extends KeyValueStore<?, ?>> S store(S store) {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    return store;
  }

  private DeltaProcessor processor() {
    DeltaProcessor processor = new DeltaProcessor(AvroSerdes.tokensConsumed(), config);
    processor.init(context);
    return processor;
  }

  private static TokensConsumed event(String eventId, String userId, long inputTokens, long costNanos) {
    return TokensConsumed.newBuilder().setEventId(eventId).setOccurredAt(Instant.parse("2026-12-01T10:00:05Z"))
        .setUserId(userId).setService("chat-api").setProvider("openai").setModel("gpt-4o")
        .setInputTokens(inputTokens).setOutputTokens(10).setCostNanos(costNanos)
        .setTokenSource(TokenSource.REPORTED).build();
  }

  private static void send(DeltaProcessor processor, TokensConsumed event) {
    processor.process(new Record<>(event.getUserId(),
        new Intake.Accepted(event, AvroSerdes.tokensConsumed().encode(event),
            Optional.of(Pricing.Cost.ofNanos(event.getCostNanos())), null), 0L));
  }

  private void punctuate() {
    context.scheduledPunctuators().get(context.scheduledPunctuators().size() - 1).getPunctuator().punctuate(0L);
  }

  private List<UsageAggregate> published(String subject) {
    return context.forwarded().stream().map(f -> f.record()).filter(r -> r.key().equals(subject))
        .map(r -> (UsageAggregate) r.value()).toList();
  }

  @Test
  void shouldSumTheEventsOfAnUnpublishedIntervalAgainAfterARestore() {
    DeltaProcessor crashed = processor();
    send(crashed, event("e1", "alice", 100, 7));
    send(crashed, event("e2", "alice", 200, 11));
    send(crashed, event("e3", "bob", 400, 13));
    assertThat(context.forwarded()).isEmpty();

    // The instance dies before the interval ends; its replacement restores the same store.
    processor();
    punctuate();

    UsageAggregate all = published("all:_").get(0);
    assertThat(all.getPeriod()).isEqualTo(Period.MINUTE);
    assertThat(all.getRequests()).isEqualTo(3);
    assertThat(all.getInputTokens()).isEqualTo(700);
    assertThat(all.getCostNanos()).isEqualTo(31);
    assertThat(published("user:alice")).extracting(UsageAggregate::getRequests).containsExactly(2L);
    assertThat(published("user:bob")).extracting(UsageAggregate::getRequests).containsExactly(1L);
  }

  @Test
  void shouldNotSumAPublishedIntervalAgainAfterARestore() {
    DeltaProcessor first = processor();
    send(first, event("e1", "alice", 100, 7));
    send(first, event("e2", "alice", 200, 11));
    punctuate();
    send(first, event("e3", "alice", 400, 13));
    context.resetForwards();

    processor();
    punctuate();

    // Only e3 was pending: e1 and e2 went out with the first interval.
    assertThat(published("user:alice")).extracting(UsageAggregate::getInputTokens).containsExactly(400L);
  }

  @Test
  void shouldCountEachPendingEventOnceWhenKafkaStreamsInitializesTheSameInstanceAgain() {
    // A suspended and resumed task, or one revived after a TaskCorruptedException, gets close()
    // and then init() on the very processor instances it had (KAFKA-NOTES).
    DeltaProcessor reused = processor();
    send(reused, event("e1", "alice", 100, 7));
    send(reused, event("e2", "alice", 200, 11));
    send(reused, event("e3", "bob", 400, 13));

    reused.close();
    reused.init(context);
    punctuate();

    assertThat(published("all:_")).extracting(UsageAggregate::getRequests).containsExactly(3L);
    assertThat(published("user:alice")).extracting(UsageAggregate::getInputTokens).containsExactly(300L);
  }

  @Test
  void shouldGoOnCountingInTheSameEpochAfterInitRunsAgain() {
    DeltaProcessor reused = processor();
    send(reused, event("e1", "alice", 100, 7));
    reused.close();
    reused.init(context);
    send(reused, event("e2", "alice", 200, 11));

    // A restore now must find e1 and e2 in their own slots, not e2 written over e1.
    processor();
    punctuate();

    assertThat(published("user:alice")).extracting(UsageAggregate::getInputTokens).containsExactly(300L);
  }

  @Test
  void shouldPublishTheSumsEarlyRatherThanLetOneOverflow() {
    DeltaProcessor processor = processor();
    long maxCost = EventRules.MAX_COST_NANOS;
    // Each event costs the most one call may; 9,223 of them overflow a long of nano-USD.
    int events = (int) (Long.MAX_VALUE / maxCost) + 2;
    for (int i = 0; i < events; i++) {
      send(processor, event("e" + i, "alice", 100, maxCost));
    }
    punctuate();

    List<UsageAggregate> sums = published("user:alice");
    assertThat(sums).hasSizeGreaterThan(1);
    assertThat(sums.stream().mapToLong(UsageAggregate::getRequests).sum()).isEqualTo(events);
    assertThat(sums).allSatisfy(sum -> assertThat(sum.getCostNanos()).isPositive());
  }
}
