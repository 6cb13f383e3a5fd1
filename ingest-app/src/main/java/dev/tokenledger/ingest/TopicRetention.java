package dev.tokenledger.ingest;

import dev.tokenledger.schemas.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long the events topic keeps a record ({@code retention.ms}): read from the broker at start,
 * or, when the broker does not answer in time, taken from the topic catalogue's configuration.
 * A record whose timestamp is older is deleted by Kafka, so ingest rejects such an event instead.
 */
final class TopicRetention {

  private static final Logger log = LoggerFactory.getLogger(TopicRetention.class);

  private TopicRetention() {}

  /** The retention, or empty when records are kept forever ({@code retention.ms=-1}). */
  static Optional<Duration> of(Admin admin, Topic<?, ?> topic, Duration timeout) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
    try {
      Config config = admin.describeConfigs(List.of(resource)).all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
      ConfigEntry entry = config == null ? null : config.get(TopicConfig.RETENTION_MS_CONFIG);
      if (entry != null && entry.value() != null) {
        return parse(entry.value(), "topic " + topic.name() + " on the broker");
      }
    } catch (ExecutionException | TimeoutException e) {
      log.warn("cannot read retention.ms of {} from the broker ({}); using the catalogue's", topic.name(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return fromCatalogue(topic);
  }

  static Optional<Duration> fromCatalogue(Topic<?, ?> topic) {
    String configured = topic.configs().get(TopicConfig.RETENTION_MS_CONFIG);
    return configured == null ? Optional.empty() : parse(configured, "the catalogue of " + topic.name());
  }

  private static Optional<Duration> parse(String retentionMs, String where) {
    long millis;
    try {
      millis = Long.parseLong(retentionMs.trim());
    } catch (NumberFormatException e) {
      log.warn("retention.ms of {} is not a number ({}); not bounding occurredAt by it", where, retentionMs);
      return Optional.empty();
    }
    Optional<Duration> retention = millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
    log.info("events older than {} are rejected (retention.ms of {})",
        retention.map(Duration::toString).orElse("forever (never)"), where);
    return retention;
  }
}
