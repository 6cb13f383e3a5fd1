package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class EventBatchTest {

  @Test
  void shouldReadOneEventObject() {
    assertThat(items("{\"userId\":\"alice\"}")).extracting(item -> item.get("userId").asText())
        .containsExactly("alice");
  }

  @Test
  void shouldReadAnArrayInOrder() {
    assertThat(items("[{\"userId\":\"a\"},{\"userId\":\"b\"},7]")).hasSize(3)
        .extracting(JsonNode::toString).containsExactly("{\"userId\":\"a\"}", "{\"userId\":\"b\"}", "7");
  }

  @Test
  void shouldReadAWrappedBatch() {
    assertThat(items("{\"events\":[{\"userId\":\"a\"},{\"userId\":\"b\"}]}")).hasSize(2);
  }

  @Test
  void shouldNameThePositionOfMalformedJson() {
    Problem problem = problemOf(() -> items("{\n  \"userId\": }"));

    assertThat(problem.status()).isEqualTo(400);
    assertThat(problem.title()).isEqualTo("Invalid JSON");
    assertThat(problem.detail()).startsWith("the body is not valid JSON at line 2, column 13: Unexpected character ('}'");
  }

  @Test
  void shouldRejectTrailingContent() {
    assertThat(problemOf(() -> items("{\"userId\":\"a\"} {\"userId\":\"b\"}")).detail())
        .isEqualTo("the body is not valid JSON at line 1, column 16: more than one JSON value; "
            + "send several events as one array");
  }

  @Test
  void shouldRejectARepeatedField() {
    assertThat(problemOf(() -> items("{\"inputTokens\":1,\"inputTokens\":2}")).detail())
        .contains("Duplicate field 'inputTokens'");
  }

  @Test
  void shouldRejectAnEmptyBody() {
    assertThat(problemOf(() -> items("  ")).detail())
        .isEqualTo("the body is empty; send one event object, an array of events or {\"events\":[…]}");
  }

  @Test
  void shouldRejectAnEmptyBatch() {
    assertThat(problemOf(() -> items("[]")).errors())
        .containsExactly(new Problem.FieldError("events", "must hold at least one event"));
  }

  @Test
  void shouldRejectAWrapperWithOtherFields() {
    assertThat(problemOf(() -> items("{\"events\":[],\"userId\":\"a\"}")).errors()).singleElement()
        .satisfies(error -> assertThat(error.field()).isEqualTo("events"));
  }

  @Test
  void shouldRejectABodyThatIsNoEventShape() {
    assertThat(problemOf(() -> items("\"hello\"")).detail()).isEqualTo(
        "the body must be one event object, an array of events or {\"events\":[…]} (got \"hello\")");
  }

  @Test
  void shouldAnswer413OverAThousandEvents() {
    String batch = "[" + String.join(",", Collections.nCopies(1001, "{}")) + "]";

    Problem problem = problemOf(() -> items(batch));

    assertThat(problem.status()).isEqualTo(413);
    assertThat(problem.detail()).isEqualTo("the batch holds 1001 events; send at most 1000 per request");
  }

  @Test
  void shouldAcceptExactlyAThousandEvents() {
    assertThat(items("[" + String.join(",", Collections.nCopies(1000, "{}")) + "]")).hasSize(1000);
  }

  @Test
  void shouldAnswer413WhenTheContentLengthIsOverOneMebibyte() {
    assertThat(problemOf(() -> EventBatch.readBody(new ByteArrayInputStream(new byte[0]), 2_000_000)).detail())
        .isEqualTo("the body is 2000000 bytes; send at most 1048576 bytes (1 MiB) per request, as several batches");
  }

  @Test
  void shouldAnswer413WhenAStreamWithoutLengthRunsOverOneMebibyte() {
    byte[] body = new byte[EventBatch.MAX_BODY_BYTES + 1];

    assertThat(problemOf(() -> EventBatch.readBody(new ByteArrayInputStream(body), -1)).status()).isEqualTo(413);
  }

  @Test
  void shouldReadABodyOfExactlyOneMebibyte() throws Exception {
    byte[] body = new byte[EventBatch.MAX_BODY_BYTES];

    assertThat(EventBatch.readBody(new ByteArrayInputStream(body), body.length)).hasSize(EventBatch.MAX_BODY_BYTES);
  }

  private static List<JsonNode> items(String body) {
    return EventBatch.items(body.getBytes(StandardCharsets.UTF_8));
  }

  private static Problem problemOf(ThrowingCallable call) {
    ProblemException thrown = catchThrowableOfType(ProblemException.class, call);
    assertThat(thrown).as("a problem answer").isNotNull();
    return thrown.problem();
  }
}
