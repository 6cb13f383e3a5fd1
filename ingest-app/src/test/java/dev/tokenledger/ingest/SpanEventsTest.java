package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Spans turned into event items and judged by the real {@link EventParser}, with configured attribute names. */
class SpanEventsTest {

  private static final String TRACE_ID = "5b8efff798038103d269b633813fc60c";
  private static final String SPAN_ID = "eee19b7ec3c1b174";
  private static final SpanEvents DEFAULT_NAMES =
      new SpanEvents(new SpanEvents.Names(Optional.of("service.name"), List.of("user.id", "enduser.id"), "tenant.id"));
  private final EventParser parser = new EventParser(Clock.systemUTC(), Duration.ofMinutes(5));

  @Test
  void shouldReadTheConfiguredNamesWithTheSpanOverridingItsResource() {
    SpanEvents spans = new SpanEvents(new SpanEvents.Names(Optional.of("app.service"), List.of("app.user", "enduser.id"),
        "org.id"));
    Resource resource = resource(text("app.service", "billing"), text("org.id", "acme"), text("app.user", "from-resource"),
        text("service.name", "ignored"));

    TokensConsumed event = event(spans, resource, usageSpan().addAttributes(text("app.user", "alice"))
        .addAttributes(text("user.id", "not-configured")));

    assertThat(event.getUserId()).isEqualTo("alice");
    assertThat(event.getTenantId()).isEqualTo("acme");
    assertThat(event.getService()).isEqualTo("billing");
    assertThat(event.getEventId()).isEqualTo("otel-" + TRACE_ID + "-" + SPAN_ID);
  }

  @Test
  void shouldTakeTheNextUserAttributeAndANumericUserIdAsText() {
    TokensConsumed event = event(DEFAULT_NAMES, resource(), usageSpan().addAttributes(KeyValue.newBuilder()
        .setKey("enduser.id").setValue(AnyValue.newBuilder().setIntValue(42))));

    assertThat(event.getUserId()).isEqualTo("42");
  }

  @Test
  void shouldNotTakeTheSdksDefaultServiceNameForAService() {
    TokensConsumed event = event(DEFAULT_NAMES, resource(text("service.name", "unknown_service:java")),
        usageSpan().addAttributes(text("user.id", "alice")));

    assertThat(event.getService()).isEqualTo("unknown");
  }

  @Test
  void shouldReadNoServiceWhenNoAttributeIsConfiguredForIt() {
    SpanEvents spans = new SpanEvents(new SpanEvents.Names(Optional.empty(), List.of("user.id"), "tenant.id"));

    TokensConsumed event = event(spans, resource(text("service.name", "billing")),
        usageSpan().addAttributes(text("user.id", "alice")));

    assertThat(event.getService()).isEqualTo("unknown");
  }

  @Test
  void shouldStopTheAppAtStartOnAnEmptyUserAttributeName() {
    Settings settings = Settings.of("/ingest-app.properties", Map.of("tokenledger.auth.enabled", "false",
        IngestApp.OTLP_USER_ATTRIBUTES, "user.id,,enduser.id"));

    assertThatThrownBy(() -> IngestApp.start(settings)).isInstanceOf(ConfigException.class)
        .hasMessage("tokenledger.ingest.otlp.user-attributes must be attribute names separated by commas"
            + " (got user.id,,enduser.id)");
  }

  @Test
  void shouldReadCountsFromTheSpanOnly() {
    ExportTraceServiceRequest request = request(resource(int64("gen_ai.usage.input_tokens", 10)),
        span().addAttributes(text("user.id", "alice")));

    SpanEvents.Spans found = DEFAULT_NAMES.of(request, false);

    assertThat(found.items()).isEmpty();
    assertThat(found.skipped()).isEqualTo(1);
  }

  @Test
  void shouldRefuseASpanWithoutIdsOrEndTimeBeforeParsing() {
    Span.Builder span = usageSpan().setTraceId(ByteString.copyFrom(new byte[16])).setEndTimeUnixNano(0);

    SpanEvents.Item item = DEFAULT_NAMES.of(request(resource(), span), false).items().get(0);

    assertThat(item.event()).isEmpty();
    assertThat(item.errors()).extracting(DEFAULT_NAMES::describe).containsExactly(
        "eventId (from traceId and spanId) needs a traceId of 16 bytes and a spanId of 8, not all zero (got 16 and 8 bytes)",
        "occurredAt (the span's end time) is required (endTimeUnixNano is 0)");
  }

  @Test
  void shouldDescribeTheParsersErrorsByTheAttributeTheyCameFrom() {
    SpanEvents.Item item = DEFAULT_NAMES.of(request(resource(), span()
        .addAttributes(text("gen_ai.usage.input_tokens", "12"))), false).items().get(0);

    EventParser.Result result = parser.parse(item.event().orElseThrow(), Optional.empty());

    assertThat(result.errors()).extracting(DEFAULT_NAMES::describe).containsExactly(
        "userId (attribute user.id or enduser.id) is required",
        "attribute gen_ai.usage.input_tokens must be a whole number (got \"12\")",
        "provider (attribute gen_ai.provider.name) is required",
        "model (attribute gen_ai.response.model or gen_ai.request.model) is required");
  }

  private TokensConsumed event(SpanEvents spans, Resource resource, Span.Builder span) {
    List<SpanEvents.Item> items = spans.of(request(resource, span), false).items();
    assertThat(items).hasSize(1);
    EventParser.Result result = parser.parse(items.get(0).event().orElseThrow(), Optional.empty());
    assertThat(result.errors()).isEmpty();
    return result.event().orElseThrow();
  }

  /** A span with GenAI usage, provider and model, and no user. */
  private static Span.Builder usageSpan() {
    return span().addAttributes(text("gen_ai.provider.name", "openai")).addAttributes(text("gen_ai.request.model", "gpt-4o"))
        .addAttributes(int64("gen_ai.usage.input_tokens", 10)).addAttributes(int64("gen_ai.usage.output_tokens", 2));
  }

  private static Span.Builder span() {
    long end = TimeUnit.MILLISECONDS.toNanos(Instant.now().toEpochMilli());
    return Span.newBuilder().setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(TRACE_ID)))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(SPAN_ID))).setName("chat gpt-4o")
        .setStartTimeUnixNano(end - 1_000_000).setEndTimeUnixNano(end);
  }

  private static ExportTraceServiceRequest request(Resource resource, Span.Builder span) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  private static Resource resource(KeyValue... attributes) {
    return Resource.newBuilder().addAllAttributes(List.of(attributes)).build();
  }

  private static KeyValue text(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue int64(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }
}
