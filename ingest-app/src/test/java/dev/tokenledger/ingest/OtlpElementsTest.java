package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

/** Counted by OTLP's own message structure: nested values count, bytes and strings do not. */
class OtlpElementsTest {

  private static byte[] spanWithArrayOf(int values) {
    ArrayValue.Builder array = ArrayValue.newBuilder();
    for (int i = 0; i < values; i++) {
      array.addValues(AnyValue.newBuilder().setIntValue(i));
    }
    Span span = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))
        .setName("x".repeat(100_000))
        .addAttributes(KeyValue.newBuilder().setKey("a").setValue(AnyValue.newBuilder().setArrayValue(array))).build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build().toByteArray();
  }

  @Test
  void shouldCountNestedValuesAndNotTheBytesOfAString() {
    // request → resourceSpans → scopeSpans → span (trace id, span id, name, attribute) → key, value
    // → array → 10 values, each with its int (a oneof member, sent even when 0):
    // 1 + 1 + 1 + 4 + 2 + 1 + 10 + 10 = 30 fields.
    byte[] body = spanWithArrayOf(10);
    assertThat(OtlpElements.atMost(body, OtlpCodec.Encoding.PROTOBUF, 30)).isTrue();
    assertThat(OtlpElements.atMost(body, OtlpCodec.Encoding.PROTOBUF, 29)).isFalse();
  }

  @Test
  void shouldCountJsonTokens() {
    byte[] body = "{\"resourceSpans\":[{},{}]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // { "resourceSpans" [ { } { } ] }
    assertThat(OtlpElements.atMost(body, OtlpCodec.Encoding.JSON, 9)).isTrue();
    assertThat(OtlpElements.atMost(body, OtlpCodec.Encoding.JSON, 8)).isFalse();
  }
}
