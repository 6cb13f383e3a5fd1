package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.avro.Period;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class AggregateKeyTest {

  @Test
  void shouldNameOneBucketAndGiveItsSubjectBack() {
    String key = AggregateKey.of("model:openai/gpt-4o", Period.DAY, Instant.parse("2026-12-07T00:00:00Z"));

    assertThat(key).isEqualTo("model:openai/gpt-4o|day|2026-12-07T00:00:00Z");
    assertThat(AggregateKey.subjectOf(key)).isEqualTo("model:openai/gpt-4o");
  }

  @Test
  void shouldGiveBackASubjectThatContainsTheSeparator() {
    String key = AggregateKey.of("user:a|b", Period.MINUTE, Instant.parse("2026-12-07T10:01:00Z"));

    assertThat(AggregateKey.subjectOf(key)).isEqualTo("user:a|b");
  }

  @Test
  void shouldRefuseAKeyWithoutItsBucket() {
    assertThatThrownBy(() -> AggregateKey.subjectOf("user:alice")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldPartitionBySubjectAsTheProducersDefaultPartitionerWould() {
    for (String subject : new String[] {"user:alice", "all:_", "model:anthropic/claude-sonnet-4-5", "tenant:ünïcødé"}) {
      assertThat(AggregateKey.partition(subject, 6))
          .isEqualTo(BuiltInPartitioner.partitionForKey(subject.getBytes(StandardCharsets.UTF_8), 6));
    }
  }
}
