package dev.tokenledger.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.AlertType;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.Severity;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertingTopologyTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String DAY = "2026-11-22T00:00:00Z";

  @TempDir Path stateDir;

  private final TopicCatalog topics = TopicCatalog.create(Map.of());
  private TopologyTestDriver driver;
  private TestInputTopic<String, QuotaDefinition> quotas;
  private TestInputTopic<String, UsageAggregate> aggregates;
  private TestOutputTopic<String, UsageAlert> alerts;
  private TestOutputTopic<String, QuotaExceeded> exceeded;

  @BeforeEach
  void start() {
    AlertingConfig config = AlertingConfig.from(Settings.of("/alerting-app.properties", Map.of()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alerting-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(AlertingTopology.build(config, topics, new SimpleMeterRegistry()), props, NOW);
    quotas = driver.createInputTopic(topics.quotaDefinitions().name(), new StringSerializer(),
        AvroSerdes.quotaDefinition().serializer());
    aggregates = driver.createInputTopic(topics.usageAggregates().name(), new StringSerializer(),
        AvroSerdes.usageAggregate().serializer());
    alerts = driver.createOutputTopic(topics.usageAlerts().name(), new StringDeserializer(),
        AvroSerdes.usageAlert().deserializer());
    exceeded = driver.createOutputTopic(topics.quotaExceeded().name(), new StringDeserializer(),
        AvroSerdes.quotaExceeded().deserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private void quota(String id, String subject, QuotaMetric metric, Period period, long limit) {
    quotas.pipeInput(id, QuotaDefinition.newBuilder()
        .setQuotaId(id).setSubject(subject).setMetric(metric).setPeriod(period).setLimit(limit)
        .setThresholdsBasisPoints(List.of(8_000, 9_000, 10_000)).setAction(QuotaAction.BLOCK)
        .setUpdatedAt(NOW).build());
  }

  private void usage(String user, Period period, String start, String end, long tokens, long costNanos) {
    aggregates.pipeInput("user:" + user, UsageAggregate.newBuilder()
        .setDimension(Dimension.USER).setKey(user).setPeriod(period).setZone("UTC")
        .setWindowStart(Instant.parse(start)).setWindowEnd(Instant.parse(end))
        .setRequests(1).setInputTokens(tokens).setOutputTokens(0).setCostNanos(costNanos)
        .setLastEventAt(Instant.parse(start)).build());
  }

  private void dayUsage(String user, long tokens) {
    usage(user, Period.DAY, DAY, "2026-11-23T00:00:00Z", tokens, 0);
  }

  @Test
  void shouldFireEachThresholdOnceAndQuotaExceededAtTheLimit() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);

    for (long total : new long[] {500, 800, 850, 950, 1_000, 1_200, 5_000}) {
      dayUsage("alice", total);
    }

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).extracting(UsageAlert::getThresholdBasisPoints).containsExactly(8_000, 9_000, 10_000);
    assertThat(fired).extracting(UsageAlert::getObserved).containsExactly(800L, 950L, 1_000L);
    assertThat(fired).extracting(UsageAlert::getSeverity)
        .containsExactly(Severity.WARNING, Severity.CRITICAL, Severity.CRITICAL);
    assertThat(fired.get(0).getType()).isEqualTo(AlertType.TOKEN_QUOTA);
    assertThat(fired.get(0).getMessage()).isEqualTo("user:alice reached 80% of quota alice-daily this day: 800 of 1,000 tokens");
    QuotaExceeded blocked = exceeded.readValue();
    assertThat(blocked.getUsed()).isEqualTo(1_000);
    assertThat(blocked.getAction()).isEqualTo(QuotaAction.BLOCK);
    assertThat(blocked.getResetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
    assertThat(exceeded.isEmpty()).isTrue();
  }

  @Test
  void shouldNotFireAgainWhenTheSameUpdatesAreReplayed() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);
    dayUsage("alice", 1_000);
    assertThat(alerts.readValuesToList()).hasSize(3);

    dayUsage("alice", 1_000);
    dayUsage("alice", 900);

    assertThat(alerts.isEmpty()).isTrue();
    assertThat(exceeded.readValuesToList()).hasSize(1);
  }

  @Test
  void shouldDeriveTheSameAlertIdFromQuotaSubjectWindowAndThreshold() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);

    dayUsage("alice", 800);

    assertThat(alerts.readValue().getAlertId())
        .isEqualTo(Alerts.alertId("alice-daily", "user:alice", Instant.parse(DAY), 8_000));
  }

  @Test
  void shouldFireAgainInTheNextWindow() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);

    dayUsage("alice", 850);
    usage("alice", Period.DAY, "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z", 820, 0);

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).extracting(a -> a.getWindowStart().toString())
        .containsExactly(DAY, "2026-11-23T00:00:00Z");
    assertThat(fired.get(0).getAlertId()).isNotEqualTo(fired.get(1).getAlertId());
  }

  @Test
  void shouldLetASpecificQuotaWinOverTheDefaultForEveryUser() {
    quota("everyone-daily", "user:*", QuotaMetric.TOKENS, Period.DAY, 1_000);
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 5_000);

    dayUsage("alice", 1_200);
    dayUsage("bob", 1_200);

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).extracting(UsageAlert::getSubject).containsOnly("user:bob");
    assertThat(fired).extracting(UsageAlert::getQuotaId).containsOnly("everyone-daily");
    assertThat(fired).hasSize(3);
  }

  @Test
  void shouldIgnoreQuotasOfOtherSubjectsAndPeriods() {
    quota("alice-hourly", "user:alice", QuotaMetric.TOKENS, Period.HOUR, 100);
    quota("bob-daily", "user:bob", QuotaMetric.TOKENS, Period.DAY, 100);

    dayUsage("alice", 10_000);

    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldStopEvaluatingADeletedQuota() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);
    quotas.pipeInput("alice-daily", (QuotaDefinition) null);

    dayUsage("alice", 5_000);

    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldSumTheDaysOfACalendarWeekStartingMonday() {
    quota("alice-weekly", "user:alice", QuotaMetric.TOKENS, Period.WEEK, 1_000);

    // Sunday 2026-11-15 belongs to the previous week; Monday 16th and Tuesday 17th to this one.
    usage("alice", Period.DAY, "2026-11-15T00:00:00Z", "2026-11-16T00:00:00Z", 700, 0);
    usage("alice", Period.DAY, "2026-11-16T00:00:00Z", "2026-11-17T00:00:00Z", 500, 0);
    usage("alice", Period.DAY, "2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z", 350, 0);
    usage("alice", Period.DAY, "2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z", 500, 0);

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).extracting(UsageAlert::getThresholdBasisPoints).containsExactly(8_000, 9_000, 10_000);
    assertThat(fired).extracting(UsageAlert::getObserved).containsExactly(850L, 1_000L, 1_000L);
    assertThat(fired).extracting(a -> a.getWindowStart().toString()).containsOnly("2026-11-16T00:00:00Z");
    assertThat(fired.get(0).getWindowEnd()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
  }

  @Test
  void shouldTrackACostBudgetInNanoUsd() {
    quota("alice-budget", "user:alice", QuotaMetric.COST, Period.MONTH, 25_000_000_000L);

    usage("alice", Period.MONTH, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", 1, 19_999_999_999L);
    assertThat(alerts.isEmpty()).isTrue();
    usage("alice", Period.MONTH, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", 2, 20_000_000_000L);

    UsageAlert alert = alerts.readValue();
    assertThat(alert.getType()).isEqualTo(AlertType.COST_BUDGET);
    assertThat(alert.getMessage()).endsWith("$20.000000000 of $25.000000000");
  }

  @Test
  void shouldCallAMinuteTokenQuotaABurstAlert() {
    quota("alice-burst", "user:alice", QuotaMetric.TOKENS, Period.MINUTE, 10_000);

    usage("alice", Period.MINUTE, "2026-11-22T09:59:00Z", "2026-11-22T10:00:00Z", 12_000, 0);

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getType).containsOnly(AlertType.BURST);
  }
}
