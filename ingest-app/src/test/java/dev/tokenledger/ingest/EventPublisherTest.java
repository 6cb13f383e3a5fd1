package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EventPublisherTest {

  private static final Instant OCCURRED_AT = Instant.parse("2026-11-22T09:59:00Z");

  @Test
  void shouldSendEachEventKeyedByUserIdAtItsEventTime() {
    MockProducer<String, TokensConsumed> producer = producer(true);

    publisher(producer, Duration.ofSeconds(10)).publish(List.of(event("alice"), event("bob")));

    assertThat(producer.history()).extracting(ProducerRecord::topic, ProducerRecord::key, ProducerRecord::timestamp)
        .containsExactly(
            tuple("tokens.consumed", "alice", OCCURRED_AT.toEpochMilli()),
            tuple("tokens.consumed", "bob", OCCURRED_AT.toEpochMilli()));
  }

  @Test
  void shouldAnswer503WhenTheBrokerFailsAnEvent() {
    MockProducer<String, TokensConsumed> producer = producer(false);
    CompletableFuture.runAsync(() -> {
      await().until(() -> producer.history().size() == 1);
      producer.errorNext(new NotEnoughReplicasException("not enough in-sync replicas"));
    });

    ProblemException thrown = catchThrowableOfType(ProblemException.class,
        () -> publisher(producer, Duration.ofSeconds(30)).publish(List.of(event("alice"))));

    assertThat(thrown.problem().status()).isEqualTo(503);
    assertThat(thrown.problem().detail()).isEqualTo("Kafka did not acknowledge the events (not enough in-sync "
        + "replicas); none was accepted, retry later with the same eventIds");
    assertThat(thrown.headers()).containsEntry("Retry-After", "5");
  }

  @Test
  void shouldAnswer503WhenNoAcknowledgementArrivesInTime() {
    MockProducer<String, TokensConsumed> producer = producer(false);

    ProblemException thrown = catchThrowableOfType(ProblemException.class,
        () -> publisher(producer, Duration.ofMillis(200)).publish(List.of(event("alice"))));

    assertThat(thrown.problem().detail()).contains("no acknowledgement within 200 ms");
  }

  @Test
  void shouldAnswer503WhenSendCannotEvenStart() {
    MockProducer<String, TokensConsumed> producer = producer(true);
    producer.sendException = new TimeoutException("Topic tokens.consumed not present in metadata after 5000 ms.");

    ProblemException thrown = catchThrowableOfType(ProblemException.class,
        () -> publisher(producer, Duration.ofSeconds(10)).publish(List.of(event("alice"))));

    assertThat(thrown.problem().status()).isEqualTo(503);
    assertThat(thrown.problem().detail()).contains("not present in metadata");
  }

  @Test
  void shouldForceDurabilityAndDeriveTimeoutsFromTheSendTimeout() {
    AppContext context = AppContext.create("ingest-app", Settings.of("/ingest-app.properties", Map.of(
        "tokenledger.auth.enabled", "false",
        "kafka.acks", "1",
        "kafka.enable.idempotence", "false",
        "kafka.linger.ms", "20")));

    Properties props = EventPublisher.producerProperties(context, Duration.ofSeconds(10));

    assertThat(props).containsEntry("acks", "all").containsEntry("enable.idempotence", "true")
        .containsEntry("linger.ms", "20")
        .containsEntry("delivery.timeout.ms", "10000")
        .containsEntry("request.timeout.ms", "5000")
        .containsEntry("max.block.ms", "5000")
        .containsEntry("client.id", "ingest-app-producer");
  }

  private static MockProducer<String, TokensConsumed> producer(boolean autoComplete) {
    return new MockProducer<>(autoComplete, null,
        new StringSerializer(), AvroSerdes.tokensConsumed().serializer());
  }

  private static EventPublisher publisher(MockProducer<String, TokensConsumed> producer, Duration sendTimeout) {
    return new EventPublisher(producer, "tokens.consumed", sendTimeout, Duration.ofSeconds(1));
  }

  private static TokensConsumed event(String userId) {
    return TokensConsumed.newBuilder()
        .setEventId("evt-" + userId)
        .setOccurredAt(OCCURRED_AT)
        .setUserId(userId)
        .setService("chat-api")
        .setProvider("openai")
        .setModel("gpt-4o")
        .build();
  }
}
