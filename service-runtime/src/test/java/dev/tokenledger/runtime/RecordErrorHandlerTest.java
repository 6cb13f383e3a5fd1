package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** What the Streams apps' exception handlers decide, and what they send to tokens.rejected. */
class RecordErrorHandlerTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordErrorHandler handler = new RecordErrorHandler();

  {
    handler.configure(Map.of(RecordErrorHandler.REJECTED_TOPIC_CONFIG, "tokens.rejected",
        RecordErrorHandler.APPLICATION_CONFIG, "tokenledger-aggregator",
        RecordErrorHandler.METER_REGISTRY_CONFIG, registry));
  }

  /** The context of a record read at tokens.consumed-2@41 by task 0_2, or of a punctuation (null topic). */
  private record Context(String topic, TaskId taskId, byte[] sourceRawKey, byte[] sourceRawValue, Headers headers)
      implements ErrorHandlerContext {
    static Context reading(byte[] key, byte[] value) {
      RecordHeaders headers = new RecordHeaders();
      headers.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
      return new Context("tokens.consumed", new TaskId(0, 2), key, value, headers);
    }

    @Override
    public int partition() {
      return topic == null ? -1 : 2;
    }

    @Override
    public long offset() {
      return topic == null ? -1 : 41;
    }

    @Override
    public String processorNodeId() {
      return "buckets";
    }

    @Override
    public long timestamp() {
      return 1_700_000_000_000L;
    }
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return RejectedRecord.header(record.headers(), name);
  }

  @Test
  void shouldRouteARecordWhoseProcessingThrowsAsItCameWithTheException() {
    byte[] key = "alice".getBytes(StandardCharsets.UTF_8);
    byte[] value = {1, 2, 3};
    long before = System.currentTimeMillis();

    var response = handler.handleError(Context.reading(key, value), new Record<>("alice", "x", 0L),
        new IllegalStateException("no such subject"));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    ProducerRecord<byte[], byte[]> routed = response.deadLetterQueueRecords().get(0);
    assertThat(routed.topic()).isEqualTo("tokens.rejected");
    assertThat(routed.key()).isEqualTo(key);
    assertThat(routed.value()).isEqualTo(value);
    assertThat(routed.timestamp()).isGreaterThanOrEqualTo(before);
    assertThat(header(routed, "traceparent")).isEqualTo("00-abc-def-01");
    assertThat(header(routed, RejectedRecord.CATEGORY)).isEqualTo("processing-error");
    assertThat(header(routed, RejectedRecord.REASON)).isEqualTo("IllegalStateException: no such subject");
    assertThat(header(routed, RejectedRecord.EXCEPTION)).isEqualTo("java.lang.IllegalStateException");
    assertThat(header(routed, RejectedRecord.PROCESSOR)).isEqualTo("buckets");
    assertThat(header(routed, RejectedRecord.APPLICATION)).isEqualTo("tokenledger-aggregator");
    assertThat(header(routed, RejectedRecord.TOPIC)).isEqualTo("tokens.consumed");
    assertThat(header(routed, RejectedRecord.PARTITION)).isEqualTo("2");
    assertThat(header(routed, RejectedRecord.OFFSET)).isEqualTo("41");
    assertThat(header(routed, RejectedRecord.ORIGINAL_TIMESTAMP)).isEqualTo("1700000000000");
    assertThat(registry.get(RecordErrorHandler.METRIC).tag("handler", "processing").tag("outcome", "routed")
        .tag("exception", "IllegalStateException").counter().count()).isEqualTo(1);
  }

  @Test
  void shouldCallARefusedTotalAnOverflow() {
    var response = handler.handleError(Context.reading(null, new byte[] {1}), new Record<>("k", "v", 0L),
        new ArithmeticException("costNanos would overflow"));

    assertThat(header(response.deadLetterQueueRecords().get(0), RejectedRecord.CATEGORY)).isEqualTo("overflow");
  }

  @Test
  void shouldFailTheTaskForKafkasOwnTroubleAndForAPunctuation() {
    assertThat(handler.handleError(Context.reading(null, new byte[] {1}), new Record<>("k", "v", 0L),
        new TimeoutException("commit timed out")).result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
    assertThat(handler.handleError(Context.reading(null, new byte[] {1}), new Record<>("k", "v", 0L),
        new StreamsException("store closed")).result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
    // A punctuation has no record: its partial work must roll back with the transaction.
    assertThat(handler.handleError(new Context(null, new TaskId(1, 0), null, null, new RecordHeaders()), (Record<?, ?>) null,
        new IllegalStateException("purge failed")).result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
  }

  @Test
  void shouldRouteAnUndecodableRecord() {
    byte[] garbage = {(byte) 0xC3, 0x01, 9};

    var response = handler.handleError(Context.reading(null, garbage),
        new ConsumerRecord<>("usage.aggregates", 2, 41, null, garbage), new SerializationException("corrupt"));

    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords().get(0).value()).isEqualTo(garbage);
    assertThat(header(response.deadLetterQueueRecords().get(0), RejectedRecord.CATEGORY)).isEqualTo("undecodable");
  }

  @Test
  void shouldSkipAnUndecodableRecordOfAGlobalStoreForNothingCanBeSentFromItsThread() {
    var response = handler.handleError(new Context("pricing.catalog", new TaskId(-1, -1), null, new byte[] {1},
        new RecordHeaders()), new ConsumerRecord<>("pricing.catalog", 0, 7, null, new byte[] {1}),
        new SerializationException("corrupt"));

    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
    assertThat(registry.get(RecordErrorHandler.METRIC).tag("handler", "deserialization").tag("outcome", "skipped")
        .counter().count()).isEqualTo(1);
  }

  @Test
  void shouldRetryWhatKafkaCanRetryAndFailWhatDoomsTheTransaction() {
    ProducerRecord<byte[], byte[]> output = new ProducerRecord<>("usage.aggregates", new byte[1], new byte[1]);

    assertThat(handler.handleError(Context.reading(null, null), output, new TimeoutException("no leader")).result())
        .isEqualTo(ProductionExceptionHandler.Result.RETRY);
    assertThat(handler.handleError(Context.reading(null, null), output, new RecordTooLargeException("2 MB")).result())
        .isEqualTo(ProductionExceptionHandler.Result.FAIL);
  }

  @Test
  void shouldCutWhatCouldMakeTheRejectedCopyTooLargeForKafka() {
    byte[] huge = new byte[900_000];
    Arrays.fill(huge, (byte) 'x');
    RecordHeaders bulky = new RecordHeaders();
    bulky.add("blob", new byte[100_000]);

    RejectedRecord copy = RejectedRecord.of(huge, huge, bulky,
        new RejectedRecord.Source("tokens.consumed", 0, 5, 1L), "tokenledger-aggregator", "invalid", "too large");

    assertThat(copy.key()).hasSize(RejectedRecord.MAX_KEY_BYTES);
    assertThat(copy.value()).hasSize(RejectedRecord.MAX_VALUE_BYTES);
    assertThat(RejectedRecord.header(copy.headers(), RejectedRecord.VALUE_SIZE)).isEqualTo("900000");
    assertThat(RejectedRecord.header(copy.headers(), RejectedRecord.KEY_SIZE)).isEqualTo("900000");
    assertThat(RejectedRecord.header(copy.headers(), RejectedRecord.HEADERS_DROPPED)).isEqualTo("1");
    assertThat(copy.headers().lastHeader("blob")).isNull();
  }
}
