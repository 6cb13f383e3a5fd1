package dev.tokenledger.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Counts the elements of an OTLP body before it is decoded: decoding builds an object for each,
 * and 20 MiB of empty messages ({@code 0a 00} repeated) held 537 MB of heap once parsed. Protobuf
 * is walked by the trace request's message structure (every field counts, message fields are
 * entered), OTLP/JSON by its tokens; a single pass, nothing allocated per element.
 */
final class OtlpElements {

  /** Far above a real export: an SDK's batch of 512 spans with 50 attributes each is about 100,000. */
  static final int MAX_ELEMENTS = 1_000_000;
  private static final JsonFactory JSON = new JsonFactory();

  /** The message-typed fields of each message of an ExportTraceServiceRequest, by field number. */
  private enum Message {
    REQUEST, RESOURCE_SPANS, RESOURCE, SCOPE_SPANS, SCOPE, SPAN, EVENT, LINK, KEY_VALUE, ANY_VALUE, ARRAY_VALUE,
    KEY_VALUE_LIST, LEAF;

    /** From opentelemetry-proto's trace/v1, resource/v1 and common/v1 definitions; no allocation per field. */
    Message field(int number) {
      return switch (this) {
        case REQUEST -> number == 1 ? RESOURCE_SPANS : LEAF;
        case RESOURCE_SPANS -> number == 1 ? RESOURCE : number == 2 ? SCOPE_SPANS : LEAF;
        case RESOURCE -> number == 1 ? KEY_VALUE : LEAF;
        case SCOPE_SPANS -> number == 1 ? SCOPE : number == 2 ? SPAN : LEAF;
        case SCOPE -> number == 3 ? KEY_VALUE : LEAF;
        case SPAN -> number == 9 ? KEY_VALUE : number == 11 ? EVENT : number == 13 ? LINK : LEAF;
        case EVENT -> number == 3 ? KEY_VALUE : LEAF;
        case LINK -> number == 4 ? KEY_VALUE : LEAF;
        case KEY_VALUE -> number == 2 ? ANY_VALUE : LEAF;
        case ANY_VALUE -> number == 5 ? ARRAY_VALUE : number == 6 ? KEY_VALUE_LIST : LEAF;
        case ARRAY_VALUE -> number == 1 ? ANY_VALUE : LEAF;
        case KEY_VALUE_LIST -> number == 1 ? KEY_VALUE : LEAF;
        case LEAF -> LEAF;
      };
    }
  }

  private OtlpElements() {}

  /** Whether the body has at most {@code max} elements; a malformed body is left to the decoder to explain. */
  static boolean atMost(byte[] body, OtlpCodec.Encoding encoding, int max) {
    try {
      return encoding == OtlpCodec.Encoding.PROTOBUF ? protobuf(CodedInputStream.newInstance(body), Message.REQUEST, max, 0) >= 0
          : json(body, max);
    } catch (IOException malformed) {
      return true;
    }
  }

  /** The budget left after this message's fields, or -1 once it is spent. */
  private static int protobuf(CodedInputStream in, Message message, int budget, int depth) throws IOException {
    if (depth > 64) {
      return -1; // deeper than any real attribute value nests
    }
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (--budget < 0) {
        return -1;
      }
      Message field = message.field(WireFormat.getTagFieldNumber(tag));
      if (field != Message.LEAF && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int limit = in.pushLimit(in.readRawVarint32());
        budget = protobuf(in, field, budget, depth + 1);
        if (budget < 0) {
          return -1;
        }
        in.popLimit(limit);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return budget;
  }

  private static boolean json(byte[] body, int max) throws IOException {
    try (JsonParser parser = JSON.createParser(body)) {
      int tokens = 0;
      while (parser.nextToken() != null) {
        if (++tokens > max) {
          return false;
        }
      }
      return true;
    }
  }
}
