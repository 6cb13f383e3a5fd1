package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.AlertAction;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one catalogue of TokenLedger's topics and their serdes. Names are defaults, each
 * overridable by {@code tokenledger.topic.<default name>} (e.g. {@code
 * tokenledger.topic.tokens.consumed=prod.tokens.consumed}); partitions and replication come from
 * {@code tokenledger.topics.partitions} and {@code tokenledger.topics.replication-factor}.
 */
public record TopicCatalog(
    Topic<String, TokensConsumed> tokensConsumed,
    Topic<byte[], byte[]> tokensRejected,
    Topic<String, TokensConsumed> tokensLate,
    Topic<String, ModelPrice> pricingCatalog,
    Topic<String, UsageAggregate> usageAggregates,
    Topic<String, QuotaDefinition> quotaDefinitions,
    Topic<String, UsageAlert> usageAlerts,
    Topic<String, QuotaExceeded> quotaExceeded,
    Topic<String, AlertAction> alertActions,
    Topic<String, UsageAlert> webhookFailures) {

  public static final String PARTITIONS_KEY = "tokenledger.topics.partitions";
  public static final String REPLICATION_FACTOR_KEY = "tokenledger.topics.replication-factor";
  public static final int DEFAULT_PARTITIONS = 6;
  public static final short DEFAULT_REPLICATION_FACTOR = 1;

  /** Default names, with the settings as given (missing keys take the defaults). */
  public static TopicCatalog create(Map<String, String> settings) {
    int partitions = intSetting(settings, PARTITIONS_KEY, DEFAULT_PARTITIONS);
    short replication = (short) intSetting(settings, REPLICATION_FACTOR_KEY, DEFAULT_REPLICATION_FACTOR);
    var factory = new Factory(settings, partitions, replication);
    Serde<String> key = Serdes.String();
    return new TopicCatalog(
        factory.topic("tokens.consumed", key, AvroSerdes.tokensConsumed(), deleteAfter(Duration.ofDays(30))),
        factory.topic("tokens.rejected", Serdes.ByteArray(), Serdes.ByteArray(), deleteAfter(Duration.ofDays(30))),
        factory.topic("tokens.late", key, AvroSerdes.tokensConsumed(), deleteAfter(Duration.ofDays(30))),
        factory.topic("pricing.catalog", key, AvroSerdes.modelPrice(), compacted()),
        // Keyed by bucket and compacted: the latest total of every bucket the aggregator keeps (it
        // writes a tombstone for each bucket it purges), for a consumer that starts at any time.
        factory.topic("usage.aggregates", key, AvroSerdes.usageAggregate(), compacted()),
        factory.topic("quota.definitions", key, AvroSerdes.quotaDefinition(), compacted()),
        factory.topic("usage.alerts", key, AvroSerdes.usageAlert(), deleteAfter(Duration.ofDays(90))),
        factory.topic("quota.exceeded", key, AvroSerdes.quotaExceeded(), deleteAfter(Duration.ofDays(90))),
        factory.topic("alert.actions", key, AvroSerdes.alertAction(), compacted()),
        factory.topic("alert.webhook.failures", key, AvroSerdes.usageAlert(), deleteAfter(Duration.ofDays(30))));
  }

  public List<Topic<?, ?>> all() {
    return List.of(tokensConsumed, tokensRejected, tokensLate, pricingCatalog, usageAggregates,
        quotaDefinitions, usageAlerts, quotaExceeded, alertActions, webhookFailures);
  }

  /**
   * Creates every catalogue topic the cluster lacks, with its partitions and policies; existing
   * topics are left as they are.
   */
  public void createMissing(Admin admin) {
    try {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = all().stream().filter(t -> !existing.contains(t.name()))
          .map(Topic::newTopic).toList();
      if (missing.isEmpty()) {
        return;
      }
      for (var result : admin.createTopics(missing).values().values()) {
        try {
          result.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      // Until every new partition has a leader that answers (the admin client retries): an
      // idempotent producer whose first batch to a partition gets NOT_LEADER_OR_FOLLOWER while a
      // later one is accepted retries the first with OUT_OF_ORDER_SEQUENCE_NUMBER until its
      // delivery timeout (KAFKA-14359), seen by the bench's preload right after topic creation.
      awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create the TokenLedger topics: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /** Until every partition of {@code topics} answers a ListOffsets; a cluster's nodes learn of new topics one by one. */
  private static void awaitLeaders(Admin admin, List<String> topics)
      throws ExecutionException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS)
            .forEach((name, description) -> description.partitions()
                .forEach(p -> partitions.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        admin.listOffsets(partitions).all().get(60, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static Map<String, String> deleteAfter(Duration retention) {
    return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
  }

  private static Map<String, String> compacted() {
    return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
  }

  private static int intSetting(Map<String, String> settings, String key, int fallback) {
    String value = settings.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed < 1) {
        throw new IllegalArgumentException(key + " must be ≥ 1 (got " + value + ")");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number (got " + value + ")", e);
    }
  }

  private record Factory(Map<String, String> settings, int partitions, short replication) {
    <K, V> Topic<K, V> topic(String defaultName, Serde<K> key, Serde<V> value, Map<String, String> configs) {
      String name = settings.getOrDefault("tokenledger.topic." + defaultName, defaultName).trim();
      Map<String, String> all = new HashMap<>(configs);
      if (replication > 1) {
        // acks=all then survives one broker down; with 3+ replicas that is 2 in sync.
        all.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.min(2, replication)));
      }
      return new Topic<>(name, key, value, partitions, replication, Map.copyOf(all));
    }
  }
}
