package dev.tokenledger.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Random and malformed bodies against a running ingest: a valid event with one field made wrong
 * (400 naming that field), and bodies that are not events at all (a 4xx problem). Never a 5xx,
 * never a dropped connection, and afterwards ingest is healthy and accepts a valid event.
 */
final class MalformedInputCase implements FaultCase {

  /** A field and the wrong values it is given; each breaks a rule the README states. */
  private record FieldMutation(String field, List<String> values) {}

  private static final List<FieldMutation> FIELD_MUTATIONS = List.of(
      new FieldMutation("userId", List.of("\"\"", "\"" + "u".repeat(300) + "\"", "\"a\\u0001b\"", "null", "42", "{}")),
      new FieldMutation("provider", List.of("\"\"", "[]", "null")),
      new FieldMutation("model", List.of("\"" + "m".repeat(257) + "\"", "true")),
      new FieldMutation("eventId", List.of("\"" + "e".repeat(300) + "\"", "[1]")),
      new FieldMutation("inputTokens", List.of("-1", "\"many\"", "1.5", "1e40", "true", "{}", "99999999999999999999999")),
      new FieldMutation("outputTokens", List.of("-7", "\"\"", "[]")),
      new FieldMutation("reasoningTokens", List.of("21", "-2")),
      new FieldMutation("cachedInputTokens", List.of("101")),
      new FieldMutation("occurredAt", List.of("\"yesterday\"", "\"2999-01-01T00:00:00Z\"", "\"2000-01-01T00:00:00Z\"", "1234", "{}")),
      new FieldMutation("costUsd", List.of("\"-1\"", "\"abc\"", "\"0.0000000001\"", "{}")),
      new FieldMutation("latencyMs", List.of("-5", "\"fast\"")),
      new FieldMutation("success", List.of("\"yes\"", "2")),
      new FieldMutation("labels", List.of("\"x\"", "[]", manyLabels())),
      new FieldMutation("usage", List.of("{\"weird\":1}", "{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":99}", "7")),
      new FieldMutation("inputTokenz", List.of("5")));

  /** Bodies that are not events; only a 4xx problem is asked of them. */
  private static final List<Function<Random, String>> BODIES = List.of(
      r -> randomText(r, 1 + r.nextInt(500)),
      r -> validEvent(0).toString().substring(0, 1 + r.nextInt(60)),
      r -> "[]", r -> "{}", r -> "null", r -> "\"event\"", r -> "[1,2,3]", r -> "{\"events\":{}}",
      r -> "[".repeat(5_000) + "]".repeat(5_000),
      r -> "{\"userId\":\"u\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":" + "9".repeat(5_000) + "}",
      r -> "{\"userId\":\"" + "x".repeat(2_000_000) + "\"}");

  @Override
  public String name() {
    return "malformed-input";
  }

  @Override
  public String description() {
    return "random and malformed request bodies to ingest: never a 5xx or a crash, each error names the field";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) {
    var settings = environment.caseSettings(name());
    AppProcess ingest = environment.app(AppProcess.Kind.INGEST, name() + "-ingest", settings).start();
    Random random = new Random(71);
    int requests = scale.events() / 10;
    int fieldNamed = 0;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      boolean fieldCase = random.nextInt(3) > 0;
      String body;
      String field = null;
      if (fieldCase) {
        FieldMutation mutation = FIELD_MUTATIONS.get(random.nextInt(FIELD_MUTATIONS.size()));
        field = mutation.field();
        String value = mutation.values().get(random.nextInt(mutation.values().size()));
        ObjectNode event = validEvent(i);
        event.remove(field);
        String rest = event.toString();
        body = rest.substring(0, rest.length() - 1) + ",\"" + field + "\":" + value + "}";
      } else {
        body = BODIES.get(random.nextInt(BODIES.size())).apply(random);
      }
      Http.Answer answer = Http.send(ingest.port(), "POST", "/v1/events", environment.publishKey, body, "application/json");
      String shown = body.length() > 120 ? body.substring(0, 120) + "…" : body;
      if (answer.status() == 0 || answer.status() >= 500) {
        problems.add("answered " + answer.status() + " to " + shown + ": " + answer.body());
      } else if (answer.status() < 400) {
        problems.add("accepted (" + answer.status() + ") " + shown);
      } else if (field != null) {
        List<String> named = namedFields(answer);
        String mutated = field;
        if (named.stream().anyMatch(f -> f.equals(mutated) || f.startsWith(mutated + "."))) {
          fieldNamed++;
        } else {
          problems.add("the error for " + field + " names " + named + " (" + shown + " → " + answer.status() + " "
              + answer.body() + ")");
        }
      }
      if (problems.size() >= 10) {
        break;
      }
    }
    boolean healthy = Http.get(ingest.port(), "/health", null).status() == 200 && ingest.alive();
    int afterwards = Http.send(ingest.port(), "POST", "/v1/events", environment.publishKey, validEvent(-1).toString(),
        "application/json").status();
    result.figure("requests", requests)
        .figure("field errors naming the field", fieldNamed)
        .figure("5xx, no answer or a wrong error", problems.size())
        .figure("valid event accepted afterwards", afterwards == 202)
        .check(problems.isEmpty(), String.join("\n     ", problems))
        .check(healthy, "ingest is not healthy afterwards")
        .check(afterwards == 202, "a valid event afterwards answered " + afterwards);
  }

  private static ObjectNode validEvent(int i) {
    ObjectNode event = Http.JSON.createObjectNode().put("eventId", "malformed-" + i).put("userId", "u1")
        .put("provider", "openai").put("model", "gpt-4o").put("inputTokens", 100).put("outputTokens", 20)
        .put("feature", "chat").put("costUsd", "0.001").put("latencyMs", 120);
    event.putObject("labels").put("team", "search");
    return event;
  }

  /** Every {@code field} the answer names, at the top or in its per-item results. */
  private static List<String> namedFields(Http.Answer answer) {
    List<String> fields = new ArrayList<>();
    JsonNode json;
    try {
      json = answer.json();
    } catch (RuntimeException e) {
      return fields;
    }
    json.path("errors").forEach(e -> fields.add(e.path("field").asText()));
    json.path("results").forEach(item -> item.path("errors").forEach(e -> fields.add(e.path("field").asText())));
    return fields;
  }

  private static String manyLabels() {
    StringBuilder labels = new StringBuilder("{");
    for (int i = 0; i < 40; i++) {
      labels.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    return labels.append('}').toString();
  }

  private static String randomText(Random random, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append((char) random.nextInt(0x3000));
    }
    return text.toString();
  }
}
