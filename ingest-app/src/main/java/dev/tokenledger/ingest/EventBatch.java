package dev.tokenledger.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /v1/events}: one event object, a JSON array of them, or {@code
 * {"events":[…]}}, within the contract's limits. A body that breaks them is answered as a whole
 * (400 or 413 problem); the items themselves are judged one by one by {@link EventParser}.
 */
final class EventBatch {

  static final int MAX_EVENTS = 1000;
  static final int MAX_BODY_BYTES = 1 << 20;
  private static final String SHAPES = "one event object, an array of events or {\"events\":[…]}";

  // Exact decimals for costUsd; a repeated key is an error, not a guess. Integers keep their
  // natural size, so a count beyond a long is that item's error rather than unreadable JSON.
  private static final ObjectMapper MAPPER = Json.newMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private EventBatch() {}

  /**
   * Reads at most {@link #MAX_BODY_BYTES}; one byte more is a 413, whether or not the client sent
   * a Content-Length.
   */
  static byte[] readBody(InputStream in, long contentLength) throws IOException {
    if (contentLength > MAX_BODY_BYTES) {
      throw tooLarge(contentLength);
    }
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw tooLarge(-1);
    }
    return body;
  }

  /** The items of the batch, in order. */
  static List<JsonNode> items(byte[] body) {
    JsonNode root = parse(body);
    if (root == null || root.isMissingNode()) {
      throw new ProblemException(Problem.of(400, "Invalid request", "the body is empty; send " + SHAPES));
    }
    List<JsonNode> items = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(items::add);
    } else if (root.isObject() && root.has("events")) {
      if (root.size() > 1 || !root.get("events").isArray()) {
        throw ProblemException.badRequest("events",
            "must be the only field of a batch object, holding an array: {\"events\":[…]}");
      }
      root.get("events").forEach(items::add);
    } else if (root.isObject()) {
      items.add(root);
    } else {
      throw new ProblemException(Problem.of(400, "Invalid request",
          "the body must be " + SHAPES + " (got " + FieldReader.echo(root) + ")"));
    }
    if (items.isEmpty()) {
      throw ProblemException.badRequest("events", "must hold at least one event");
    }
    if (items.size() > MAX_EVENTS) {
      throw new ProblemException(Problem.of(413, "Content too large",
          "the batch holds " + items.size() + " events; send at most " + MAX_EVENTS + " per request"));
    }
    return items;
  }

  /** The body as one JSON value (400 problem when it is not JSON), or null when empty. */
  static JsonNode parse(byte[] body) {
    try (JsonParser parser = MAPPER.createParser(body)) {
      JsonNode root = MAPPER.readTree(parser);
      if (root != null && parser.nextToken() != null) {
        throw invalidJson(parser.currentTokenLocation(),
            "more than one JSON value; send several events as one array");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw invalidJson(e.getLocation(), e.getOriginalMessage());
    } catch (IOException e) {
      throw new ProblemException(Problem.of(400, "Invalid JSON", "the body cannot be read: " + e.getMessage()));
    }
  }

  private static ProblemException invalidJson(JsonLocation at, String problem) {
    String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new ProblemException(Problem.of(400, "Invalid JSON", "the body is not valid JSON" + where + ": " + problem));
  }

  private static ProblemException tooLarge(long contentLength) {
    String size = contentLength < 0 ? "more than " + MAX_BODY_BYTES + " bytes" : contentLength + " bytes";
    return new ProblemException(Problem.of(413, "Content too large",
        "the body is " + size + "; send at most " + MAX_BODY_BYTES + " bytes (1 MiB) per request, as several batches"));
  }
}
