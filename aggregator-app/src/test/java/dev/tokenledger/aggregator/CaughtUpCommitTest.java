package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How often totals reach {@code usage.aggregates}, on a real broker, as a consumer of it sees:
 * caught up with live traffic, a task commits every {@code caught-up-commit-interval}, so a
 * user's day bucket is published with nearly every call; working through old events, it holds
 * the totals for the whole {@code commit-interval} and publishes them once.
 */
class CaughtUpCommitTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir Path dir;

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** Loaded first: it trusts the generated classes, whose builders Avro checks (see AvroSerde). */
  private static final AvroSerde<TokensConsumed> EVENTS = AvroSerdes.tokensConsumed();
  private static final Pattern COUNTED =
      Pattern.compile("^tokenledger_aggregator_events_total\\{[^}]*outcome=\"counted\"[^}]*\\} (\\S+)$", Pattern.MULTILINE);
  private static final int CALLS = 20;

  /**
   * Starts an aggregator (commits every 5 s, every 100 ms while caught up), publishes a first call
   * and waits until it is counted, then {@value #CALLS} more, 100 ms apart as live traffic comes,
   * each {@code behind} the wall clock; returns every version of the user's day bucket published.
   */
  private List<UsageAggregate> dayBucketsPublished(String name, Duration behind) throws Exception {
    Map<String, String> settings = new HashMap<>(KAFKA.isolatedTopics(name));
    settings.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    settings.put("tokenledger.auth.enabled", "false");
    settings.put("tokenledger.http.port", "0");
    settings.put("tokenledger.state.dir", dir.resolve(name).toString());
    settings.put("tokenledger.aggregator.application-id", name + "-" + UUID.randomUUID().toString().substring(0, 8));
    settings.put("tokenledger.aggregator.commit-interval", "5s");
    settings.put("tokenledger.aggregator.caught-up-commit-interval", "100ms");
    TopicCatalog topics = TopicCatalog.create(settings);
    try (RunningApp app = AggregatorApp.start(Settings.of("/aggregator-app.properties", settings));
        var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      send(producer, topics, behind);
      await().atMost(Duration.ofSeconds(60)).until(() -> counted(app) == 1);
      for (int i = 0; i < CALLS; i++) {
        // Paced like live traffic: each call at least 100 ms after the one before was counted.
        double before = i + 1;
        await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(30)).until(() -> counted(app) >= before);
        send(producer, topics, behind);
      }
      List<UsageAggregate> published = new ArrayList<>();
      try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
          ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID()), new StringDeserializer(),
          new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(topics.usageAggregates().name()));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(record -> {
            if (record.value() != null && AggregateKey.subjectOf(record.key()).equals("user:erin")) {
              UsageAggregate bucket = AvroSerdes.usageAggregate().decode(record.value());
              if (bucket.getPeriod() == Period.DAY) {
                published.add(bucket);
              }
            }
          });
          return !published.isEmpty() && published.get(published.size() - 1).getRequests() == CALLS + 1;
        });
      }
      return published;
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, TopicCatalog topics, Duration behind) {
    Instant at = Instant.now().minus(behind).truncatedTo(ChronoUnit.MILLIS);
    TokensConsumed event = TokensConsumed.newBuilder().setEventId(UUID.randomUUID().toString()).setOccurredAt(at)
        .setUserId("erin").setService("chat-api").setProvider("openai").setModel("gpt-4o").setInputTokens(100)
        .setOutputTokens(10).build();
    // Record time = event time, as ingest publishes it.
    producer.send(new ProducerRecord<>(topics.tokensConsumed().name(), null, at.toEpochMilli(),
        "erin".getBytes(StandardCharsets.UTF_8), EVENTS.encode(event)));
    producer.flush();
  }

  private static double counted(RunningApp app) throws Exception {
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher counted = COUNTED.matcher(metrics);
    return counted.find() ? Double.parseDouble(counted.group(1)) : 0;
  }

  @Test
  void shouldPublishWithinTheCaughtUpIntervalWhileCaughtUp() throws Exception {
    List<UsageAggregate> published = dayBucketsPublished("caught-up", Duration.ZERO);

    // 2 s of calls: at one commit in 5 s that would be one or two versions.
    assertThat(published.size()).isGreaterThanOrEqualTo(8);
    assertThat(published).extracting(UsageAggregate::getRequests).isSorted();
  }

  @Test
  void shouldHoldTheTotalsOfOldEventsForTheCommitInterval() throws Exception {
    List<UsageAggregate> published = dayBucketsPublished("catching-up", Duration.ofHours(1));

    // 2 s of calls, and the first one, span at most two commits of 5 s each.
    assertThat(published.size()).isLessThanOrEqualTo(2);
  }
}
