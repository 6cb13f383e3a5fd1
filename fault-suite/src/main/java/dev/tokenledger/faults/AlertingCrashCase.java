package dev.tokenledger.faults;

import static org.awaitility.Awaitility.await;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A {@code user:*} daily token quota with thresholds 50/80/100 %; the alerting app SIGKILLed and
 * restarted while events stream in. Every threshold a user's final total reached must be alerted
 * exactly once, none that it did not reach, and one QuotaExceeded per user over the limit.
 */
final class AlertingCrashCase implements FaultCase {

  private static final List<Integer> THRESHOLDS = List.of(5_000, 8_000, 10_000);
  private static final String QUOTA_ID = "fault-users-daily";

  @Override
  public String name() {
    return "alerting-crash";
  }

  @Override
  public String description() {
    return "kill -9 the alerting app mid-stream, restart it: every threshold alert exactly once, none extra";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    TopicCatalog topics = environment.topics(settings);
    AppProcess aggregator = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-aggregator", settings).start();
    AppProcess alerting = environment.app(AppProcess.Kind.ALERTING, name() + "-alerting", settings).start();

    List<TokensConsumed> events = Workload.events(name(), scale.events(), scale.users(), 21);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    // The limit an average user reaches: the heavy users cross every threshold, the light ones none.
    long limit = events.stream().mapToLong(e -> e.getInputTokens() + e.getOutputTokens()).sum() / scale.users();
    String quota = "{\"subject\":\"user:*\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":" + limit
        + ",\"thresholds\":[0.5,0.8,1.0],\"action\":\"warn\",\"rule\":\"limit\"}";
    Http.Answer stored = Http.send(alerting.port(), "PUT", "/v1/quotas/" + QUOTA_ID, environment.adminKey, quota,
        "application/json");
    if (stored.status() != 200) {
      throw new IllegalStateException("PUT quota answered " + stored.status() + ": " + stored.body());
    }

    List<TokensConsumed> sends = Workload.withRetries(events, 10, 22);
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    String topic = topics.tokensConsumed().name();
    try (KafkaProducer<byte[], byte[]> producer = KafkaIo.producer(environment.bootstrap())) {
      PacedStream<TokensConsumed> stream = PacedStream.start(sends, scale.eventsPerSecond(), e -> acks.add(producer.send(KafkaIo.event(topic, e))));
      for (int kill = 1; kill <= scale.kills(); kill++) {
        stream.awaitShare((double) kill / (scale.kills() + 1));
        alerting.kill();
        alerting.start();
      }
      stream.awaitDone();
      KafkaIo.awaitAcks(acks);
    }

    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, List.of(aggregator), environment.readKey);
    result.check(settled.exact(), "aggregator totals not exact: " + settled.last().firstDifference().orElse(""));
    // Alerting has read every aggregate when every user's standing shows the user's full total;
    // what it wrote up to then is committed in the same transactions.
    Instant today = ledger.days().stream().max(Instant::compareTo).orElseThrow();
    Map<String, Ledger.Totals> users = ledger.expected("user", today);
    boolean caughtUp = awaitStandings(alerting, environment.readKey, users, today);
    result.check(caughtUp, "alerting's quota standings did not reach the users' totals within 10 minutes");

    // (subject, window start, threshold) → how many alerts; the same for QuotaExceeded.
    Map<String, Integer> expected = new TreeMap<>();
    Map<String, Integer> expectedExceeded = new TreeMap<>();
    for (Instant day : ledger.days()) {
      ledger.expected("user", day).forEach((user, totals) -> {
        for (int bp : THRESHOLDS) {
          if (totals.tokens() * 10_000 >= limit * bp) {
            expected.put(alertKey("user:" + user, day, bp), 1);
          }
        }
        if (totals.tokens() >= limit) {
          expectedExceeded.put(alertKey("user:" + user, day, 10_000), 1);
        }
      });
    }
    Map<String, Integer> alerts = new TreeMap<>();
    for (var record : KafkaIo.readAll(environment.bootstrap(), topics.usageAlerts().name())) {
      UsageAlert alert = AvroSerdes.usageAlert().decode(record.value());
      alerts.merge(alertKey(alert.getSubject(), alert.getWindowStart(), alert.getThresholdBasisPoints()), 1, Integer::sum);
    }
    Map<String, Integer> exceeded = new TreeMap<>();
    for (var record : KafkaIo.readAll(environment.bootstrap(), topics.quotaExceeded().name())) {
      QuotaExceeded event = AvroSerdes.quotaExceeded().decode(record.value());
      exceeded.merge(alertKey(event.getSubject(), event.getWindowStart(), 10_000), 1, Integer::sum);
    }

    result.figure("events", events.size())
        .figure("alerting kills", scale.kills())
        .figure("alerts expected", expected.size())
        .figure("alerts missing", missing(expected, alerts))
        .figure("alerts repeated", repeated(alerts))
        .figure("alerts unexpected", unexpected(expected, alerts))
        .figure("quota-exceeded expected", expectedExceeded.size())
        .figure("quota-exceeded missing/repeated/unexpected", missing(expectedExceeded, exceeded) + "/"
            + repeated(exceeded) + "/" + unexpected(expectedExceeded, exceeded))
        .check(alerts.equals(expected), "alerts differ from the expected ones, first: " + firstDifference(expected, alerts))
        .check(exceeded.equals(expectedExceeded), "QuotaExceeded differ, first: " + firstDifference(expectedExceeded, exceeded))
        .check(Metrics.droppedRecords(alerting) == 0, "alerting dropped records");
  }

  private static boolean awaitStandings(AppProcess alerting, String readKey, Map<String, Ledger.Totals> users, Instant day) {
    try {
      await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
        for (var user : users.entrySet()) {
          Http.Answer answer = Http.get(alerting.port(), "/v1/quotas/status?subject=user:" + user.getKey(), readKey);
          if (answer.status() != 200) {
            return false;
          }
          boolean reached = false;
          for (var standing : answer.json().get("quotas")) {
            reached |= standing.get("id").asText().equals(QUOTA_ID)
                && Instant.parse(standing.get("windowStart").asText()).equals(day)
                && standing.get("used").asLong() == user.getValue().tokens();
          }
          if (!reached) {
            return false;
          }
        }
        return true;
      });
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  private static String alertKey(String subject, Instant windowStart, int basisPoints) {
    return subject + " " + windowStart.atOffset(ZoneOffset.UTC).toLocalDate() + " " + basisPoints / 100 + "%";
  }

  private static long missing(Map<String, Integer> expected, Map<String, Integer> actual) {
    return expected.keySet().stream().filter(k -> !actual.containsKey(k)).count();
  }

  private static long repeated(Map<String, Integer> actual) {
    return actual.values().stream().mapToLong(n -> Math.max(0, n - 1)).sum();
  }

  private static long unexpected(Map<String, Integer> expected, Map<String, Integer> actual) {
    return actual.keySet().stream().filter(k -> !expected.containsKey(k)).count();
  }

  private static String firstDifference(Map<String, Integer> expected, Map<String, Integer> actual) {
    Map<String, Integer> all = new TreeMap<>(expected);
    actual.forEach((k, v) -> all.putIfAbsent(k, 0));
    return all.keySet().stream().filter(k -> !expected.getOrDefault(k, 0).equals(actual.getOrDefault(k, 0)))
        .findFirst().map(k -> k + ": expected " + expected.getOrDefault(k, 0) + ", got " + actual.getOrDefault(k, 0))
        .orElse("none");
  }
}
