package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {

  @Test
  void shouldUseTheDesignNamesAndPoliciesByDefault() {
    TopicCatalog topics = TopicCatalog.create(Map.of());

    assertThat(topics.all()).extracting(Topic::name).containsExactly(
        "tokens.consumed", "tokens.rejected", "tokens.late", "pricing.catalog", "usage.aggregates",
        "quota.definitions", "usage.alerts", "quota.exceeded", "alert.actions", "alert.webhook.failures");
    assertThat(topics.tokensConsumed().partitions()).isEqualTo(6);
    assertThat(topics.tokensConsumed().configs()).containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", "2592000000");
    assertThat(topics.quotaDefinitions().configs()).containsEntry("cleanup.policy", "compact");
    assertThat(topics.usageAggregates().configs()).containsEntry("cleanup.policy", "compact").doesNotContainKey("retention.ms");
  }

  @Test
  void shouldApplyNameAndSizeOverrides() {
    TopicCatalog topics = TopicCatalog.create(Map.of(
        "tokenledger.topic.tokens.consumed", "prod.tokens",
        "tokenledger.topics.partitions", "12",
        "tokenledger.topics.replication-factor", "3"));

    assertThat(topics.tokensConsumed().name()).isEqualTo("prod.tokens");
    assertThat(topics.tokensConsumed().partitions()).isEqualTo(12);
    assertThat(topics.usageAlerts().newTopic().replicationFactor()).isEqualTo((short) 3);
    assertThat(topics.usageAlerts().configs()).containsEntry("min.insync.replicas", "2");
  }

  @Test
  void shouldNameTheKeyOfAWrongValue() {
    assertThatThrownBy(() -> TopicCatalog.create(Map.of("tokenledger.topics.partitions", "six")))
        .hasMessage("tokenledger.topics.partitions must be a whole number (got six)");
  }
}
