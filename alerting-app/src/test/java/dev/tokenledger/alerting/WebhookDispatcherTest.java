package dev.tokenledger.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.AlertType;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.Severity;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dispatcher against a real broker and a real local HTTP receiver that fails, hangs and recovers. */
class WebhookDispatcherTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** What the receiver does with the next request. */
  private enum Behaviour { FAIL, HANG, ACCEPT }

  private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(Behaviour.ACCEPT);
  private final AtomicInteger requests = new AtomicInteger();
  private final Set<String> received = ConcurrentHashMap.newKeySet();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private HttpServer receiver;
  private String url;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    // A Slack-style URL: the path is the secret.
    receiver.createContext("/services/T000/SECRET-TOKEN", exchange -> {
      requests.incrementAndGet();
      try (InputStream body = exchange.getRequestBody()) {
        String json = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        switch (behaviour.get()) {
          case FAIL -> exchange.sendResponseHeaders(500, -1);
          case HANG -> {
            // Hangs past the dispatcher's 500 ms timeout, until the receiver stops.
            try {
              if (!stopped.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the receiver hung 30 s and was never stopped");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
            exchange.sendResponseHeaders(500, -1);
          }
          case ACCEPT -> {
            received.add(json.replaceAll(".*\"alertId\":\"([^\"]+)\".*", "$1"));
            exchange.sendResponseHeaders(204, -1);
          }
        }
      } finally {
        exchange.close();
      }
    });
    receiver.start();
    url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/services/T000/SECRET-TOKEN";
  }

  @AfterEach
  void stopReceiver() {
    stopped.countDown();
    receiver.stop(0);
  }

  @Test
  void shouldDeliverEveryAlertThroughFailuresTimeoutsAndRecovery() throws Exception {
    TopicCatalog topics = TopicCatalog.create(KAFKA.isolatedTopics("webhooks"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // Fired before the dispatcher's first start: delivered all the same.
    send(topics, alert("early-1"), alert("early-2"));
    behaviour.set(Behaviour.FAIL);

    try (WebhookDispatcher dispatcher = dispatcher(topics, registry)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> failed(registry) >= 2);
      behaviour.set(Behaviour.HANG);
      send(topics, alert("during-hang"));
      await().atMost(Duration.ofSeconds(30)).until(() -> failed(registry) >= 3);
      behaviour.set(Behaviour.ACCEPT);
      send(topics, alert("after-recovery"));

      // Fresh alerts go at once; the failed ones at the next round (1 s here).
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(received).contains("early-1", "early-2", "during-hang", "after-recovery"));
      assertThat(registry.get("tokenledger.alerting.webhook.deliveries").tag("outcome", "redelivered").counter().count())
          .isGreaterThanOrEqualTo(3);
      assertThat(dispatcher.describe().toString()).contains("state=running").doesNotContain("SECRET");
    }

    List<ConsumerRecord<String, UsageAlert>> failures = readAll(topics.webhookFailures().name(), topics);
    assertThat(failures).extracting(ConsumerRecord::key).contains("early-1", "early-2", "during-hang");
    for (ConsumerRecord<String, UsageAlert> failure : failures) {
      String shownUrl = header(failure, WebhookDispatcher.URL_HEADER);
      assertThat(shownUrl).isEqualTo("http://127.0.0.1:" + receiver.getAddress().getPort() + "/…");
      assertThat(header(failure, WebhookDispatcher.TARGET_HEADER)).isEqualTo(WebhookDispatcher.fingerprint(URI.create(url)));
      assertThat(header(failure, "tl.error.reason")).isIn("HTTP 500", "HttpTimeoutException");
    }
    assertThat(failures).anyMatch(f -> header(f, "tl.error.reason").equals("HttpTimeoutException"));
  }

  @Test
  void shouldRestartALoopThatFailsAndGoOnFromTheAlertItHad() throws Exception {
    Map<String, String> settings = new HashMap<>(KAFKA.isolatedTopics("webhook-restart"));
    // The failure topic does not exist yet: keeping a failed delivery fails, and the loop with it.
    String missing = "webhook-failures-" + UUID.randomUUID();
    settings.put("tokenledger.topic.alert.webhook.failures", missing);
    TopicCatalog topics = TopicCatalog.create(settings);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    behaviour.set(Behaviour.FAIL);
    send(topics, alert("kept-after-restart"));

    try (WebhookDispatcher dispatcher = dispatcher(topics, registry)) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        Map<?, ?> delivery = (Map<?, ?>) dispatcher.describe().get("delivery");
        assertThat((Long) delivery.get("restarts")).isPositive();
        assertThat(delivery.get("lastError").toString()).contains(missing).doesNotContain("SECRET");
      });
      try (var admin = KAFKA.admin()) {
        admin.createTopics(List.of(new NewTopic(missing, 1, (short) 1))).all().get();
      }
      behaviour.set(Behaviour.ACCEPT);
      // The restarted loop handles the same alert again (its offset was never committed): delivered.
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(received).contains("kept-after-restart"));
      assertThat(dispatcher.describe().toString()).contains("state=running");
    }
  }

  private WebhookDispatcher dispatcher(TopicCatalog topics, SimpleMeterRegistry registry) {
    Properties client = new Properties();
    client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
    return new WebhookDispatcher(new WebhookDispatcher.Config(List.of(URI.create(url)), 2, Duration.ofMillis(50),
        Duration.ofMillis(500), Duration.ofSeconds(1), 10), topics.usageAlerts(), topics.webhookFailures(), client,
        "webhooks-" + UUID.randomUUID(), registry);
  }

  private static double failed(SimpleMeterRegistry registry) {
    return registry.get("tokenledger.alerting.webhook.deliveries").tag("outcome", "failed").counter().count();
  }

  private static UsageAlert alert(String alertId) {
    return UsageAlert.newBuilder().setAlertId(alertId).setQuotaId("q").setSubject("user:alice")
        .setType(AlertType.TOKEN_QUOTA).setSeverity(Severity.CRITICAL).setMetric(QuotaMetric.TOKENS)
        .setPeriod(Period.DAY).setThresholdBasisPoints(10_000).setObserved(10).setLimit(10)
        .setWindowStart(Instant.parse("2026-11-22T00:00:00Z")).setWindowEnd(Instant.parse("2026-11-23T00:00:00Z"))
        .setFiredAt(Instant.parse("2026-11-22T10:00:00Z")).setMessage("user:alice reached 100%").build();
  }

  private static void send(TopicCatalog topics, UsageAlert... alerts) throws Exception {
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), topics.usageAlerts().keySerde().serializer(), topics.usageAlerts().valueSerde().serializer())) {
      for (UsageAlert alert : alerts) {
        producer.send(new ProducerRecord<>(topics.usageAlerts().name(), alert.getSubject(), alert)).get();
      }
    }
  }

  private static List<ConsumerRecord<String, UsageAlert>> readAll(String topic, TopicCatalog topics) {
    List<ConsumerRecord<String, UsageAlert>> records = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        topics.webhookFailures().keySerde().deserializer(), topics.webhookFailures().valueSerde().deserializer())) {
      consumer.subscribe(List.of(topic));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        return records.size() >= 3;
      });
      consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
    }
    return records;
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
