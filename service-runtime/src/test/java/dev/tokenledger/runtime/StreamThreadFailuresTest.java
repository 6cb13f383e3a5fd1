package dev.tokenledger.runtime;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T10:00:00Z"));
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StreamThreadFailures failures = new StreamThreadFailures(clock, registry);
  private final RuntimeException producerInErrorState = new IllegalStateException("producer in an error state");

  @Test
  void shouldReplaceAThreadThatFailsOnceInAWhile() {
    for (int i = 0; i < 10; i++) {
      assertThat(failures.handle(producerInErrorState)).isEqualTo(REPLACE_THREAD);
      now.set(now.get().plus(StreamThreadFailures.WINDOW.dividedBy(2)));
    }
    assertThat(registry.get("tokenledger.streams.threads.replaced").counter().count()).isEqualTo(10);
  }

  @Test
  void shouldStopTheInstanceWhenTheFailureKeepsComingBack() {
    for (int i = 0; i < StreamThreadFailures.REPLACEMENTS; i++) {
      assertThat(failures.handle(producerInErrorState)).isEqualTo(REPLACE_THREAD);
      now.set(now.get().plus(Duration.ofSeconds(30)));
    }

    assertThat(failures.handle(producerInErrorState)).isEqualTo(SHUTDOWN_CLIENT);
  }
}
