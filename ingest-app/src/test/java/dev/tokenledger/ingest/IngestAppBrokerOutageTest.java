package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.kafkalocal.DedicatedKafkaBroker;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The app on a broker of its own that is stopped while events are being posted: every request is
 * answered 202 or 503 within the send timeout, and every event answered 202 is on the topic once the
 * broker is back (no accepted event is lost).
 */
class IngestAppBrokerOutageTest {

  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(3);
  // The send timeout bounds the wait for acks; the rest is HTTP and JSON.
  private static final Duration ANSWER_BOUND = SEND_TIMEOUT.plusSeconds(3);
  private static final int MAX_EVENTS = 5_000;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static DedicatedKafkaBroker kafka;
  private static RunningApp app;
  private static Topic<String, TokensConsumed> topic;

  /** One request's outcome. */
  private record Answer(String eventId, int status, Duration took, Optional<String> retryAfter) {}

  @BeforeAll
  static void start() {
    kafka = DedicatedKafkaBroker.start();
    Settings settings = Settings.of("/ingest-app.properties", Map.of(
        "kafka.bootstrap.servers", kafka.bootstrapServers(),
        "tokenledger.auth.enabled", "false",
        "tokenledger.http.port", "0",
        "tokenledger.topics.partitions", "2",
        "tokenledger.ingest.send-timeout", SEND_TIMEOUT.toSeconds() + "s",
        "tokenledger.shutdown.timeout", "1s"));
    topic = TopicCatalog.create(settings.asMap()).tokensConsumed();
    app = IngestApp.start(settings);
  }

  @AfterAll
  static void stop() throws Exception {
    if (app != null) {
      app.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void shouldAnswer503DuringTheOutageAndLoseNoAcceptedEvent() throws Exception {
    Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    AtomicBoolean posting = new AtomicBoolean(true);
    AtomicInteger sequence = new AtomicInteger();
    ExecutorService publishers = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> running = List.of(
          publishers.submit(() -> postUntilStopped(posting, sequence, answers)),
          publishers.submit(() -> postUntilStopped(posting, sequence, answers)));
      await().atMost(Duration.ofSeconds(30)).until(() -> count(answers, 202) >= 5);

      kafka.stopBroker();
      int unavailableBefore = count(answers, 503);
      await().atMost(Duration.ofSeconds(60)).until(() -> count(answers, 503) >= unavailableBefore + 4);
      posting.set(false);
      for (Future<?> publisher : running) {
        publisher.get(ANSWER_BOUND.toSeconds() * 2, TimeUnit.SECONDS);
      }
    } finally {
      posting.set(false);
      publishers.shutdownNow();
    }

    assertThat(answers).extracting(Answer::status).containsOnly(202, 503);
    assertThat(answers).allSatisfy(answer -> assertThat(answer.took()).isLessThan(ANSWER_BOUND));
    assertThat(answers).filteredOn(a -> a.status() == 503)
        .allSatisfy(answer -> assertThat(answer.retryAfter()).hasValue("5"));

    Set<String> accepted = new HashSet<>();
    answers.stream().filter(a -> a.status() == 202).forEach(a -> accepted.add(a.eventId()));
    kafka.startBroker();
    assertThat(eventIdsOnTheTopic(accepted)).containsAll(accepted);
  }

  @Test
  void shouldRejectAnEventOlderThanTheRetentionReadFromTheBroker() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + app.httpPort() + "/v1/events"))
        .POST(HttpRequest.BodyPublishers.ofString("""
            {"occurredAt":"2020-01-01T00:00:00Z","userId":"alice","provider":"openai","model":"gpt-4o"}"""))
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Json.newMapper().readTree(response.body()).at("/results/0/errors/0/field").asText()).isEqualTo("occurredAt");
    assertThat(Json.newMapper().readTree(response.body()).at("/results/0/errors/0/message").asText())
        .startsWith("must not be older than the events topic's retention of 30 days (now ");
  }

  private static void postUntilStopped(AtomicBoolean posting, AtomicInteger sequence, Queue<Answer> answers) {
    while (posting.get() && sequence.get() < MAX_EVENTS) {
      String eventId = "outage-" + sequence.incrementAndGet();
      String body = """
          {"eventId":"%s","occurredAt":"%s","userId":"alice","provider":"openai","model":"gpt-4o",
           "inputTokens":10,"outputTokens":2}""".formatted(eventId, Instant.now().truncatedTo(ChronoUnit.SECONDS));
      long started = System.nanoTime();
      int status;
      Optional<String> retryAfter = Optional.empty();
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.httpPort() + "/v1/events"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        status = response.statusCode();
        retryAfter = response.headers().firstValue("Retry-After");
      } catch (Exception e) {
        status = -1; // no answer at all (a hang past 30 s, or a dropped connection)
      }
      answers.add(new Answer(eventId, status, Duration.ofNanos(System.nanoTime() - started), retryAfter));
    }
  }

  private static int count(Queue<Answer> answers, int status) {
    return (int) answers.stream().filter(a -> a.status() == status).count();
  }

  /** The eventIds on the topic, read from the beginning until every expected one is there (or 60 s passed). */
  private static Set<String> eventIdsOnTheTopic(Set<String> expected) {
    Set<String> seen = new HashSet<>();
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions = List.of(new TopicPartition(topic.name(), 0), new TopicPartition(topic.name(), 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value().getEventId()));
        return seen.containsAll(expected);
      });
    }
    return seen;
  }
}
