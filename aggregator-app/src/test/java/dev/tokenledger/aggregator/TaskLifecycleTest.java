package dev.tokenledger.aggregator;

import static dev.tokenledger.runtime.StreamTaskLifecycle.liveWallClockSchedules;
import static dev.tokenledger.runtime.StreamTaskLifecycle.suspendAndResume;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregator's processors initialized again on the same objects, as after a suspend and resume
 * (a rebalance that gives the task back) or a revive: totals exact, dedupe kept, no schedule of an
 * earlier init left running.
 */
class TaskLifecycleTest {

  private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path stateDir;
  private AggregatorDriver aggregator;

  @AfterEach
  void close() {
    if (aggregator != null) {
      aggregator.close();
    }
  }

  @Test
  void shouldCountExactlyAndKeepOneScheduleOfEachKindAcrossSuspendAndResume() {
    aggregator = new AggregatorDriver(stateDir, Map.of(), START.plusSeconds(30), 1, new SimpleMeterRegistry());
    aggregator.send(AggregatorDriver.event("e1", START.toString()).build());
    int schedules = liveWallClockSchedules(aggregator.driver);

    for (int round = 0; round < 3; round++) {
      suspendAndResume(aggregator.driver);
    }
    aggregator.send(AggregatorDriver.event("e2", START.plusSeconds(10).toString()).build());
    // A redelivered event after the resume is still a duplicate: dedupe state survived.
    aggregator.send(AggregatorDriver.event("e1", START.toString()).build());

    assertThat(liveWallClockSchedules(aggregator.driver)).as("schedules left standing by earlier inits").isEqualTo(schedules);
    for (Dimension dimension : new Dimension[] {Dimension.USER, Dimension.ALL}) {
      String key = dimension == Dimension.USER ? "alice" : "_";
      assertThat(aggregator.bucket(dimension, key, Period.MINUTE, START.toString()).getRequests()).isEqualTo(2);
      assertThat(aggregator.bucket(dimension, key, Period.DAY, START.toString()).getRequests()).isEqualTo(2);
    }

    // Past the minutes' retention: one purge per fold runs, one tombstone per expired bucket.
    aggregator.aggregates.readRecordsToList();
    aggregator.driver.advanceWallClockTime(Duration.ofHours(3));
    aggregator.driver.advanceWallClockTime(BucketPurge.INTERVAL);
    assertThat(aggregator.aggregates.readKeyValuesToList().stream().filter(kv -> kv.value == null).map(kv -> kv.key))
        .contains("user:alice|minute|2026-12-01T00:00:00Z").doesNotHaveDuplicates();
    assertThat(aggregator.bucketsOf(Period.MINUTE)).isZero();
    assertThat(aggregator.bucket(Dimension.USER, "alice", Period.DAY, START.toString()).getRequests()).isEqualTo(2);
  }
}
