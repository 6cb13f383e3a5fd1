package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageTopologyTest {

  private static final Instant NOW = Instant.parse("2026-12-01T00:02:00Z");

  @TempDir Path stateDir;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private AggregatorDriver aggregator;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<String, UsageAggregate> aggregates;
  private TestOutputTopic<byte[], byte[]> rejected;
  private TestOutputTopic<String, TokensConsumed> late;

  private void start(String zone) {
    start(zone, NOW);
  }

  private void start(String zone, Instant wallClock) {
    aggregator = new AggregatorDriver(stateDir, Map.of("tokenledger.zone", zone), wallClock, 1, registry);
    driver = aggregator.driver;
    input = aggregator.input;
    aggregates = aggregator.aggregates;
    rejected = aggregator.rejected;
    late = aggregator.late;
  }

  private static PriceVersion.Builder price(String effectiveFrom, long inputNanosPerMillion, long outputNanosPerMillion) {
    return AggregatorDriver.price(effectiveFrom, inputNanosPerMillion, outputNanosPerMillion);
  }

  private void catalogue(String provider, String model, Long contextWindow, PriceVersion... versions) {
    aggregator.catalogue(provider, model, contextWindow, versions);
  }

  private long dayCost(String user) {
    return bucket(Dimension.USER, user, Period.DAY, "2026-12-01T00:00:00Z").getCostNanos();
  }

  @AfterEach
  void close() {
    if (aggregator != null) {
      aggregator.close();
    }
  }

  private static TokensConsumed.Builder event(String eventId, String occurredAt) {
    return AggregatorDriver.event(eventId, occurredAt);
  }

  private void send(TokensConsumed event) {
    aggregator.send(event);
  }

  private UsageAggregate bucket(Dimension dimension, String key, Period period, String start) {
    return aggregator.bucket(dimension, key, period, start);
  }

  @Test
  void shouldCountTheLastSecondOfAMonthAndTheFirstOfTheNextInTheirOwnMonths() {
    start("UTC");

    send(event("e1", "2026-11-30T23:59:59Z").setInputTokens(1_000).setOutputTokens(200).build());
    send(event("e2", "2026-12-01T00:00:30Z").setInputTokens(70).setOutputTokens(30).build());

    UsageAggregate november = bucket(Dimension.USER, "alice", Period.MONTH, "2026-11-01T00:00:00Z");
    UsageAggregate december = bucket(Dimension.USER, "alice", Period.MONTH, "2026-12-01T00:00:00Z");
    assertThat(november.getRequests()).isEqualTo(1);
    assertThat(november.getInputTokens() + november.getOutputTokens()).isEqualTo(1_200);
    assertThat(november.getWindowEnd()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(december.getRequests()).isEqualTo(1);
    assertThat(december.getInputTokens() + december.getOutputTokens()).isEqualTo(100);
    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-11-30T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.USER, "alice", Period.HOUR, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.ALL, "_", Period.MONTH, "2026-11-01T00:00:00Z").getRequests()).isEqualTo(1);
  }

  @Test
  void shouldCountEveryDimension() {
    start("UTC");

    send(event("e1", "2026-12-01T00:01:00Z").setCostNanos(1_234_500L).build());
    send(event("e2", "2026-12-01T00:01:10Z").setUserId("bob").setFeature(null).setTenantId(null)
        .setProvider("anthropic").setModel("claude-sonnet-4-5").build());

    String day = "2026-12-01T00:00:00Z";
    assertThat(bucket(Dimension.USER, "bob", Period.DAY, day).getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.MODEL, "openai/gpt-4o", Period.DAY, day).getCostNanos()).isEqualTo(1_234_500L);
    assertThat(bucket(Dimension.PROVIDER, "anthropic", Period.DAY, day).getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.FEATURE, "chat", Period.DAY, day).getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.FEATURE, "unassigned", Period.DAY, day).getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.TENANT, "acme", Period.DAY, day).getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.USER_MODEL, "bob/anthropic/claude-sonnet-4-5", Period.DAY, day).getRequests()).isEqualTo(1);
    UsageAggregate all = bucket(Dimension.ALL, "_", Period.DAY, day);
    assertThat(all.getRequests()).isEqualTo(2);
    assertThat(all.getCostNanos()).isEqualTo(1_234_500L);
    assertThat(all.getUnpricedRequests()).isEqualTo(1);
  }

  @Test
  void shouldAddEveryTotalExactly() {
    start("UTC");

    send(event("e1", "2026-12-01T00:01:00Z").setCachedInputTokens(400).setCacheWriteTokens(100)
        .setReasoningTokens(50).setSystemTokens(30).setCostNanos(999_999_999L).setLatencyMs(800L)
        .setContextWindow(128_000L).build());
    send(event("e2", "2026-12-01T00:01:30Z").setInputTokens(64_000).setOutputTokens(0).setSuccess(false)
        .setErrorType("timeout").setCostNanos(1L).setLatencyMs(1_500L).setContextWindow(128_000L)
        .setTokenSource(TokenSource.ESTIMATED).build());

    UsageAggregate minute = bucket(Dimension.USER, "alice", Period.MINUTE, "2026-12-01T00:01:00Z");
    assertThat(minute.getRequests()).isEqualTo(2);
    assertThat(minute.getFailedRequests()).isEqualTo(1);
    assertThat(minute.getInputTokens()).isEqualTo(65_000);
    assertThat(minute.getOutputTokens()).isEqualTo(200);
    assertThat(minute.getCachedInputTokens()).isEqualTo(400);
    assertThat(minute.getCacheWriteTokens()).isEqualTo(100);
    assertThat(minute.getReasoningTokens()).isEqualTo(50);
    assertThat(minute.getSystemTokens()).isEqualTo(30);
    assertThat(minute.getCostNanos()).isEqualTo(1_000_000_000L);
    assertThat(minute.getEstimatedRequests()).isEqualTo(1);
    assertThat(minute.getLatencyMsSum()).isEqualTo(2_300);
    assertThat(minute.getLatencyMsMax()).isEqualTo(1_500);
    assertThat(minute.getMaxContextUtilizationPpm()).isEqualTo(500_000); // 64 000 of 128 000
  }

  @Test
  void shouldKeepModalitiesHourLongCacheWritesAndServiceTiersApartInEveryBucket() {
    start("UTC");

    send(event("e1", "2026-12-01T00:01:00Z").setInputTokens(1_000).setInputAudioTokens(600).setInputImageTokens(300)
        .setCacheWriteTokens(200).setCacheWrite1hTokens(150).setOutputTokens(200).setOutputAudioTokens(120)
        .setServiceTier("priority").build());
    send(event("e2", "2026-12-01T00:01:30Z").setOutputImageTokens(100).setServiceTier("batch").build());
    send(event("e3", "2026-12-01T00:01:40Z").setServiceTier("flex").build());
    send(event("e4", "2026-12-01T00:01:50Z").build());

    for (UsageAggregate bucket : List.of(bucket(Dimension.USER, "alice", Period.MINUTE, "2026-12-01T00:01:00Z"),
        bucket(Dimension.MODEL, "openai/gpt-4o", Period.MONTH, "2026-12-01T00:00:00Z"))) {
      assertThat(bucket.getRequests()).isEqualTo(4);
      assertThat(bucket.getInputAudioTokens()).isEqualTo(600);
      assertThat(bucket.getInputImageTokens()).isEqualTo(300);
      assertThat(bucket.getOutputAudioTokens()).isEqualTo(120);
      assertThat(bucket.getOutputImageTokens()).isEqualTo(100);
      assertThat(bucket.getCacheWriteTokens()).isEqualTo(200);
      assertThat(bucket.getCacheWrite1hTokens()).isEqualTo(150);
      assertThat(bucket.getPriorityRequests()).isEqualTo(1);
      assertThat(bucket.getBatchRequests()).isEqualTo(1);
      assertThat(bucket.getFlexRequests()).isEqualTo(1);
    }
  }

  @Test
  void shouldCountARepeatedEventIdOnce() {
    start("UTC");
    TokensConsumed event = event("retried-1", "2026-12-01T00:01:00Z").build();

    send(event);
    send(event);
    send(event);

    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(registry.get("tokenledger.aggregator.events").tag("outcome", "duplicate").counter().count()).isEqualTo(2);
    assertThat(registry.get("tokenledger.aggregator.events").tag("outcome", "counted").counter().count()).isEqualTo(1);
  }

  @Test
  void shouldRejectAnUndecodableRecordWithItsBytesAndTheReason() {
    start("UTC");
    byte[] garbage = "{\"userId\":\"alice\"}".getBytes(StandardCharsets.UTF_8);

    input.pipeInput("alice".getBytes(StandardCharsets.UTF_8), garbage);
    send(event("after", "2026-12-01T00:01:00Z").build());

    TestRecord<byte[], byte[]> record = rejected.readRecord();
    assertThat(record.value()).isEqualTo(garbage);
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("alice");
    assertThat(new String(record.headers().lastHeader("tl.error.reason").value(), StandardCharsets.UTF_8))
        .contains("not an Avro single-object encoded TokensConsumed");
    assertThat(new String(record.headers().lastHeader("tl.error.offset").value(), StandardCharsets.UTF_8)).isEqualTo("0");
    assertThat(rejected.isEmpty()).isTrue();
    // The app keeps running: the next event is counted.
    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(1);
  }

  @Test
  void shouldRejectAnEventFromTheFarFutureWithoutClosingAnyBucket() {
    start("UTC");

    send(event("future", "2027-06-01T00:00:00Z").build());
    send(event("now", "2026-12-01T00:01:00Z").build());
    send(event("yesterday", "2026-11-30T12:00:00Z").build());

    TestRecord<byte[], byte[]> record = rejected.readRecord();
    assertThat(new String(record.headers().lastHeader("tl.error.reason").value(), StandardCharsets.UTF_8))
        .startsWith("occurredAt 2027-06-01T00:00:00Z is more than PT5M ahead of the wall clock");
    assertThat(bucket(Dimension.USER, "alice", Period.MONTH, "2027-06-01T00:00:00Z")).isNull();
    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-11-30T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(1);
  }

  @Test
  void shouldRejectAnEventThatBreaksTheTokenInvariants() {
    start("UTC");

    send(event("bad", "2026-12-01T00:01:00Z").setInputTokens(100).setCachedInputTokens(150).build());

    assertThat(new String(rejected.readRecord().headers().lastHeader("tl.error.reason").value(), StandardCharsets.UTF_8))
        .isEqualTo("cachedInputTokens + cacheWriteTokens must be ≤ inputTokens (got 150 + 0 > 100)");
  }

  @Test
  void shouldRouteAnEventOlderThanEveryRetentionToLate() {
    start("UTC");

    send(event("ancient", "2020-01-01T00:00:00Z").build());

    assertThat(late.readKeyValue().value.getEventId()).isEqualTo("ancient");
    assertThat(bucket(Dimension.USER, "alice", Period.MONTH, "2020-01-01T00:00:00Z")).isNull();
  }

  @Test
  void shouldSkipOnlyThePeriodsWhoseRetentionAnOldEventIsPast() {
    start("UTC");

    // Three hours old: past the minute buckets' 2 h retention, within every other period's.
    send(event("three-hours-ago", "2026-11-30T21:00:00Z").build());

    assertThat(bucket(Dimension.USER, "alice", Period.MINUTE, "2026-11-30T21:00:00Z")).isNull();
    assertThat(bucket(Dimension.USER, "alice", Period.HOUR, "2026-11-30T21:00:00Z").getRequests()).isEqualTo(1);
    // The shared subjects get the task's sum of the hour, not of a minute long purged.
    assertThat(bucket(Dimension.ALL, "_", Period.MINUTE, "2026-11-30T21:00:00Z")).isNull();
    assertThat(bucket(Dimension.ALL, "_", Period.HOUR, "2026-11-30T21:00:00Z").getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.MODEL, "openai/gpt-4o", Period.DAY, "2026-11-30T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(registry.get("tokenledger.aggregator.expired.bucket.updates").tag("period", "minute").counter().count())
        .isEqualTo(7); // one per dimension
  }

  @Test
  void shouldStartDaysAtMidnightInTheConfiguredZone() {
    start("Asia/Kolkata");

    // 18:45 UTC is 00:15 on the 1st of December in Kolkata.
    send(event("late-evening", "2026-11-30T18:45:00Z").build());

    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-11-30T18:30:00Z").getRequests()).isEqualTo(1);
    assertThat(bucket(Dimension.USER, "alice", Period.MONTH, "2026-11-30T18:30:00Z").getZone()).isEqualTo("Asia/Kolkata");
  }

  @Test
  void shouldKeepALeapDayInItsOwnDayAndInA29DayFebruary() {
    start("UTC", Instant.parse("2028-03-01T00:02:00Z"));

    send(event("leap", "2028-02-29T23:59:59Z").build());
    send(event("march", "2028-03-01T00:00:00Z").build());

    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2028-02-29T00:00:00Z").getRequests()).isEqualTo(1);
    UsageAggregate february = bucket(Dimension.USER, "alice", Period.MONTH, "2028-02-01T00:00:00Z");
    assertThat(february.getRequests()).isEqualTo(1);
    assertThat(february.getWindowEnd()).isEqualTo(Instant.parse("2028-03-01T00:00:00Z"));
    assertThat(bucket(Dimension.USER, "alice", Period.MONTH, "2028-03-01T00:00:00Z").getRequests()).isEqualTo(1);
  }

  @Test
  void shouldGiveTheDayOfTheAutumnDstChange25HoursInBerlin() {
    start("Europe/Berlin", Instant.parse("2026-10-26T12:00:00Z"));

    // 2026-10-25 in Berlin runs from 2026-10-24T22:00Z (CEST) to 2026-10-25T23:00Z (CET).
    send(event("first-minute", "2026-10-24T22:00:00Z").build());
    send(event("last-minute", "2026-10-25T22:59:59Z").build());
    send(event("next-day", "2026-10-25T23:00:00Z").build());

    UsageAggregate day = bucket(Dimension.USER, "alice", Period.DAY, "2026-10-24T22:00:00Z");
    assertThat(day.getRequests()).isEqualTo(2);
    assertThat(day.getWindowEnd()).isEqualTo(Instant.parse("2026-10-25T23:00:00Z"));
    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-10-25T23:00:00Z").getRequests()).isEqualTo(1);
  }

  @Test
  void shouldPublishEveryBucketUpdateKeyedByItsBucket() {
    start("UTC");

    send(event("e1", "2026-12-01T00:01:00Z").build());

    var published = aggregates.readKeyValuesToList();
    assertThat(published).hasSize(7 * 4);
    assertThat(published).filteredOn(kv -> AggregateKey.subjectOf(kv.key).equals("user:alice"))
        .extracting(kv -> kv.key).containsExactlyInAnyOrder("user:alice|minute|2026-12-01T00:01:00Z",
            "user:alice|hour|2026-12-01T00:00:00Z", "user:alice|day|2026-12-01T00:00:00Z",
            "user:alice|month|2026-12-01T00:00:00Z");
    assertThat(published).allSatisfy(kv -> assertThat(kv.key).isEqualTo(AggregateKey.of(kv.value)));
    assertThat(published).extracting(kv -> AggregateKey.subjectOf(kv.key))
        .contains("model:openai/gpt-4o", "all:_", "tenant:acme");
  }

  @Test
  void shouldPublishEachBucketWithItsRunningTotalsAsItChanges() {
    start("UTC");
    TokensConsumed first = event("e1", "2026-12-01T00:01:00Z").setLatencyMs(300L).build();
    TokensConsumed second = event("e2", "2026-12-01T00:01:30Z").setLatencyMs(900L).setSuccess(false).build();
    TokensConsumed third = event("e3", "2026-12-01T00:02:10Z").setUserId("bob").setLatencyMs(100L).build();

    // The driver commits after every record: each commit publishes what changed since the last.
    for (TokensConsumed event : List.of(first, second, third)) {
      input.pipeInput(event.getUserId().getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event));
    }

    var allHour = aggregates.readKeyValuesToList().stream()
        .filter(kv -> kv.key.startsWith("all:_|hour|")).toList();
    assertThat(allHour).extracting(kv -> kv.value.getRequests()).containsExactly(1L, 2L, 3L);
    UsageAggregate hour = allHour.get(2).value;
    assertThat(hour.getFailedRequests()).isEqualTo(1);
    assertThat(hour.getInputTokens()).isEqualTo(3_000);
    assertThat(hour.getLatencyMsSum()).isEqualTo(1_300);
    assertThat(hour.getLatencyMsMax()).isEqualTo(900);
    assertThat(hour.getLastEventAt()).isEqualTo(Instant.parse("2026-12-01T00:02:10Z"));
    assertThat(bucket(Dimension.USER, "alice", Period.MINUTE, "2026-12-01T00:01:00Z").getRequests()).isEqualTo(2);
    assertThat(bucket(Dimension.USER, "bob", Period.MINUTE, "2026-12-01T00:02:00Z").getRequests()).isEqualTo(1);
  }

  @Test
  void shouldKeepOlderMinutesInTheHistoryAndAddALateEventThere() {
    start("UTC");
    // Five minutes of alice: the entry keeps the newest three, the first two go to the history store.
    for (int minute = 1; minute <= 5; minute++) {
      send(event("e" + minute, "2026-12-01T00:0" + minute + ":10Z").build());
    }
    List<String> minutesPublished = aggregates.readKeyValuesToList().stream().map(kv -> kv.key)
        .filter(key -> key.startsWith("user:alice|minute|")).toList();
    // Each minute once, when it changed; pushed out unchanged, it is not published again.
    assertThat(minutesPublished).hasSize(5).doesNotHaveDuplicates();

    send(event("late", "2026-12-01T00:01:50Z").setInputTokens(7).setOutputTokens(0).build());

    UsageAggregate first = bucket(Dimension.USER, "alice", Period.MINUTE, "2026-12-01T00:01:00Z");
    assertThat(first.getRequests()).isEqualTo(2);
    assertThat(first.getInputTokens()).isEqualTo(1_007);
    assertThat(aggregates.readKeyValuesToList()).filteredOn(kv -> kv.key.startsWith("user:alice|minute|"))
        .singleElement().satisfies(kv -> {
          assertThat(kv.key).isEqualTo("user:alice|minute|2026-12-01T00:01:00Z");
          assertThat(kv.value.getRequests()).isEqualTo(2);
        });
    assertThat(bucket(Dimension.USER, "alice", Period.HOUR, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(6);
    assertThat(bucket(Dimension.ALL, "_", Period.MINUTE, "2026-12-01T00:01:00Z").getRequests()).isEqualTo(2);
  }

  @Test
  void shouldPriceCacheReadsCacheWritesAndReasoningAtTheirOwnPrices() {
    start("UTC");
    // $3 input, $15 output, $0.30 cache read, $3.75 cache write, $20 reasoning per million tokens.
    catalogue("anthropic", "claude-sonnet-4-5", 200_000L, price("1970-01-01T00:00:00Z", 3_000_000_000L, 15_000_000_000L)
        .setCachedInputPerMillionNanos(300_000_000L).setCacheWritePerMillionNanos(3_750_000_000L)
        .setReasoningPerMillionNanos(20_000_000_000L).build());

    send(event("e1", "2026-12-01T00:01:00Z").setProvider("anthropic").setModel("claude-sonnet-4-5")
        .setInputTokens(10_000).setCachedInputTokens(6_000).setCacheWriteTokens(2_000)
        .setOutputTokens(1_000).setReasoningTokens(400).build());

    // 2 000 × 3 + 6 000 × 0.30 + 2 000 × 3.75 + 600 × 15 + 400 × 20, all per million, in USD:
    // 0.006 + 0.0018 + 0.0075 + 0.009 + 0.008 = 0.0323
    assertThat(dayCost("alice")).isEqualTo(32_300_000L);
    UsageAggregate day = bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z");
    assertThat(day.getUnpricedRequests()).isZero();
    assertThat(day.getMaxContextUtilizationPpm()).isEqualTo(55_000); // 11 000 of the catalogue's 200 000
  }

  @Test
  void shouldBillCacheAndReasoningAtInputAndOutputPricesWhenTheModelHasNoOwnPrice() {
    start("UTC");
    catalogue("openai", "o3-mini", null, price("1970-01-01T00:00:00Z", 1_100_000_000L, 4_400_000_000L).build());

    send(event("e1", "2026-12-01T00:01:00Z").setModel("o3-mini").setInputTokens(1_000_000).setCachedInputTokens(500_000)
        .setOutputTokens(1_000_000).setReasoningTokens(900_000).build());

    assertThat(dayCost("alice")).isEqualTo(5_500_000_000L); // $1.10 + $4.40
  }

  @Test
  void shouldUseThePriceInForceWhenTheEventHappened() {
    start("UTC");
    catalogue("openai", "gpt-4o", 128_000L,
        price("1970-01-01T00:00:00Z", 5_000_000_000L, 15_000_000_000L).build(),
        price("2026-12-01T00:00:00Z", 2_500_000_000L, 10_000_000_000L).build());

    send(event("before", "2026-11-30T23:59:59Z").setInputTokens(1_000_000).setOutputTokens(0).build());
    send(event("after", "2026-12-01T00:00:00Z").setInputTokens(1_000_000).setOutputTokens(0).build());

    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-11-30T00:00:00Z").getCostNanos()).isEqualTo(5_000_000_000L);
    assertThat(dayCost("alice")).isEqualTo(2_500_000_000L);
  }

  @Test
  void shouldPriceADatedSnapshotAtItsModelsPriceUnlessItHasItsOwn() {
    start("UTC");
    catalogue("openai", "gpt-4o", null, price("1970-01-01T00:00:00Z", 2_500_000_000L, 10_000_000_000L).build());
    catalogue("openai", "gpt-4o-2024-05-13", null, price("1970-01-01T00:00:00Z", 5_000_000_000L, 15_000_000_000L).build());
    catalogue("anthropic", "claude-sonnet-4-5", null, price("1970-01-01T00:00:00Z", 3_000_000_000L, 15_000_000_000L).build());

    // The model ids real responses carry (OpenAI's "model" field, a Bedrock inference profile).
    send(event("dated", "2026-12-01T00:01:00Z").setModel("gpt-4o-2024-08-06").setInputTokens(1_000_000)
        .setOutputTokens(0).build());
    send(event("own-price", "2026-12-01T00:01:00Z").setModel("gpt-4o-2024-05-13").setInputTokens(1_000_000)
        .setOutputTokens(0).build());
    send(event("bedrock", "2026-12-01T00:01:00Z").setProvider("bedrock")
        .setModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0").setInputTokens(1_000_000).setOutputTokens(0).build());

    assertThat(bucket(Dimension.MODEL, "openai/gpt-4o-2024-08-06", Period.DAY, "2026-12-01T00:00:00Z").getCostNanos())
        .isEqualTo(2_500_000_000L);
    assertThat(bucket(Dimension.MODEL, "openai/gpt-4o-2024-05-13", Period.DAY, "2026-12-01T00:00:00Z").getCostNanos())
        .isEqualTo(5_000_000_000L);
    assertThat(bucket(Dimension.MODEL, "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", Period.DAY,
        "2026-12-01T00:00:00Z").getCostNanos()).isEqualTo(3_000_000_000L);
    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getUnpricedRequests()).isZero();
    for (String rule : List.of("exact", "provider-id", "vendor")) {
      assertThat(registry.get("tokenledger.aggregator.priced.events").tag("rule", rule).counter().count()).as(rule)
          .isEqualTo(1);
    }
  }

  @Test
  void shouldCountAModelWithoutAPriceAsUnpricedAndLetACallersCostWin() {
    start("UTC");
    catalogue("openai", "gpt-4o", null, price("1970-01-01T00:00:00Z", 2_500_000_000L, 10_000_000_000L).build());

    send(event("unknown-model", "2026-12-01T00:01:00Z").setModel("gpt-9-preview").build());
    send(event("callers-cost", "2026-12-01T00:01:00Z").setCostNanos(7L).build());

    UsageAggregate day = bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z");
    assertThat(day.getUnpricedRequests()).isEqualTo(1);
    assertThat(day.getCostNanos()).isEqualTo(7L);
    assertThat(bucket(Dimension.MODEL, "openai/gpt-9-preview", Period.DAY, "2026-12-01T00:00:00Z").getCostNanos()).isZero();
  }

  @Test
  void shouldAddSubNanoCostsWithoutDrift() {
    start("UTC");
    // 1 nano-USD per million tokens: each event below costs a fraction of a nano.
    catalogue("mistral", "tiny", null, price("1970-01-01T00:00:00Z", 1L, 0L).build());

    for (int i = 0; i < 3; i++) {
      send(event("third-" + i, "2026-12-01T00:01:00Z").setProvider("mistral").setModel("tiny")
          .setInputTokens(333_333 + (i == 2 ? 1 : 0)).setOutputTokens(0).build());
    }

    // 333 333 + 333 333 + 333 334 tokens = one million: exactly 1 nano, not 0 (rounded down) or 3 (rounded up).
    UsageAggregate day = bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z");
    assertThat(day.getCostNanos()).isEqualTo(1L);
    assertThat(day.getCostRemainderFemtos()).isZero();
  }

  @Test
  void shouldCountARecordWithAMissingOrWrongKeyForTheUserInTheEvent() {
    start("UTC");
    TokensConsumed event = event("keyless", "2026-12-01T00:01:00Z").build();

    input.pipeInput(null, AvroSerdes.tokensConsumed().encode(event));
    input.pipeInput("mallory".getBytes(StandardCharsets.UTF_8),
        AvroSerdes.tokensConsumed().encode(event("wrong-key", "2026-12-01T00:01:00Z").build()));

    assertThat(bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(2);
    assertThat(bucket(Dimension.USER, "mallory", Period.DAY, "2026-12-01T00:00:00Z")).isNull();
  }

  @Test
  void shouldShowEveryOutcomeAndReasonInThePrometheusScrape() {
    start("UTC");
    catalogue("openai", "gpt-4o", null, price("1970-01-01T00:00:00Z", 2_500_000_000L, 10_000_000_000L).build());

    send(event("counted", "2026-12-01T00:01:00Z").build());
    send(event("counted", "2026-12-01T00:01:00Z").build());
    send(event("ancient", "2020-01-01T00:00:00Z").build());
    send(event("future", "2030-01-01T00:00:00Z").build());
    input.pipeInput("x".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
    send(event("unknown-model", "2026-12-01T00:01:00Z").setModel("gpt-9-preview").build());

    assertThat(registry.scrape()).contains(
        "tokenledger_aggregator_events_total{outcome=\"counted\"} 2.0",
        "tokenledger_aggregator_events_total{outcome=\"duplicate\"} 1.0",
        "tokenledger_aggregator_events_total{outcome=\"late\"} 1.0",
        "tokenledger_aggregator_events_total{outcome=\"rejected\"} 2.0",
        "tokenledger_aggregator_events_rejected_total{reason=\"future\"} 1.0",
        "tokenledger_aggregator_events_rejected_total{reason=\"invalid\"} 0.0",
        "tokenledger_aggregator_events_rejected_total{reason=\"undecodable\"} 1.0",
        "tokenledger_aggregator_unpriced_events_total 1.0");
  }

  @Test
  void shouldDropNoRecordSilently() {
    start("UTC");

    send(event("e1", "2026-12-01T00:01:00Z").build());
    send(event("e1", "2026-12-01T00:01:00Z").build());
    send(event("old", "2026-11-01T00:00:00Z").build());
    send(event("future", "2030-01-01T00:00:00Z").build());
    input.pipeInput("x".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});

    assertThat(aggregator.droppedRecords()).isZero();
    double outcomes = registry.find("tokenledger.aggregator.events").counters().stream()
        .mapToDouble(c -> c.count()).sum();
    assertThat(outcomes).isEqualTo(5);
  }
}
