package dev.tokenledger.aggregator;

import static dev.tokenledger.aggregator.AggregatorDriver.event;
import static dev.tokenledger.aggregator.AggregatorDriver.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.RecordTimestamps;
import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.KeyPartitioner;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that stopped or could stop the counting, among valid ones: each is routed once with its
 * reason, the events around it are counted exactly, and nothing is dropped unaccounted.
 */
class PoisonRecordsTest {

  private static final Instant NOW = Instant.parse("2026-12-01T00:02:00Z");

  @TempDir Path stateDir;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private AggregatorDriver aggregator;

  private AggregatorDriver start(int partitions) {
    aggregator = new AggregatorDriver(stateDir, Map.of(), NOW, partitions, registry);
    return aggregator;
  }

  @AfterEach
  void close() {
    if (aggregator != null) {
      aggregator.close();
    }
  }

  private long dayRequests(String user) {
    UsageAggregate day = aggregator.bucket(Dimension.USER, user, Period.DAY, "2026-12-01T00:00:00Z");
    return day == null ? 0 : day.getRequests();
  }

  private double routedByHandler(String exception) {
    var counter = registry.find("tokenledger.streams.record.errors").tag("outcome", "routed")
        .tag("exception", exception).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void shouldRefuseTheRequestThatStoppedAllCountingAndGoOn() {
    start(1);
    // POST /v1/events with "inputTokens": 10000000000000 on openai/gpt-4o was accepted on
    // 2026-12-07 and the aggregator died on its context utilization; straight to Kafka it must
    // be refused here too.
    aggregator.catalogue("openai", "gpt-4o", 128_000L, price("2024-01-01T00:00:00Z", 2_500_000_000L, 10_000_000_000L).build());
    aggregator.send(event("huge", "2026-12-01T00:01:00Z").setInputTokens(10_000_000_000_000L).build());
    aggregator.send(event("after", "2026-12-01T00:01:00Z").build());

    Map<String, String> headers = aggregator.rejectedHeaders().get(0);
    assertThat(headers).containsEntry(RejectedRecord.CATEGORY, "invalid");
    assertThat(headers.get(RejectedRecord.REASON)).startsWith("inputTokens must be at most 1000000000000");
    assertThat(dayRequests("alice")).isEqualTo(1);
    assertThat(aggregator.droppedRecords()).isZero();
  }

  @Test
  void shouldCountAnEventWhoseRecordHasNoValidTimestamp() {
    start(1);
    // A record with timestamp -1 (the broker takes it from clients other than Java's, and keeps
    // old-format records so): Kafka Streams' default extractor throws outside every handler.
    aggregator.sendWithoutTimestamp(event("no-time", "2026-12-01T00:01:00Z").build());
    aggregator.send(event("after", "2026-12-01T00:01:10Z").build());

    assertThat(dayRequests("alice")).isEqualTo(2);
    assertThat(registry.get(RecordTimestamps.METRIC).counter().count()).isEqualTo(1);
    assertThat(aggregator.rejectedHeaders()).isEmpty();
    assertThat(aggregator.droppedRecords()).isZero();
  }

  @Test
  void shouldRefuseAnEventPricedAtMoreThanOneCallMayCostAndItsRetryToo() {
    start(1);
    // $10,000,000 per million input tokens: a billion tokens cost $10^10.
    aggregator.catalogue("openai", "gpt-4o", null, price("2024-01-01T00:00:00Z", 10_000_000_000_000_000L, 0).build());
    TokensConsumed priceless = event("priceless", "2026-12-01T00:01:00Z").setInputTokens(1_000_000_000L).build();

    aggregator.send(priceless);
    aggregator.send(priceless);
    aggregator.send(event("cheap", "2026-12-01T00:01:00Z").setInputTokens(1).setOutputTokens(0).build());

    assertThat(aggregator.rejectedHeaders()).hasSize(2).allSatisfy(headers -> {
      assertThat(headers).containsEntry(RejectedRecord.CATEGORY, "overflow");
      assertThat(headers.get(RejectedRecord.REASON)).contains("more than the 1000000.000000000 USD one call may cost");
    });
    assertThat(aggregator.bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getCostNanos())
        .isEqualTo(10_000_000_000L);
    assertThat(registry.get("tokenledger.aggregator.events").tag("outcome", "duplicate").counter().count()).isZero();
  }

  /**
   * Alice's calls at the most one call may cost, one more than her running total can take;
   * returns how many fit.
   */
  private int overflowAlicesDay() {
    int fit = (int) (Long.MAX_VALUE / EventRules.MAX_COST_NANOS);
    for (int i = 0; i <= fit; i++) {
      aggregator.input.pipeInput("alice".getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(
          event("max-" + i, "2026-12-01T00:01:00Z").setCostNanos(EventRules.MAX_COST_NANOS).build()));
    }
    return fit;
  }

  @Test
  void shouldRefuseTheEventAUsersRunningTotalCannotTakeRatherThanWrapIt() {
    start(1);
    // Each event costs the most one call may ($1,000,000): 9,224 of them are more nano-USD than
    // a long holds. The user's buckets are in the event's own task, so the event that would
    // overflow them is refused whole, before any total changed, and routed with its reason.
    int fit = overflowAlicesDay();
    aggregator.send(event("bob", "2026-12-01T00:01:00Z").setUserId("bob").build());

    assertThat(aggregator.rejectedHeaders()).singleElement().satisfies(headers -> {
      assertThat(headers).containsEntry(RejectedRecord.CATEGORY, "overflow");
      assertThat(headers.get(RejectedRecord.REASON)).contains("of user:alice").contains("costNanos would overflow");
    });
    UsageAggregate day = aggregator.bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z");
    assertThat(day.getRequests()).isEqualTo(fit);
    assertThat(day.getCostNanos()).isEqualTo(fit * EventRules.MAX_COST_NANOS);
    // Nothing of the refused event anywhere: all:_ has alice's counted calls and bob's.
    assertThat(aggregator.bucket(Dimension.ALL, "_", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(fit + 1);
    assertThat(aggregator.droppedRecords()).isZero();
  }

  @Test
  void shouldStillPurgeTheEntriesARefusedEventReadWhenNothingFollowsIt() {
    start(1);
    int fit = overflowAlicesDay();
    assertThat(aggregator.rejectedHeaders()).hasSize(1);

    // The refused event was the last: its entries, read for the check, must not linger unwritten
    // while the purge drops their expired minutes (the store would keep what was tombstoned).
    aggregator.driver.advanceWallClockTime(Duration.ofHours(3));
    aggregator.driver.advanceWallClockTime(BucketPurge.INTERVAL);

    assertThat(aggregator.bucketsOf(Period.MINUTE)).isZero();
    assertThat(aggregator.bucket(Dimension.USER, "alice", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(fit);
  }

  @Test
  void shouldRefuseTheSumsASharedRunningTotalCannotTakeRatherThanWrapIt() {
    start(1);
    // The same calls from as many users: no user's total overflows, but all:_, the provider, the
    // model, the feature and the tenant would. Their sums come from every task through the
    // repartition: the one that would overflow a bucket is refused for its subject (all four
    // periods or none) by the exception handler, and counting goes on.
    int events = (int) (Long.MAX_VALUE / EventRules.MAX_COST_NANOS) + 1;
    for (int i = 0; i < events; i++) {
      aggregator.input.pipeInput(("u" + i).getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(
          event("max-" + i, "2026-12-01T00:01:00Z").setUserId("u" + i).setCostNanos(EventRules.MAX_COST_NANOS).build()));
    }
    // Counting goes on: an event in another month (its own all:_ bucket) is counted in full.
    aggregator.send(event("bob-in-november", "2026-11-30T23:00:00Z").setUserId("bob").build());

    List<Map<String, String>> routed = aggregator.rejectedHeaders();
    assertThat(routed).hasSize(5).allSatisfy(headers -> {
      assertThat(headers).containsEntry(RejectedRecord.CATEGORY, "overflow")
          .containsEntry(RejectedRecord.EXCEPTION, ArithmeticException.class.getName());
      assertThat(headers.get(RejectedRecord.REASON)).contains("costNanos would overflow");
    });
    UsageAggregate day = aggregator.bucket(Dimension.ALL, "_", Period.DAY, "2026-12-01T00:00:00Z");
    assertThat(day.getRequests()).isEqualTo(events - 1);
    assertThat(day.getCostNanos()).isEqualTo((events - 1) * EventRules.MAX_COST_NANOS);
    assertThat(aggregator.bucket(Dimension.USER, "u0", Period.DAY, "2026-12-01T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(aggregator.bucket(Dimension.ALL, "_", Period.MONTH, "2026-11-01T00:00:00Z").getRequests()).isEqualTo(1);
    assertThat(routedByHandler("ArithmeticException")).isEqualTo(5);
    // Kafka Streams counts what a handler routed as dropped: every one of them is in tokens.rejected.
    assertThat(aggregator.droppedRecords()).isEqualTo(5);
  }

  @Test
  void shouldRejectARecordLargerThanAnyEventWithoutCopyingItWhole() {
    start(1);
    byte[] huge = new byte[900_000];
    Arrays.fill(huge, (byte) 'x');

    aggregator.input.pipeInput("alice".getBytes(StandardCharsets.UTF_8), huge);
    aggregator.send(event("after", "2026-12-01T00:01:00Z").build());

    TestRecord<byte[], byte[]> record = aggregator.rejected.readRecord();
    assertThat(record.value()).hasSizeLessThanOrEqualTo(128 * 1024);
    assertThat(header(record, RejectedRecord.VALUE_SIZE)).isEqualTo("900000");
    assertThat(header(record, RejectedRecord.REASON)).contains("900000 bytes, more than any valid event");
    assertThat(dayRequests("alice")).isEqualTo(1);
  }

  @Test
  void shouldRejectAnEventWithBytesAfterIt() {
    start(1);
    byte[] event = AvroSerdes.tokensConsumed().encode(event("padded", "2026-12-01T00:01:00Z").build());

    aggregator.input.pipeInput("alice".getBytes(StandardCharsets.UTF_8), Arrays.copyOf(event, event.length + 5_000));

    Map<String, String> headers = aggregator.rejectedHeaders().get(0);
    assertThat(headers).containsEntry(RejectedRecord.CATEGORY, "undecodable");
    assertThat(headers.get(RejectedRecord.REASON)).contains("5000 bytes after the TokensConsumed record");
  }

  @Test
  void shouldLeaveHugeHeadersOffEveryCopy() {
    start(1);
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", new byte[200_000]);
    TokensConsumed ancient = event("ancient", "2020-01-01T00:00:00Z").build();

    aggregator.input.pipeInput(new TestRecord<>("alice".getBytes(StandardCharsets.UTF_8),
        AvroSerdes.tokensConsumed().encode(ancient), headers, NOW));

    var late = aggregator.late.readRecord();
    assertThat(late.value().getEventId()).isEqualTo("ancient");
    assertThat(late.headers().lastHeader("trace")).isNull();
    assertThat(new String(late.headers().lastHeader(RejectedRecord.HEADERS_DROPPED).value(), StandardCharsets.UTF_8))
        .isEqualTo("1");
  }

  @Test
  void shouldStampRoutedRecordsWithTheRoutingTimeAndKeepTheirOwnInHeaders() {
    start(1);
    Instant producedAt = Instant.parse("2020-01-01T00:00:05Z");
    aggregator.input.pipeInput(new TestRecord<>("alice".getBytes(StandardCharsets.UTF_8),
        AvroSerdes.tokensConsumed().encode(event("ancient", "2020-01-01T00:00:00Z").build()), new RecordHeaders(),
        producedAt));
    aggregator.input.pipeInput(new TestRecord<>("alice".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3},
        new RecordHeaders(), producedAt));

    // Kafka keeps each 30 days from now, not from 2020 (it would delete them within minutes).
    var late = aggregator.late.readRecord();
    assertThat(late.timestamp()).isEqualTo(NOW.toEpochMilli());
    assertThat(new String(late.headers().lastHeader("tl.event.occurred-at").value(), StandardCharsets.UTF_8))
        .isEqualTo("2020-01-01T00:00:00Z");
    var rejected = aggregator.rejected.readRecord();
    assertThat(rejected.timestamp()).isEqualTo(NOW.toEpochMilli());
    assertThat(header(rejected, RejectedRecord.ORIGINAL_TIMESTAMP)).isEqualTo(Long.toString(producedAt.toEpochMilli()));
  }

  @Test
  void shouldRerouteAnEventOnAnotherPartitionThanItsUsersAndCountItOnce() {
    start(6);
    // The driver reads every record from partition 0: a user hashed elsewhere is misplaced.
    String elsewhere = IntStream.range(0, 100).mapToObj(i -> "user-" + i)
        .filter(user -> KeyPartitioner.partition(user, 6) != 0).findFirst().orElseThrow();
    String here = IntStream.range(0, 100).mapToObj(i -> "user-" + i)
        .filter(user -> KeyPartitioner.partition(user, 6) == 0).findFirst().orElseThrow();
    TokensConsumed retried = event("retried", "2026-12-01T00:01:00Z").setUserId(elsewhere).build();

    aggregator.input.pipeInput(elsewhere.getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(retried));
    aggregator.input.pipeInput(null, AvroSerdes.tokensConsumed().encode(retried));
    aggregator.input.pipeInput("another-key".getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(retried));
    aggregator.send(event("placed", "2026-12-01T00:01:00Z").setUserId(here).build());

    assertThat(dayRequests(elsewhere)).isEqualTo(1);
    assertThat(dayRequests(here)).isEqualTo(1);
    assertThat(registry.get("tokenledger.aggregator.events.rerouted").counter().count()).isEqualTo(3);
    assertThat(registry.get("tokenledger.aggregator.events").tag("outcome", "duplicate").counter().count()).isEqualTo(2);
  }

  private static String header(TestRecord<?, ?> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
