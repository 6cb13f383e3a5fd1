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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each alert on {@code usage.alerts} to the configured webhook URLs, on threads and
 * consumer groups of its own, so a slow or dead receiver never holds up the stream.
 *
 * <ul>
 *   <li>Each delivery is tried {@code max-attempts} times with exponential backoff; one that
 *       still fails is kept on {@code alert.webhook.failures} and counted.
 *   <li>The offset is committed after each alert is handled, so a restart repeats at most the
 *       alert in hand; the first start reads from the earliest alert retained.
 *   <li>A second loop retries the failures once they are {@code retry-interval} old (or at once
 *       after {@link #redeliverNow}), up to {@code max-rounds} rounds, then gives up and counts it.
 *   <li>Both loops are supervised: a failure (broker gone, a commit refused) restarts the loop
 *       with backoff; its state is on {@code /ready} and in metrics.
 *   <li>URLs carry secrets (Slack's do): logs and headers show scheme, host and port only;
 *       failure records name the URL by a fingerprint, by which the retry finds it again.
 * </ul>
 *
 * Delivery is at least once: receivers dedupe by {@code alertId}.
 */
final class WebhookDispatcher implements AutoCloseable {

  /** The webhook settings. */
  record Config(List<URI> urls, int maxAttempts, Duration initialBackoff, Duration timeout, Duration retryInterval,
      int maxRounds) {}

  static final String URL_HEADER = "tl.webhook.url";
  static final String TARGET_HEADER = "tl.webhook.target";
  static final String ROUNDS_HEADER = "tl.webhook.rounds";
  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final ObjectMapper JSON = Json.newMapper();
  private static final String DELIVERIES = "tokenledger.alerting.webhook.deliveries";
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  private final Config config;
  private final Topic<String, UsageAlert> alerts;
  private final Topic<String, UsageAlert> failureTopic;
  private final Properties clientProperties;
  private final String groupId;
  private final MeterRegistry registry;
  private final HttpClient http;
  private final KafkaProducer<String, UsageAlert> failures;
  private final KafkaClientMetrics producerMetrics;
  private final AtomicBoolean running = new AtomicBoolean(true);
  /** Failures recorded up to this time are due now: set by {@link #redeliverNow}. */
  private final AtomicLong redeliverUpTo = new AtomicLong(Long.MIN_VALUE);
  private final Loop delivery;
  private final Loop redelivery;

  WebhookDispatcher(Config config, Topic<String, UsageAlert> alerts, Topic<String, UsageAlert> failureTopic,
      Properties clientProperties, String groupId, MeterRegistry registry) {
    this.config = config;
    this.alerts = alerts;
    this.failureTopic = failureTopic;
    this.clientProperties = clientProperties;
    this.groupId = groupId;
    this.registry = registry;
    Properties producerProps = new Properties();
    producerProps.putAll(clientProperties);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.failures = new KafkaProducer<>(producerProps, failureTopic.keySerde().serializer(), failureTopic.valueSerde().serializer());
    this.producerMetrics = Metrics.bindKafkaClient(registry, failures);
    // Every outcome from the start at 0, so an alert rule on failures has a series before the first one.
    for (String outcome : List.of("delivered", "failed", "redelivered", "abandoned")) {
      registry.counter(DELIVERIES, "outcome", outcome);
    }
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout()).build();
    this.delivery = new Loop("webhook-dispatcher", alerts.name(), groupId, this::deliverFresh,
        perAlertPollInterval());
    this.redelivery = new Loop("webhook-redelivery", failureTopic.name(), groupId + "-redelivery", this::redeliver,
        perAlertPollInterval().plus(config.retryInterval()));
    delivery.start();
    redelivery.start();
  }

  /** Long enough for one alert's every attempt at every URL, the most a loop spends between polls. */
  private Duration perAlertPollInterval() {
    Duration perUrl = config.timeout().plus(MAX_BACKOFF).multipliedBy(config.maxAttempts());
    return perUrl.multipliedBy(Math.max(1, config.urls().size())).plus(Duration.ofMinutes(5));
  }

  /** One consumer loop, restarted with backoff whenever it fails. */
  private final class Loop {
    private final String name;
    private final String topic;
    private final String group;
    private final RecordHandler handler;
    private final Duration maxPollInterval;
    private final AtomicReference<String> state = new AtomicReference<>("starting");
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicReference<KafkaConsumer<String, UsageAlert>> consumer = new AtomicReference<>();
    private final Thread thread;

    Loop(String name, String topic, String group, RecordHandler handler, Duration maxPollInterval) {
      this.name = name;
      this.topic = topic;
      this.group = group;
      this.handler = handler;
      this.maxPollInterval = maxPollInterval;
      this.thread = new Thread(this::supervise, name);
      thread.setDaemon(true);
      registry.gauge("tokenledger.alerting.webhook.restarts", List.of(io.micrometer.core.instrument.Tag.of("loop", name)),
          restarts, AtomicLong::doubleValue);
    }

    void start() {
      thread.start();
    }

    private void supervise() {
      Duration backoff = Duration.ofSeconds(1);
      while (running.get()) {
        try {
          runSession();
          backoff = Duration.ofSeconds(1);
        } catch (WakeupException e) {
          // closing
        } catch (RuntimeException e) {
          if (!running.get()) {
            break;
          }
          restarts.incrementAndGet();
          lastError.set(e.getClass().getSimpleName() + ": " + redactedMessage(e));
          state.set("restarting");
          log.warn("{} failed, restarting in {} ms: {}", name, backoff.toMillis(), lastError.get());
          pause(backoff);
          backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
      }
      state.set("stopped");
    }

    private void runSession() {
      Properties props = new Properties();
      props.putAll(clientProperties);
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      // A group's first start delivers every alert still retained, not only those after it joined.
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
      props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, maxPollInterval.toMillis()));
      try (KafkaConsumer<String, UsageAlert> session = new KafkaConsumer<>(props, alerts.keySerde().deserializer(),
          alerts.valueSerde().deserializer()); KafkaClientMetrics metrics = Metrics.bindKafkaClient(registry, session)) {
        consumer.set(session);
        session.subscribe(List.of(topic));
        state.set("running");
        while (running.get()) {
          for (ConsumerRecord<String, UsageAlert> record : session.poll(Duration.ofSeconds(1))) {
            handler.handle(record);
            session.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                new OffsetAndMetadata(record.offset() + 1)));
          }
        }
      } finally {
        consumer.set(null);
      }
    }

    Map<String, Object> describe() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("state", state.get());
      json.put("restarts", restarts.get());
      if (lastError.get() != null) {
        json.put("lastError", lastError.get());
      }
      return json;
    }

    void wakeup() {
      KafkaConsumer<String, UsageAlert> current = consumer.get();
      if (current != null) {
        current.wakeup();
      }
      thread.interrupt();
    }

    void join() throws InterruptedException {
      thread.join(10_000);
    }
  }

  @FunctionalInterface
  private interface RecordHandler {
    void handle(ConsumerRecord<String, UsageAlert> record);
  }

  private void deliverFresh(ConsumerRecord<String, UsageAlert> record) {
    if (record.value() == null) {
      return;
    }
    for (URI url : config.urls()) {
      Optional<String> failure = deliver(url, record.value());
      if (failure.isEmpty()) {
        registry.counter(DELIVERIES, "outcome", "delivered").increment();
      } else {
        registry.counter(DELIVERIES, "outcome", "failed").increment();
        keepFailure(url, record.value(), failure.get(), 1);
      }
    }
  }

  /** A kept failure, once due: tried again at its URL, kept again for the next round or given up. */
  private void redeliver(ConsumerRecord<String, UsageAlert> record) {
    if (record.value() == null) {
      return;
    }
    Instant due = Instant.ofEpochMilli(record.timestamp()).plus(config.retryInterval());
    while (running.get() && Instant.now().isBefore(due) && record.timestamp() > redeliverUpTo.get()) {
      pause(Duration.ofMillis(Math.min(1_000, Math.max(1, Duration.between(Instant.now(), due).toMillis()))));
    }
    if (!running.get()) {
      throw new WakeupException();
    }
    String target = header(record.headers(), TARGET_HEADER).orElse("");
    int rounds = header(record.headers(), ROUNDS_HEADER).map(Integer::parseInt).orElse(1);
    Optional<URI> url = config.urls().stream().filter(u -> fingerprint(u).equals(target)).findFirst();
    if (url.isEmpty()) {
      registry.counter(DELIVERIES, "outcome", "abandoned").increment();
      log.warn("alert {} failed for a webhook no longer configured ({}): not retried", record.key(),
          header(record.headers(), URL_HEADER).orElse("?"));
      return;
    }
    Optional<String> failure = deliver(url.get(), record.value());
    if (failure.isEmpty()) {
      registry.counter(DELIVERIES, "outcome", "redelivered").increment();
    } else if (rounds < config.maxRounds()) {
      keepFailure(url.get(), record.value(), failure.get(), rounds + 1);
    } else {
      registry.counter(DELIVERIES, "outcome", "abandoned").increment();
      log.warn("webhook {} still failing for alert {} after {} rounds, given up: {}", redact(url.get()), record.key(),
          rounds, failure.get());
    }
  }

  /** Every attempt at one URL; the last failure's reason, or empty once delivered. */
  private Optional<String> deliver(URI url, UsageAlert alert) {
    Map<String, Object> payload = AlertingRoutes.render(alert, null);
    payload.put("text", "[" + alert.getSeverity().name() + "] " + alert.getMessage());
    String reason = "not tried";
    Duration backoff = config.initialBackoff();
    for (int attempt = 1; attempt <= config.maxAttempts() && running.get(); attempt++) {
      try {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(config.timeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(payload))).build(),
            HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 == 2) {
          return Optional.empty();
        }
        reason = "HTTP " + response.statusCode();
      } catch (IOException e) {
        // The JDK's messages may quote the URL: name the failure by its class.
        reason = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        // Only close interrupts: the alert is not committed and is handled again after a restart.
        Thread.currentThread().interrupt();
        throw new WakeupException();
      }
      if (attempt < config.maxAttempts()) {
        pause(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
    if (!running.get()) {
      throw new WakeupException();
    }
    return Optional.of(reason);
  }

  private void keepFailure(URI url, UsageAlert alert, String reason, int round) {
    log.warn("webhook {} failed for alert {} after {} attempts (round {}): {}", redact(url), alert.getAlertId(),
        config.maxAttempts(), round, reason);
    RecordHeaders headers = new RecordHeaders();
    headers.add(URL_HEADER, redact(url).getBytes(StandardCharsets.UTF_8));
    headers.add(TARGET_HEADER, fingerprint(url).getBytes(StandardCharsets.UTF_8));
    headers.add("tl.error.reason", reason.getBytes(StandardCharsets.UTF_8));
    headers.add("tl.webhook.attempts", Integer.toString(config.maxAttempts()).getBytes(StandardCharsets.UTF_8));
    headers.add(ROUNDS_HEADER, Integer.toString(round).getBytes(StandardCharsets.UTF_8));
    try {
      failures.send(new ProducerRecord<>(failureTopic.name(), null, alert.getAlertId(), alert, headers)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WakeupException();
    } catch (java.util.concurrent.ExecutionException e) {
      // Not committed: the loop restarts and handles this alert again.
      throw new IllegalStateException("could not keep the failed delivery on " + failureTopic.name(), e.getCause());
    }
  }

  /** Retries every failure kept until now without waiting for its retry interval. */
  void redeliverNow() {
    redeliverUpTo.set(System.currentTimeMillis());
  }

  /** Each loop's state, for {@code /ready}. */
  Map<String, Object> describe() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("urls", config.urls().stream().map(WebhookDispatcher::redact).toList());
    json.put("delivery", delivery.describe());
    json.put("redelivery", redelivery.describe());
    return json;
  }

  /** scheme://host:port/… — what a log may show of a URL whose path or query may be a secret. */
  static String redact(URI url) {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
        + (url.getRawPath() == null || url.getRawPath().isEmpty() ? "" : "/…");
  }

  /** A URL's stable name that reveals nothing of it: the first 16 hex digits of its SHA-256. */
  static String fingerprint(URI url) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(url.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private String redactedMessage(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    for (URI url : config.urls()) {
      message = message.replace(url.toString(), redact(url));
    }
    return message;
  }

  private static Optional<String> header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null ? Optional.empty() : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
  }

  private void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (!running.get()) {
        throw new WakeupException();
      }
    }
  }

  static String describe(Config config) {
    return config.urls().stream().map(WebhookDispatcher::redact).toList() + ", " + config.maxAttempts()
        + " attempts from " + config.initialBackoff().toString().toLowerCase(Locale.ROOT) + ", failures retried every "
        + config.retryInterval().toString().toLowerCase(Locale.ROOT) + " up to " + config.maxRounds() + " rounds";
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    delivery.wakeup();
    redelivery.wakeup();
    delivery.join();
    redelivery.join();
    producerMetrics.close();
    failures.close(Duration.ofSeconds(5));
  }
}
