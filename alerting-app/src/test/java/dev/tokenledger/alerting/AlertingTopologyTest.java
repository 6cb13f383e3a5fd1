package dev.tokenledger.alerting;

import static dev.tokenledger.runtime.StreamTaskLifecycle.liveWallClockSchedules;
import static dev.tokenledger.runtime.StreamTaskLifecycle.suspendAndResume;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.StreamsRuntime;
import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.AlertType;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.Severity;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
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
  private TestInputTopic<byte[], byte[]> requests;
  private TestInputTopic<String, ModelPrice> prices;
  private final Freshness freshness = new Freshness();

  @BeforeEach
  void start() {
    AlertingConfig config = AlertingConfig.from(Settings.of("/alerting-app.properties", Map.of()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alerting-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    props.putAll(StreamsRuntime.errorHandling(topics.tokensRejected().name(), "alerting-test", registry));
    driver = new TopologyTestDriver(AlertingTopology.build(config, topics, new QuotaIndex(), freshness, registry), props, NOW);
    quotas = driver.createInputTopic(topics.quotaDefinitions().name(), new StringSerializer(),
        AvroSerdes.quotaDefinition().serializer());
    aggregates = driver.createInputTopic(topics.usageAggregates().name(), new StringSerializer(),
        AvroSerdes.usageAggregate().serializer());
    alerts = driver.createOutputTopic(topics.usageAlerts().name(), new StringDeserializer(),
        AvroSerdes.usageAlert().deserializer());
    exceeded = driver.createOutputTopic(topics.quotaExceeded().name(), new StringDeserializer(),
        AvroSerdes.quotaExceeded().deserializer());
    requests = driver.createInputTopic(topics.tokensConsumed().name(), new ByteArraySerializer(), new ByteArraySerializer());
    prices = driver.createInputTopic(topics.pricingCatalog().name(), new StringSerializer(), AvroSerdes.modelPrice().serializer());
  }

  private void ruleQuota(String id, String subject, QuotaRule rule, QuotaMetric metric, Period period, long limit) {
    quotas.pipeInput(id, QuotaDefinition.newBuilder()
        .setQuotaId(id).setSubject(subject).setMetric(metric).setPeriod(period).setLimit(limit)
        .setThresholdsBasisPoints(List.of(10_000)).setAction(QuotaAction.BLOCK).setRule(rule)
        .setUpdatedAt(NOW).build());
  }

  private void requestAt(String eventId, String user, long input, Instant occurredAt) {
    TokensConsumed event = TokensConsumed.newBuilder().setEventId(eventId).setOccurredAt(occurredAt).setUserId(user)
        .setService("test").setProvider("openai").setModel("gpt-4o").setInputTokens(input).setOutputTokens(0).build();
    requests.pipeInput(user.getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event));
  }

  private void request(String eventId, String user, long input, long output, Long costNanos) {
    TokensConsumed event = TokensConsumed.newBuilder().setEventId(eventId).setOccurredAt(NOW).setUserId(user)
        .setService("test").setProvider("openai").setModel("gpt-4o").setInputTokens(input).setOutputTokens(output)
        .setCostNanos(costNanos).build();
    requests.pipeInput(user.getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event));
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
    publish(UsageAggregate.newBuilder()
        .setDimension(Dimension.USER).setKey(user).setPeriod(period).setZone("UTC")
        .setWindowStart(Instant.parse(start)).setWindowEnd(Instant.parse(end))
        .setRequests(1).setInputTokens(tokens).setOutputTokens(0).setCostNanos(costNanos)
        .setLastEventAt(Instant.parse(start)).build());
  }

  /** As the aggregator publishes a bucket: keyed by the bucket. */
  private void publish(UsageAggregate bucket) {
    aggregates.pipeInput(AggregateKey.of(bucket), bucket);
  }

  private void dayUsage(String user, long tokens) {
    usage(user, Period.DAY, DAY, "2026-11-23T00:00:00Z", tokens, 0);
  }

  @Test
  void shouldFireOnceAndKeepOneScheduleOfEachKindAcrossSuspendAndResume() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);
    dayUsage("alice", 850);
    assertThat(freshness.newest(0)).isPresent();
    int schedules = liveWallClockSchedules(driver);

    for (int round = 0; round < 3; round++) {
      suspendAndResume(driver);
    }
    // Unknown until the task folds again: what it had seen may have been in an aborted transaction.
    assertThat(freshness.newest(0)).isEmpty();
    dayUsage("alice", 850);
    dayUsage("alice", 1_200);

    assertThat(liveWallClockSchedules(driver)).as("schedules left standing by earlier inits").isEqualTo(schedules);
    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getThresholdBasisPoints)
        .containsExactly(8_000, 9_000, 10_000);
    assertThat(freshness.newest(0)).isPresent();
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
  void shouldAlertOncePerDayForRequestsOverACeilingAndCountThem() {
    ruleQuota("big-requests", "user:*", QuotaRule.REQUEST, QuotaMetric.TOKENS, Period.DAY, 50_000);

    request("small", "alice", 40_000, 10_000, null); // exactly at the ceiling: allowed
    request("huge", "alice", 90_000, 1_000, null);
    request("huge", "alice", 90_000, 1_000, null); // a redelivery counts again: the count is of records received
    request("huger", "alice", 190_000, 1_000, null);

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).hasSize(1);
    UsageAlert counted = storedRequestAlert(fired.get(0).getAlertId());
    assertThat(counted.getRequests()).isEqualTo(3);
    assertThat(counted.getObserved()).isEqualTo(191_000);
    assertThat(counted.getWindowStart()).isEqualTo(Instant.parse(DAY));
    assertThat(fired.get(0).getType()).isEqualTo(AlertType.REQUEST_COST);
    assertThat(fired.get(0).getObserved()).isEqualTo(91_000);
    assertThat(fired.get(0).getMessage()).isEqualTo(
        "user:alice made one request of 91,000 tokens, over the per-request ceiling of 50,000 tokens (quota big-requests)");
    assertThat(exceeded.isEmpty()).isTrue();
  }

  @Test
  void shouldPriceARequestWithTheCatalogueForACostCeiling() {
    ruleQuota("costly", "user:alice", QuotaRule.REQUEST, QuotaMetric.COST, Period.DAY, 1_000_000_000L);
    prices.pipeInput("openai/gpt-4o", ModelPrice.newBuilder().setProvider("openai").setModel("gpt-4o")
        .setVersions(List.of(PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
            .setInputPerMillionNanos(2_500_000_000L).setOutputPerMillionNanos(10_000_000_000L).build())).build());

    request("cheap", "alice", 100_000, 10_000, null); // $0.25 + $0.10
    request("pricey", "alice", 400_000, 10_000, null); // $1.00 + $0.10
    request("callers-cost", "alice", 1, 1, 2_000_000_000L);

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).extracting(UsageAlert::getObserved).containsExactly(1_100_000_000L);
    assertThat(storedRequestAlert(fired.get(0).getAlertId()).getObserved()).isEqualTo(2_000_000_000L);
  }

  @Test
  void shouldPriceADatedModelIdAsItsModelForACostCeiling() {
    ruleQuota("costly", "user:alice", QuotaRule.REQUEST, QuotaMetric.COST, Period.DAY, 1_000_000_000L);
    prices.pipeInput("openai/gpt-4o", ModelPrice.newBuilder().setProvider("openai").setModel("gpt-4o")
        .setVersions(List.of(PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
            .setInputPerMillionNanos(2_500_000_000L).setOutputPerMillionNanos(10_000_000_000L).build())).build());

    TokensConsumed dated = TokensConsumed.newBuilder().setEventId("dated").setOccurredAt(NOW).setUserId("alice")
        .setService("test").setProvider("openai").setModel("gpt-4o-2024-08-06").setInputTokens(400_000)
        .setOutputTokens(10_000).build();
    requests.pipeInput("alice".getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(dated));

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getObserved).containsExactly(1_100_000_000L);
  }

  @Test
  void shouldAlertAgainForRequestsOverACeilingOnTheNextDay() {
    ruleQuota("big-requests", "user:*", QuotaRule.REQUEST, QuotaMetric.TOKENS, Period.DAY, 50_000);

    request("today", "alice", 90_000, 0, null);
    driver.advanceWallClockTime(Duration.ofDays(1));
    requestAt("tomorrow", "alice", 90_000, NOW.plus(Duration.ofDays(1)));

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getWindowStart)
        .containsExactly(Instant.parse(DAY), Instant.parse(DAY).plus(Duration.ofDays(1)));
  }

  @Test
  void shouldNotAlertForARequestTheAggregatorRefusesAsDatedAhead() {
    ruleQuota("big-requests", "user:*", QuotaRule.REQUEST, QuotaMetric.TOKENS, Period.DAY, 50_000);

    // More than the 5 minutes' allowed skew ahead: never counted, so never alerted (it was kept until its own date).
    requestAt("ahead", "alice", 90_000, NOW.plus(Duration.ofMinutes(6)));
    requestAt("far-ahead", "alice", 90_000, Instant.parse("2290-01-01T00:00:00Z"));
    requestAt("just-ahead", "alice", 90_000, NOW.plus(Duration.ofMinutes(4)));

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getObserved).containsExactly(90_000L);
  }

  @Test
  void shouldCountABlankTenantAsUnassignedAsTheAggregatorDoes() {
    ruleQuota("unassigned-big", "tenant:unassigned", QuotaRule.REQUEST, QuotaMetric.TOKENS, Period.DAY, 50_000);
    TokensConsumed blankTenant = TokensConsumed.newBuilder().setEventId("blank").setOccurredAt(NOW).setUserId("alice")
        .setTenantId(" ").setService("test").setProvider("openai").setModel("gpt-4o").setInputTokens(90_000)
        .setOutputTokens(0).build();
    requests.pipeInput("alice".getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(blankTenant));

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getSubject).containsExactly("tenant:unassigned");
  }

  @Test
  void shouldForgetAlertsPastTheirRetentionAndNotFireThemAgain() {
    quota("alice-minute", "user:alice", QuotaMetric.TOKENS, Period.MINUTE, 1_000);
    usage("alice", Period.MINUTE, "2026-11-22T10:00:00Z", "2026-11-22T10:01:00Z", 1_000, 0);
    List<UsageAlert> firedAlerts = alerts.readValuesToList();
    assertThat(firedAlerts).hasSize(3); // 80, 90 and 100 %
    String alertId = firedAlerts.get(0).getAlertId();
    KeyValueStore<String, UsageAlert> fired = driver.getKeyValueStore(QuotaEvaluator.FIRED_STORE);
    KeyValueStore<String, String> index = driver.getKeyValueStore(QuotaEvaluator.FIRED_INDEX_STORE);
    assertThat(fired.get(alertId)).isNotNull();
    assertThat(count(index)).isEqualTo(6); // by time fired and by expiry, each

    // Minute alerts are kept 7 days after their window ends; the purge runs every 30 s.
    driver.advanceWallClockTime(Duration.ofDays(7).plusMinutes(2));

    assertThat(fired.get(alertId)).isNull();
    assertThat(count(index)).isZero();
    // A replay of that old window's totals does not fire it again.
    usage("alice", Period.MINUTE, "2026-11-22T10:00:00Z", "2026-11-22T10:01:00Z", 1_000, 0);
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldKeepEachWindowsUseUntilItIsNobodysCurrentUseAndDaysForAWeek() {
    dayUsage("alice", 10);
    usage("alice", Period.MINUTE, "2026-11-22T10:00:00Z", "2026-11-22T10:01:00Z", 10, 0);
    // A late update of an older minute: a key of its own, it hides nothing.
    usage("alice", Period.MINUTE, "2026-11-22T09:58:00Z", "2026-11-22T09:59:00Z", 3, 0);
    KeyValueStore<String, WindowUse> uses = driver.getKeyValueStore(WindowUseStore.NAME);
    String minute = WindowUseStore.key("user:alice", Period.MINUTE, Instant.parse("2026-11-22T10:01:00Z"));
    String day = WindowUseStore.key("user:alice", Period.DAY, Instant.parse("2026-11-23T00:00:00Z"));
    assertThat(uses.get(minute).tokens()).isEqualTo(10);
    assertThat(count(uses)).isEqualTo(3);

    driver.advanceWallClockTime(Duration.ofHours(2));
    assertThat(uses.get(minute)).isNull();
    assertThat(uses.get(day).tokens()).isEqualTo(10);

    driver.advanceWallClockTime(Duration.ofDays(9));
    assertThat(count(uses)).isZero();
  }

  private static long count(KeyValueStore<String, ?> store) {
    try (var all = store.all()) {
      long n = 0;
      for (; all.hasNext(); all.next()) {
        n++;
      }
      return n;
    }
  }

  private UsageAlert storedRequestAlert(String alertId) {
    KeyValueStore<String, UsageAlert> fired = driver.getKeyValueStore(RequestEvaluator.FIRED_REQUEST_STORE);
    return fired.get(alertId);
  }

  @Test
  void shouldWarnOnceWhenTheRunRateProjectsPastTheLimit() {
    ruleQuota("alice-monthly-forecast", "user:alice", QuotaRule.FORECAST, QuotaMetric.TOKENS, Period.MONTH, 30_000);

    // A third of November gone (10 days) and 9 000 used: on course for 27 000 of 30 000.
    forecastUsage(9_000, "2026-11-11T00:00:00Z");
    assertThat(alerts.isEmpty()).isTrue();
    // 12 000 used by then: on course for 36 000.
    forecastUsage(12_000, "2026-11-11T00:00:00Z");
    forecastUsage(13_000, "2026-11-12T00:00:00Z");

    List<UsageAlert> fired = alerts.readValuesToList();
    assertThat(fired).hasSize(1);
    assertThat(fired.get(0).getType()).isEqualTo(AlertType.FORECAST);
    assertThat(fired.get(0).getSeverity()).isEqualTo(Severity.WARNING);
    assertThat(fired.get(0).getObserved()).isEqualTo(36_000);
    assertThat(exceeded.isEmpty()).isTrue();
  }

  private void forecastUsage(long tokens, String lastEventAt) {
    publish(UsageAggregate.newBuilder()
        .setDimension(Dimension.USER).setKey("alice").setPeriod(Period.MONTH).setZone("UTC")
        .setWindowStart(Instant.parse("2026-11-01T00:00:00Z")).setWindowEnd(Instant.parse("2026-12-01T00:00:00Z"))
        .setRequests(1).setInputTokens(tokens).setOutputTokens(0).setLastEventAt(Instant.parse(lastEventAt)).build());
  }

  @Test
  void shouldCallAnHourlyTokenQuotaAnHourlyRateAlert() {
    quota("alice-hourly", "user:alice", QuotaMetric.TOKENS, Period.HOUR, 1_000);

    usage("alice", Period.HOUR, "2026-11-22T09:00:00Z", "2026-11-22T10:00:00Z", 1_000, 0);

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getType).containsOnly(AlertType.HOURLY_RATE);
  }

  @Test
  void shouldCallAMinuteTokenQuotaABurstAlert() {
    quota("alice-burst", "user:alice", QuotaMetric.TOKENS, Period.MINUTE, 10_000);

    usage("alice", Period.MINUTE, "2026-11-22T09:59:00Z", "2026-11-22T10:00:00Z", 12_000, 0);

    assertThat(alerts.readValuesToList()).extracting(UsageAlert::getType).containsOnly(AlertType.BURST);
  }

  @Test
  void shouldPassOverATombstoneOfAPurgedBucket() {
    quota("alice-daily", "user:alice", QuotaMetric.TOKENS, Period.DAY, 1_000);

    aggregates.pipeInput("user:alice|day|2026-11-20T00:00:00Z", null);
    dayUsage("alice", 500);

    assertThat(alerts.isEmpty()).isTrue();
  }
}
