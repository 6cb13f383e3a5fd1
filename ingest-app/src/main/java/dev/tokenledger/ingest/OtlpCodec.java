package dev.tokenledger.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The wire side of OTLP/HTTP traces: the body read within bounds (gzip inflated), decoded as
 * binary protobuf or OTLP/JSON, and the answer encoded as the request was. Anything unreadable is a
 * 400 problem, which OTLP exporters do not retry.
 */
final class OtlpCodec {

  /**
   * OTLP's recommended limit, 20 times {@code /v1/events}' 1 MiB: an exporter sends its whole batch,
   * every span's attributes and events included, and must not retry or split it after a 413.
   * Bounds the inflated body too.
   */
  static final int MAX_BODY_BYTES = 20 << 20;

  /** The two encodings OTLP/HTTP defines, by their Content-Type. */
  enum Encoding {
    PROTOBUF("application/x-protobuf"),
    JSON("application/json");

    final String contentType;

    Encoding(String contentType) {
      this.contentType = contentType;
    }

    static Encoding of(String contentType) {
      String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      for (Encoding encoding : values()) {
        if (encoding.contentType.equals(type)) {
          return encoding;
        }
      }
      throw new ProblemException(Problem.of(415, "Unsupported media type", "send an OTLP ExportTraceServiceRequest as "
          + PROTOBUF.contentType + " or " + JSON.contentType + " (got Content-Type " + contentType + ")"));
    }
  }

  private static final ObjectMapper MAPPER = Json.newMapper();
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private OtlpCodec() {}

  /** The body as sent, inflated when {@code Content-Encoding: gzip}; over {@link #MAX_BODY_BYTES} is a 413. */
  static byte[] readBody(InputStream in, long contentLength, String contentEncoding) throws IOException {
    if (contentLength > MAX_BODY_BYTES) {
      throw tooLarge("the body is " + contentLength + " bytes");
    }
    byte[] body = bounded(in, "the body");
    String encoding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
    return switch (encoding) {
      case "identity", "" -> body;
      case "gzip" -> {
        try (InputStream inflated = new GZIPInputStream(new ByteArrayInputStream(body))) {
          yield bounded(inflated, "the inflated body");
        } catch (IOException e) {
          throw new ProblemException(Problem.of(400, "Invalid request",
              "the body is not valid gzip (Content-Encoding: gzip): " + e.getMessage()));
        }
      }
      default -> throw new ProblemException(Problem.of(415, "Unsupported media type",
          "Content-Encoding " + contentEncoding + " is not supported; send gzip or an uncompressed body"));
    };
  }

  static ExportTraceServiceRequest decode(byte[] body, Encoding encoding) {
    if (!OtlpElements.atMost(body, encoding, OtlpElements.MAX_ELEMENTS)) {
      throw new ProblemException(Problem.of(413, "Content too large", "the body has more than "
          + OtlpElements.MAX_ELEMENTS + (encoding == Encoding.JSON ? " JSON tokens" : " fields")
          + " (spans, their attributes and values); send smaller batches, e.g. with a smaller export batch size"));
    }
    try {
      if (encoding == Encoding.PROTOBUF) {
        return ExportTraceServiceRequest.parseFrom(body);
      }
      ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
      JSON_PARSER.merge(MAPPER.writeValueAsString(idsAsBase64(MAPPER.readTree(body))), request);
      return request.build();
    } catch (InvalidProtocolBufferException e) {
      throw invalid("the body is not an OTLP ExportTraceServiceRequest in " + encoding.contentType + ": "
          + e.getMessage());
    } catch (JsonProcessingException e) {
      throw invalid("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid("the body cannot be read: " + e.getMessage());
    }
  }

  static byte[] encode(ExportTraceServiceResponse response, Encoding encoding) {
    if (encoding == Encoding.PROTOBUF) {
      return response.toByteArray();
    }
    try {
      return JSON_PRINTER.print(response).getBytes(StandardCharsets.UTF_8);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an ExportTraceServiceResponse always prints as JSON", e);
    }
  }

  /**
   * OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping has base64 for bytes:
   * rewritten before {@link JsonFormat} reads them.
   */
  private static JsonNode idsAsBase64(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw invalid("the body must be a JSON object, an OTLP ExportTraceServiceRequest like {\"resourceSpans\":[…]}");
    }
    for (JsonNode resourceSpans : root.path("resourceSpans")) {
      for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
        for (JsonNode span : scopeSpans.path("spans")) {
          rewriteIds(span, List.of("traceId", "spanId", "parentSpanId"));
          for (JsonNode link : span.path("links")) {
            rewriteIds(link, List.of("traceId", "spanId"));
          }
        }
      }
    }
    return root;
  }

  private static void rewriteIds(JsonNode holder, List<String> fields) {
    if (!holder.isObject()) {
      return; // JsonFormat refuses it with its own words
    }
    for (String field : fields) {
      JsonNode id = holder.get(field);
      if (id != null && id.isTextual()) {
        try {
          ((ObjectNode) holder).put(field, Base64.getEncoder().encodeToString(HEX.parseHex(id.textValue())));
        } catch (IllegalArgumentException e) {
          throw invalid(field + " must be a hex string, as OTLP/JSON encodes ids (got " + FieldReader.echo(id) + ")");
        }
      }
    }
  }

  private static byte[] bounded(InputStream in, String what) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw tooLarge(what + " is more than " + MAX_BODY_BYTES + " bytes");
    }
    return body;
  }

  private static ProblemException invalid(String detail) {
    return new ProblemException(Problem.of(400, "Invalid request", detail));
  }

  private static ProblemException tooLarge(String what) {
    return new ProblemException(Problem.of(413, "Content too large",
        what + "; send at most " + MAX_BODY_BYTES + " bytes (20 MiB) per export, e.g. with a smaller export batch size"));
  }
}
