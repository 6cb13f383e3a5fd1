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
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WebhookDispatcherTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void shouldRetryAFailingReceiverThenKeepTheAlertOnTheFailureTopic() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/down", exchange -> {
      attempts.incrementAndGet();
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    });
    receiver.start();
    TopicCatalog topics = TopicCatalog.create(KAFKA.isolatedTopics("webhooks"));
    Properties client = new Properties();
    client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/down";
    UsageAlert alert = UsageAlert.newBuilder().setAlertId("a-1").setQuotaId("q").setSubject("user:alice")
        .setType(AlertType.TOKEN_QUOTA).setSeverity(Severity.CRITICAL).setMetric(QuotaMetric.TOKENS)
        .setPeriod(Period.DAY).setThresholdBasisPoints(10_000).setObserved(10).setLimit(10)
        .setWindowStart(Instant.parse("2026-11-22T00:00:00Z")).setWindowEnd(Instant.parse("2026-11-23T00:00:00Z"))
        .setFiredAt(Instant.parse("2026-11-22T10:00:00Z")).setMessage("user:alice reached 100%").build();

    try (WebhookDispatcher dispatcher = new WebhookDispatcher(
        new WebhookDispatcher.Config(List.of(URI.create(url)), 3, Duration.ofMillis(50), Duration.ofSeconds(2)),
        topics.usageAlerts(), topics.webhookFailures(), client, "webhooks-" + UUID.randomUUID(), registry);
         var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
             KAFKA.bootstrapServers()), topics.usageAlerts().keySerde().serializer(), topics.usageAlerts().valueSerde().serializer())) {
      // The dispatcher starts at the end of the topic: send once it has joined, until it has seen one.
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
        producer.send(new ProducerRecord<>(topics.usageAlerts().name(), "user:alice", alert)).get();
        return attempts.get() > 0;
      });
      List<ConsumerRecord<String, UsageAlert>> failures = new ArrayList<>();
      try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
          ConsumerConfig.GROUP_ID_CONFIG, "failure-reader-" + UUID.randomUUID(),
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
          topics.webhookFailures().keySerde().deserializer(), topics.webhookFailures().valueSerde().deserializer())) {
        consumer.subscribe(List.of(topics.webhookFailures().name()));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(failures::add);
          return !failures.isEmpty();
        });
      }
      ConsumerRecord<String, UsageAlert> failure = failures.get(0);
      assertThat(failure.key()).isEqualTo("a-1");
      assertThat(new String(failure.headers().lastHeader("tl.webhook.url").value(), StandardCharsets.UTF_8)).isEqualTo(url);
      assertThat(new String(failure.headers().lastHeader("tl.error.reason").value(), StandardCharsets.UTF_8)).isEqualTo("HTTP 500");
      assertThat(attempts.get()).isGreaterThanOrEqualTo(3);
      assertThat(registry.get("tokenledger.alerting.webhook.deliveries").tag("outcome", "failed").counter().count())
          .isGreaterThanOrEqualTo(1);
    } finally {
      receiver.stop(0);
    }
  }
}
