package dev.tokenledger.kafkalocal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaBrokerExtensionTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void shouldCreateTheCatalogueTopicsUnderAPrefix() throws Exception {
    Map<String, String> settings = KAFKA.isolatedTopics("ext");
    String consumed = settings.get("tokenledger.topic.tokens.consumed");

    try (Admin admin = KAFKA.admin()) {
      TopicDescription description = admin.describeTopics(List.of(consumed)).allTopicNames()
          .get(30, TimeUnit.SECONDS).get(consumed);
      assertThat(description.partitions()).hasSize(3);
    }
    assertThat(consumed).startsWith("ext-").endsWith(".tokens.consumed");
  }

  @Test
  void shouldAcknowledgeAndDeliverARecordWithAcksAll() throws Exception {
    String topic = KAFKA.isolatedTopics("roundtrip").get("tokenledger.topic.tokens.consumed");
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "alice", "hello")).get(30, TimeUnit.SECONDS);
    }
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "roundtrip-test",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      ConsumerRecords<String, String> records = ConsumerRecords.empty();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.isEmpty() && System.nanoTime() < deadline) {
        records = consumer.poll(Duration.ofMillis(500));
      }
      assertThat(records).extracting(r -> r.key() + "=" + r.value()).containsExactly("alice=hello");
    }
  }
}
