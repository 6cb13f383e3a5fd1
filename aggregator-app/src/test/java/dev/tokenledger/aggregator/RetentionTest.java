package dev.tokenledger.aggregator;

import static dev.tokenledger.aggregator.AggregatorDriver.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weeks of wall-clock time through the topology: what the stores hold stays bounded by the
 * retentions, and forgetting costs a bounded amount per run, however much expires at once.
 */
class RetentionTest {

  private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path stateDir;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private AggregatorDriver aggregator;

  @AfterEach
  void close() {
    if (aggregator != null) {
      aggregator.close();
    }
  }

  private void publish(TokensConsumed event) {
    aggregator.input.pipeInput(event.getUserId().getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event));
  }

  private long idsHeld() {
    WindowStore<String, Long> ids = aggregator.driver.getWindowStore(EventIds.STORE);
    long held = 0;
    try (var all = ids.all()) {
      while (all.hasNext()) {
        all.next();
        held++;
      }
    }
    return held;
  }

  private long bucketsOf(Period period) {
    return aggregator.bucketsOf(period);
  }

  private double purged(String period) {
    Counter counter = registry.find("tokenledger.aggregator.purged.buckets").tag("period", period).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void shouldRememberEveryIdForTheRetentionAndHoldNoMoreThanItsSegmentsThroughThreeWeeks() {
    aggregator = new AggregatorDriver(stateDir, Map.of(), START, 1, registry);
    int perHour = 30;
    Instant clock = START;
    List<Long> held = new ArrayList<>();
    TokensConsumed firstOfAll = null;
    for (int hour = 0; hour < 21 * 24; hour++) {
      for (int i = 0; i < perHour; i++) {
        TokensConsumed event = event("h" + hour + "-" + i, clock.plusSeconds(i).toString()).setUserId("u" + (i % 7))
            .build();
        publish(event);
        firstOfAll = firstOfAll == null ? event : firstOfAll;
      }
      if (hour == 6 * 24) {
        // Six days on: the very first event, retried, is still known.
        double before = registry.get("tokenledger.aggregator.events").tag("outcome", "duplicate").counter().count();
        publish(firstOfAll);
        assertThat(registry.get("tokenledger.aggregator.events").tag("outcome", "duplicate").counter().count())
            .isEqualTo(before + 1);
      }
      aggregator.driver.advanceWallClockTime(Duration.ofHours(1));
      clock = clock.plus(Duration.ofHours(1));
      if (hour % 24 == 23) {
        held.add(idsHeld());
      }
    }

    // Segments of half the retention are dropped whole: never more than 10.5 days of ids, and
    // after the first week the count stops growing.
    long perDay = 24L * perHour;
    assertThat(held).allSatisfy(ids -> assertThat(ids).isLessThanOrEqualTo(perDay * 21 / 2 + perDay));
    assertThat(held.get(held.size() - 1)).isLessThanOrEqualTo(held.get(13));
    try (WindowStoreIterator<Long> first = aggregator.driver.<String, Long>getWindowStore(EventIds.STORE)
        .fetch(firstOfAll.getEventId(), 0L, clock.toEpochMilli())) {
      assertThat(first.hasNext()).as("the first id, three weeks old, is forgotten").isFalse();
    }
    assertThat(aggregator.droppedRecords()).isZero();
  }

  @Test
  void shouldPurgeABoundedNumberOfBucketsPerRunHoweverManyExpireAtOnce() {
    aggregator = new AggregatorDriver(stateDir, Map.of(), START.plusSeconds(30), 1, registry);
    int users = 6_000;
    for (int i = 0; i < users; i++) {
      publish(event("e" + i, START.toString()).setUserId("user-" + i).build());
    }
    // user and user_model per user, and the five shared subjects, each one minute bucket.
    long minuteBuckets = 2L * users + 5;
    assertThat(bucketsOf(Period.MINUTE)).isEqualTo(minuteBuckets);
    aggregator.aggregates.readRecordsToList();

    // Past the minutes' two-hour retention all at once: each 30 s run of each fold (the user
    // subjects' and the shared subjects') reads and deletes at most its budget.
    aggregator.driver.advanceWallClockTime(Duration.ofHours(3));
    List<Double> perRun = new ArrayList<>();
    double before = 0;
    while (purged("minute") < minuteBuckets && perRun.size() < 20) {
      perRun.add(purged("minute") - before);
      before = purged("minute");
      aggregator.driver.advanceWallClockTime(BucketPurge.INTERVAL);
    }
    perRun.add(purged("minute") - before);

    assertThat(perRun).allSatisfy(deleted -> assertThat(deleted).isLessThanOrEqualTo(2 * BucketPurge.BUDGET));
    assertThat(perRun).hasSizeGreaterThan(2);
    assertThat(perRun.stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(minuteBuckets);
    assertThat(bucketsOf(Period.MINUTE)).isZero();
    assertThat(bucketsOf(Period.HOUR)).isEqualTo(minuteBuckets);
    // Each purged bucket leaves usage.aggregates too: a tombstone for compaction to remove it.
    List<KeyValue<String, ?>> tombstones = new ArrayList<>();
    aggregator.aggregates.readKeyValuesToList().stream().filter(kv -> kv.value == null).forEach(tombstones::add);
    assertThat(tombstones).hasSize((int) minuteBuckets)
        .allSatisfy(kv -> assertThat(kv.key).contains("|minute|2026-12-01T00:00:00Z"));
  }
}
