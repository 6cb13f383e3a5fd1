package dev.tokenledger.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.tokenledger.runtime.Problem.FieldError;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spans of an OTLP export as items of the events contract, for {@link EventParser} to judge
 * like any posted event: one item per span that carries GenAI usage (a {@code gen_ai.usage.*}
 * token count), its counts, provider and model under {@code attributes}. Other spans are skipped.
 * A span's own attributes override its resource's, except the counts: they describe one call, so
 * they are read from the span only.
 */
final class SpanEvents {

  /** The eventId of a span: its trace and span id, so an exporter's retry carries the same one. */
  private static final String EVENT_ID_PREFIX = "otel-";
  private static final String ERROR_TYPE = "error.type";
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /**
   * Which attributes name the event's service, user (the first present of several) and tenant.
   * An empty service: every event gets the publish key's name (or {@code unknown} without auth).
   */
  record Names(Optional<String> service, List<String> user, String tenant) {
    Names {
      user = List.copyOf(user);
    }
  }

  /**
   * One span with usage: the event item, or — when the span itself cannot make one (no ids, no end
   * time) — the errors that reject it before parsing.
   */
  record Item(String traceId, String spanId, Optional<JsonNode> event, List<FieldError> errors) {}

  /** The spans with usage, and how many had none. */
  record Spans(List<Item> items, int skipped) {}

  private final Names names;

  SpanEvents(Names names) {
    this.names = names;
  }

  /**
   * @param serviceFromKey the publish key names the service (authentication on): a resource's
   *     {@code service.name} is then not read — the key is the service's identity, and an SDK's
   *     own name for the app must not get its spans refused
   */
  Spans of(ExportTraceServiceRequest request, boolean serviceFromKey) {
    List<Item> items = new ArrayList<>();
    int skipped = 0;
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      Map<String, AnyValue> resource = attributes(resourceSpans.getResource().getAttributesList());
      for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          Map<String, AnyValue> own = attributes(span.getAttributesList());
          if (OtelAttributes.USAGE.stream().anyMatch(own::containsKey)) {
            items.add(item(span, resource, own, serviceFromKey));
          } else {
            skipped++;
          }
        }
      }
    }
    return new Spans(List.copyOf(items), skipped);
  }

  /** An error of a span's event in the span's terms: the attribute a field came from. */
  String describe(FieldError error) {
    String field = error.field();
    String source = switch (field) {
      case "userId" -> " (attribute " + String.join(" or ", names.user()) + ")";
      case "tenantId" -> " (attribute " + names.tenant() + ")";
      case "service" -> names.service().map(name -> " (resource attribute " + name + ")").orElse("");
      case "provider" -> " (attribute " + OtelAttributes.PROVIDER + ")";
      case "model" -> " (attribute " + OtelAttributes.RESPONSE_MODEL + " or " + OtelAttributes.REQUEST_MODEL + ")";
      case "errorType" -> " (attribute " + ERROR_TYPE + ")";
      case "latencyMs" -> " (the span's duration)";
      case "occurredAt" -> " (the span's end time)";
      case "eventId" -> " (from traceId and spanId)";
      default -> "";
    };
    String prefix = OtelAttributes.FIELD + ".";
    String subject = field.startsWith(prefix) ? "attribute " + field.substring(prefix.length()) : field + source;
    return subject + " " + error.message();
  }

  private Item item(Span span, Map<String, AnyValue> resource, Map<String, AnyValue> own, boolean serviceFromKey) {
    String traceId = HEX.formatHex(span.getTraceId().toByteArray());
    String spanId = HEX.formatHex(span.getSpanId().toByteArray());
    List<FieldError> errors = new ArrayList<>();
    if (!isId(span.getTraceId(), 16) || !isId(span.getSpanId(), 8)) {
      errors.add(new FieldError("eventId", "needs a traceId of 16 bytes and a spanId of 8, not all zero (got "
          + span.getTraceId().size() + " and " + span.getSpanId().size() + " bytes)"));
    }
    if (span.getEndTimeUnixNano() == 0) {
      errors.add(new FieldError("occurredAt", "is required (endTimeUnixNano is 0)"));
    }
    if (!errors.isEmpty()) {
      return new Item(traceId, spanId, Optional.empty(), List.copyOf(errors));
    }

    Map<String, AnyValue> merged = new HashMap<>(resource);
    merged.putAll(own);
    ObjectNode event = NODES.objectNode();
    event.put("eventId", EVENT_ID_PREFIX + traceId + "-" + spanId);
    // The end: usage is known, and billed, once the call has finished — a long streamed answer
    // belongs to the window it completed in, as an event posted right after the call would.
    event.put("occurredAt", instant(span.getEndTimeUnixNano()).toString());
    names.user().stream().filter(merged::containsKey).findFirst()
        .ifPresent(name -> event.set("userId", identity(merged.get(name))));
    Optional.ofNullable(merged.get(names.tenant())).ifPresent(tenant -> event.set("tenantId", identity(tenant)));
    names.service().filter(name -> !serviceFromKey).map(resource::get).filter(SpanEvents::isNamedService)
        .ifPresent(service -> event.set("service", identity(service)));
    if (span.getStartTimeUnixNano() > 0 && span.getEndTimeUnixNano() >= span.getStartTimeUnixNano()) {
      event.put("latencyMs", (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1_000_000);
    }
    if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      event.put("success", false);
      Optional.ofNullable(merged.get(ERROR_TYPE)).ifPresent(type -> event.set("errorType", identity(type)));
    }
    ObjectNode attributes = event.putObject(OtelAttributes.FIELD);
    OtelAttributes.USAGE.stream().filter(own::containsKey).forEach(name -> attributes.set(name, json(own.get(name))));
    OtelAttributes.CALL.stream().filter(merged::containsKey)
        .forEach(name -> attributes.set(name, json(merged.get(name))));
    return new Item(traceId, spanId, Optional.of(event), List.of());
  }

  /** By key; a repeated key (not allowed by OTLP) keeps its last value. */
  private static Map<String, AnyValue> attributes(List<KeyValue> list) {
    Map<String, AnyValue> map = new HashMap<>();
    list.forEach(kv -> map.put(kv.getKey(), kv.getValue()));
    return map;
  }

  /** The SDKs' default when a service sets no name ({@code unknown_service:java}) names no service. */
  private static boolean isNamedService(AnyValue value) {
    return !(value.hasStringValue() && value.getStringValue().startsWith("unknown_service"));
  }

  private static boolean isId(ByteString id, int bytes) {
    return id.size() == bytes && !id.equals(ByteString.copyFrom(new byte[bytes]));
  }

  private static Instant instant(long unixNanos) {
    return Instant.ofEpochSecond(0, unixNanos);
  }

  /** Ids are strings in the events contract; many apps keep numeric user ids as int attributes. */
  private static JsonNode identity(AnyValue value) {
    return value.hasIntValue() ? NODES.textNode(Long.toString(value.getIntValue())) : json(value);
  }

  /** The value as the events contract would carry it, for the parser to judge (bytes as base64, as in OTLP/JSON). */
  private static JsonNode json(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> NODES.textNode(value.getStringValue());
      case INT_VALUE -> NODES.numberNode(value.getIntValue());
      case DOUBLE_VALUE -> NODES.numberNode(value.getDoubleValue());
      case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
      case BYTES_VALUE -> NODES.textNode(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
      case ARRAY_VALUE -> {
        ArrayNode array = NODES.arrayNode();
        value.getArrayValue().getValuesList().forEach(element -> array.add(json(element)));
        yield array;
      }
      case KVLIST_VALUE -> {
        ObjectNode object = NODES.objectNode();
        value.getKvlistValue().getValuesList().forEach(kv -> object.set(kv.getKey(), json(kv.getValue())));
        yield object;
      }
      // No value, or a kind newer than these messages (profiles' string_value_strindex): absent.
      default -> NODES.nullNode();
    };
  }
}
