package dev.tokenledger.alerting;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Metrics;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each alert on {@code usage.alerts} to the configured webhook URLs, on its own thread
 * and consumer group, so a slow or dead receiver never holds up the stream. Each delivery is
 * retried with exponential backoff; one that still fails is kept on {@code
 * alert.webhook.failures} (headers: url, reason, attempts) and counted. Delivery is at least
 * once: receivers dedupe by {@code alertId}.
 */
final class WebhookDispatcher implements AutoCloseable {

  /** The webhook settings. */
  record Config(List<URI> urls, int maxAttempts, Duration initialBackoff, Duration timeout) {}

  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final ObjectMapper JSON = Json.newMapper();
  private static final String DELIVERIES = "tokenledger.alerting.webhook.deliveries";

  private final Config config;
  private final KafkaConsumer<String, UsageAlert> consumer;
  private final KafkaProducer<String, UsageAlert> failures;
  private final KafkaClientMetrics consumerMetrics;
  private final KafkaClientMetrics producerMetrics;
  private final Topic<String, UsageAlert> failureTopic;
  private final MeterRegistry registry;
  private final HttpClient http;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  WebhookDispatcher(Config config, Topic<String, UsageAlert> alerts, Topic<String, UsageAlert> failureTopic,
      Properties clientProperties, String groupId, MeterRegistry registry) {
    this.config = config;
    this.failureTopic = failureTopic;
    this.registry = registry;
    Properties consumerProps = new Properties();
    consumerProps.putAll(clientProperties);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    // A batch may wait out every retry of every URL; stay in the group meanwhile.
    consumerProps.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30 * 60 * 1000);
    this.consumer = new KafkaConsumer<>(consumerProps, alerts.keySerde().deserializer(), alerts.valueSerde().deserializer());
    Properties producerProps = new Properties();
    producerProps.putAll(clientProperties);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.failures = new KafkaProducer<>(producerProps, failureTopic.keySerde().serializer(), failureTopic.valueSerde().serializer());
    this.consumerMetrics = Metrics.bindKafkaClient(registry, consumer);
    this.producerMetrics = Metrics.bindKafkaClient(registry, failures);
    // Both outcomes from the start at 0, so an alert rule on failures has a series before the first one.
    registry.counter(DELIVERIES, "outcome", "delivered");
    registry.counter(DELIVERIES, "outcome", "failed");
    this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    consumer.subscribe(List.of(alerts.name()));
    this.thread = new Thread(this::run, "webhook-dispatcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, UsageAlert> record : consumer.poll(Duration.ofSeconds(1))) {
          for (URI url : config.urls()) {
            deliver(url, record.value());
          }
        }
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("webhook delivery stopped", e);
    } finally {
      consumerMetrics.close();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void deliver(URI url, UsageAlert alert) {
    Map<String, Object> payload = AlertingRoutes.render(alert, null);
    payload.put("text", "[" + alert.getSeverity().name() + "] " + alert.getMessage());
    String reason = "not tried";
    Duration backoff = config.initialBackoff();
    for (int attempt = 1; attempt <= config.maxAttempts() && running.get(); attempt++) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(config.timeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(payload))).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 2) {
          registry.counter(DELIVERIES, "outcome", "delivered").increment();
          return;
        }
        reason = "HTTP " + response.statusCode();
      } catch (IOException e) {
        reason = e.getClass().getSimpleName() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (attempt < config.maxAttempts()) {
        sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : backoff.multipliedBy(2);
      }
    }
    registry.counter(DELIVERIES, "outcome", "failed").increment();
    log.warn("webhook {} failed for alert {} after {} attempts: {}", url, alert.getAlertId(), config.maxAttempts(), reason);
    RecordHeaders headers = new RecordHeaders();
    headers.add("tl.webhook.url", url.toString().getBytes(StandardCharsets.UTF_8));
    headers.add("tl.error.reason", reason.getBytes(StandardCharsets.UTF_8));
    headers.add("tl.webhook.attempts", Integer.toString(config.maxAttempts()).getBytes(StandardCharsets.UTF_8));
    failures.send(new ProducerRecord<>(failureTopic.name(), null, alert.getAlertId(), alert, headers));
    failures.flush();
  }

  private void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String describe(Config config) {
    return config.urls().size() + " URL(s), " + config.maxAttempts() + " attempts from " + config.initialBackoff()
        .toString().toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    thread.join(10_000);
    producerMetrics.close();
    failures.close(Duration.ofSeconds(5));
  }
}
