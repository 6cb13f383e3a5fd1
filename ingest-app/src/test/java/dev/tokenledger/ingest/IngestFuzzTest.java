package dev.tokenledger.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tokenledger.kafkalocal.DedicatedKafkaBroker;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and malformed input over real HTTP, against one started app on a dedicated in-JVM broker:
 * every answer is below 500, every 4xx is a problem (or, for a batch, one result per item), and
 * every error names the field that is wrong. After all properties the app still serves.
 */
class IngestFuzzTest {

  private static final String SERVICE = "fuzz-api";
  private static final String KEY = "publish-" + UUID.randomUUID();
  private static final String EVENTS = "/v1/events";
  private static final String TOKENIZE = "/v1/tokenize";
  private static final ObjectMapper JSON = Json.newMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** Stands for "field left out" in a mutation. */
  private static final JsonNode REMOVED = MissingNode.getInstance();

  // The base event's counts: a subset count above them breaks a subset rule.
  private static final long INPUT = 10;
  private static final long OUTPUT = 5;
  private static final List<String> TEXT_FIELDS = List.of("eventId", "tenantId", "feature", "sessionId", "errorType");
  private static final List<String> REQUIRED_FIELDS = List.of("userId", "provider", "model");
  private static final List<String> COUNT_FIELDS = List.of(TokenCounts.INPUT, TokenCounts.OUTPUT,
      TokenCounts.CACHED_INPUT, TokenCounts.CACHE_WRITE, TokenCounts.REASONING, TokenCounts.SYSTEM, "latencyMs");
  // Any of them beside the base event's counts reports the tokens two ways.
  private static final List<String> OTHER_TOKEN_WAYS = List.of(ProviderUsage.FIELD, OtelAttributes.FIELD,
      EventParser.PROMPT, EventParser.COMPLETION);

  private static DedicatedKafkaBroker kafka;
  private static RunningApp app;
  private static Path keys;

  @BeforeContainer
  static void start() throws IOException {
    kafka = DedicatedKafkaBroker.start();
    keys = Files.createTempFile("ingest-fuzz-keys", ".properties");
    Files.writeString(keys, ApiKeys.entry(SERVICE, Role.PUBLISH, KEY) + "\n");
    app = IngestApp.start(Settings.of("/ingest-app.properties", Map.of(
        "kafka.bootstrap.servers", kafka.bootstrapServers(),
        "tokenledger.http.port", "0",
        "tokenledger.topics.partitions", "1",
        "tokenledger.auth.keys-file", keys.toString())));
  }

  /** Runs once every property and example has: the app survived them all, then it is stopped. */
  @AfterContainer
  static void stillServesThenStop() throws Exception {
    try {
      assertThat(get("/health").statusCode()).isEqualTo(200);
      assertThat(get("/ready").statusCode()).isEqualTo(200);
      HttpResponse<String> response = post(EVENTS, "application/json", baseEvent());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    } finally {
      if (app != null) {
        app.close();
      }
      if (kafka != null) {
        kafka.close();
      }
      Files.deleteIfExists(keys);
    }
  }

  // ---- properties ----

  @Property(tries = 300)
  void anyBodyOfAnyContentTypeIsAnsweredBelow500(@ForAll("bodies") byte[] body,
      @ForAll("contentTypes") String contentType, @ForAll("paths") String path) throws Exception {
    HttpResponse<String> response = post(path, contentType, body);

    assertAnswered(response);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 202, 400, 413);
  }

  @Property(tries = 300)
  void anyValueInOneFieldIsAcceptedOrRejectedNamingThatField(@ForAll("anyMutations") Mutation mutation)
      throws Exception {
    HttpResponse<String> response = post(EVENTS, "application/json", mutation.applyTo(baseEvent()));

    JsonNode body = assertAnswered(response);
    assertThat(response.statusCode()).as(response.body()).isIn(202, 400);
    if (response.statusCode() == 400) {
      assertThat(errorFields(body.at("/results/0"))).as(response.body()).containsExactly(mutation.expected());
    }
  }

  @Property(tries = 400)
  void anInvalidValueInOneFieldIsRejectedNamingExactlyThatField(@ForAll("invalidMutations") Mutation mutation)
      throws Exception {
    HttpResponse<String> response = post(EVENTS, "application/json", mutation.applyTo(baseEvent()));

    JsonNode body = assertAnswered(response);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(errorFields(body.at("/results/0"))).as(response.body()).containsExactly(mutation.expected());
  }

  @Property(tries = 300)
  void aBadValueInsideAProvidersUsageIsRejectedNamingItsPath(@ForAll("nestedMutations") Mutation mutation)
      throws Exception {
    HttpResponse<String> response = post(EVENTS, "application/json", mutation.applyTo(null));

    JsonNode body = assertAnswered(response);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(errorFields(body.at("/results/0"))).as(response.body()).containsExactly(mutation.expected());
  }

  @Property(tries = 200)
  void aMixedBatchIsJudgedItemByItem(@ForAll("batchItems") List<Item> items, @ForAll boolean wrapped)
      throws Exception {
    ArrayNode array = NODES.arrayNode();
    items.forEach(item -> array.add(item.json()));
    JsonNode batch = wrapped ? NODES.objectNode().set("events", array) : array;

    HttpResponse<String> response = post(EVENTS, "application/json", batch);

    JsonNode body = assertAnswered(response);
    long valid = items.stream().filter(i -> i.expected() == null).count();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(valid > 0 ? 202 : 400);
    assertThat(body.get("accepted").asLong()).isEqualTo(valid);
    assertThat(body.get("results")).hasSize(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonNode result = body.get("results").get(i);
      assertThat(result.get("index").asInt()).isEqualTo(i);
      if (items.get(i).expected() == null) {
        assertThat(result.get("status").asText()).as(result.toString()).isEqualTo("accepted");
      } else {
        assertThat(errorFields(result)).as(result.toString()).containsExactly(items.get(i).expected());
      }
    }
  }

  @Property(tries = 300)
  void tokenizeAnswersTheCountOrNamesTheWrongField(@ForAll("tokenizeCases") Item request) throws Exception {
    HttpResponse<String> response = post(TOKENIZE, "application/json", request.json());

    JsonNode body = assertAnswered(response);
    if (request.expected() == null) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(body.get("model").asText()).isEqualTo(request.json().get("model").asText());
      assertThat(body.get("tokens").asLong()).isNotNegative();
    } else {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(errorFields(body)).as(response.body()).containsExactly(request.expected());
    }
  }

  // ---- regressions: each found by a property above ----

  @Example
  void aNumberWithAHugeExponentIsEchoedInShortNotWrittenOut() throws Exception {
    // Written out in plain digits, 1e999999999 ran the app out of memory: a 500.
    HttpResponse<String> count = post(EVENTS, "application/json",
        baseEvent().set(TokenCounts.INPUT, DecimalNode.valueOf(new BigDecimal("1e999999999"))));
    HttpResponse<String> cost = post(EVENTS, "application/json",
        baseEvent().set("costUsd", DecimalNode.valueOf(new BigDecimal("1e-999999999"))));
    HttpResponse<String> body = post(EVENTS, "application/json", "1e999999999".getBytes(UTF_8));

    assertThat(JSON.readTree(count.body()).at("/results/0/errors/0")).isEqualTo(JSON.readTree(
        "{\"field\":\"inputTokens\",\"message\":\"must be at most 1000000000000 (10^12: no real call has more tokens)"
            + " (got 1E+999999999)\"}"));
    assertThat(JSON.readTree(cost.body()).at("/results/0/errors/0/field").asText()).isEqualTo("costUsd");
    assertThat(JSON.readTree(cost.body()).at("/results/0/errors/0/message").asText()).endsWith("(got 1E-999999999)");
    assertThat(body.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(body.body()).get("detail").asText()).endsWith("(got 1E+999999999)");
  }

  @Example
  void anEmojiIsNotCutInHalfWhereANameIsShortened() throws Exception {
    // Cut between its two chars, the emoji went out as "?".
    String name = "x".repeat(62) + "🎉🎉";

    HttpResponse<String> response = post(EVENTS, "application/json", baseEvent().put(name, 1));

    assertThat(JSON.readTree(response.body()).at("/results/0/errors/0/field").asText())
        .isEqualTo("x".repeat(62) + "…");
  }

  @Example
  void aWrongProviderOrModelAttributeIsOnlyItsOwnError() throws Exception {
    // "provider is required" (or "model") came on top, though the attributes had named one.
    ObjectNode event = NODES.objectNode().put("userId", "fuzz-user");
    event.putObject(OtelAttributes.FIELD).put(OtelAttributes.PROVIDER, "").put(OtelAttributes.REQUEST_MODEL, " ")
        .put(OtelAttributes.INPUT, 3).put(OtelAttributes.OUTPUT, 1);

    HttpResponse<String> response = post(EVENTS, "application/json", event);

    assertThat(errorFields(JSON.readTree(response.body()).at("/results/0"))).containsExactly(
        "attributes." + OtelAttributes.PROVIDER, "attributes." + OtelAttributes.REQUEST_MODEL);
  }

  @Example
  void cacheWritesAloneBeyondTheInputNameTheWrites() throws Exception {
    // The error named the cache reads, which were not sent.
    HttpResponse<String> counts = post(EVENTS, "application/json", baseEvent().put(TokenCounts.CACHE_WRITE, INPUT + 1));

    assertThat(errorFields(JSON.readTree(counts.body()).at("/results/0"))).containsExactly(TokenCounts.CACHE_WRITE);
  }

  // ---- checks ----

  /**
   * Below 500; a 4xx is a problem whose errors each name a field, or (400 for a batch that had
   * nothing accepted) one rejected result per item, each error naming a field.
   */
  private static JsonNode assertAnswered(HttpResponse<String> response) throws IOException {
    int status = response.statusCode();
    assertThat(status).as(response.body()).isLessThan(500);
    JsonNode body = JSON.readTree(response.body());
    if (status < 400) {
      return body;
    }
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (type.startsWith(HttpServer.PROBLEM_JSON)) {
      assertThat(body.path("status").asInt()).isEqualTo(status);
      assertThat(body.path("title").asText()).isNotBlank();
      assertThat(body.path("detail").asText()).isNotBlank();
      body.path("errors").forEach(IngestFuzzTest::assertNamed);
    } else {
      assertThat(status).as(type + " " + response.body()).isEqualTo(400);
      assertThat(body.path("accepted").asInt()).isZero();
      assertThat(body.path("results")).isNotEmpty().allSatisfy(result -> {
        assertThat(result.path("status").asText()).isEqualTo("rejected");
        assertThat(result.path("errors")).isNotEmpty().allSatisfy(IngestFuzzTest::assertNamed);
      });
    }
    return body;
  }

  /** The field is the name as sent (an unknown field may be named "" or " "), so it need not be non-blank. */
  private static void assertNamed(JsonNode error) {
    assertThat(error.path("field").isTextual()).as(error.toString()).isTrue();
    assertThat(error.path("message").asText()).as(error.toString()).isNotBlank();
  }

  /** The distinct fields the errors of a result or problem name. */
  private static Set<String> errorFields(JsonNode resultOrProblem) {
    Set<String> fields = new TreeSet<>();
    resultOrProblem.path("errors").forEach(e -> fields.add(e.path("field").asText()));
    return fields;
  }

  // ---- inputs ----

  /** One field set to a value ({@link #REMOVED}: left out), and the field its error must name (null: valid). */
  record Mutation(JsonNode base, List<String> path, JsonNode value, String expected) {

    static Mutation of(String field, JsonNode value, String expected) {
      return new Mutation(null, List.of(field), value, expected);
    }

    /** The mutated copy of {@code base}, or of this mutation's own base when it has one. */
    JsonNode applyTo(ObjectNode fallback) {
      ObjectNode root = base == null ? fallback : (ObjectNode) base.deepCopy();
      ObjectNode parent = root;
      for (String name : path.subList(0, path.size() - 1)) {
        parent = (ObjectNode) parent.get(name);
      }
      String field = path.get(path.size() - 1);
      if (value.isMissingNode()) {
        parent.remove(field);
      } else {
        parent.set(field, value);
      }
      return root;
    }

    @Override
    public String toString() {
      String shown = value.isMissingNode() ? "(left out)" : value.toString();
      return String.join(".", path) + " = " + (shown.length() > 300 ? shown.substring(0, 300) + "…" : shown)
          + " → " + (expected == null ? "valid" : "error on " + expected);
    }
  }

  /** A JSON item (or tokenize body) and the field its error must name (null: valid). */
  record Item(JsonNode json, String expected) {
    @Override
    public String toString() {
      String shown = json.toString();
      return (shown.length() > 300 ? shown.substring(0, 300) + "…" : shown) + " → "
          + (expected == null ? "valid" : "error on " + expected);
    }
  }

  private static ObjectNode baseEvent() {
    ObjectNode event = NODES.objectNode()
        .put("userId", "fuzz-user")
        .put("provider", "openai")
        .put("model", "gpt-4o")
        .put(TokenCounts.INPUT, INPUT)
        .put(TokenCounts.OUTPUT, OUTPUT)
        .put("feature", "chat")
        .put("costUsd", "0.000012500")
        .put("latencyMs", 120)
        .put("success", true);
    event.putObject("labels").put("env", "fuzz");
    return event;
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.of(EVENTS, TOKENIZE);
  }

  @Provide
  Arbitrary<String> contentTypes() {
    return Arbitraries.of("application/json", "application/json; charset=utf-8", "application/json; charset=utf-16",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz",
        "application/octet-stream", "application/problem+json", "*/*", "garbage", ";;=;").injectNull(0.1);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(1024),
        chars(0, 300).map(s -> s.getBytes(UTF_8)),
        jsonSoup().map(s -> s.getBytes(UTF_8)),
        json().map(v -> v.toString().getBytes(UTF_8)),
        json().map(v -> v.toString().getBytes(StandardCharsets.UTF_16)),
        json().list().ofMaxSize(5).map(IngestFuzzTest::array).map(v -> v.toString().getBytes(UTF_8)),
        json().map(v -> "{\"events\":" + v + "}").map(s -> s.getBytes(UTF_8)));
  }

  /** JSON-like token sequences: mostly broken JSON, sometimes valid, with the event's own field names. */
  private static Arbitrary<String> jsonSoup() {
    Arbitrary<String> token = Arbitraries.oneOf(
        Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "0", "-1", "1.5", "1e999999999",
            "1e-999999999", "-0", "NaN", "Infinity", "99999999999999999999999", "\"\\u0000\"", "\"\\ud800\"",
            "\"events\"", "\"userId\"", "\"usage\"", "\"attributes\"", "\"inputTokens\"", "\"model\"", "\"text\"",
            "\"labels\"", "\"costUsd\"", "/*", "*/", "//", "'", "\\", " ", "\n", "\u0000", "🎉"),
        Arbitraries.of(EventParser.FIELDS).map(f -> "\"" + f + "\""));
    return token.list().ofMaxSize(40).map(tokens -> String.join("", tokens));
  }

  /** Any JSON value, up to three levels deep, with numbers and strings that are hard to handle. */
  @Provide
  static Arbitrary<JsonNode> json() {
    return Arbitraries.recursive(IngestFuzzTest::scalars,
        inner -> Arbitraries.oneOf(
            inner.list().ofMaxSize(4).map(IngestFuzzTest::array),
            Combinators.combine(names(), inner).as(Map::entry).list().ofMaxSize(4).map(entries -> {
              ObjectNode object = NODES.objectNode();
              entries.forEach(e -> object.set(e.getKey(), e.getValue()));
              return (JsonNode) object;
            })),
        0, 3);
  }

  private static Arbitrary<JsonNode> scalars() {
    return Arbitraries.oneOf(
        Arbitraries.just(NullNode.getInstance()),
        Arbitraries.of(BooleanNode.TRUE, BooleanNode.FALSE),
        Arbitraries.longs().map(LongNode::valueOf),
        Arbitraries.bigIntegers().between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40))
            .map(BigIntegerNode::valueOf),
        trickyNumbers(),
        texts().map(TextNode::valueOf));
  }

  /** Numbers at and beyond the limits: past a long, fractions, exponents that are a billion digits long. */
  private static Arbitrary<JsonNode> trickyNumbers() {
    return Arbitraries.of("1e999999999", "-1e999999999", "1e-999999999", "0E-999999999", "0E+999999999",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1.5", "-0.0", "1E+2", "0.1E1",
            "0.000000001", "0.0000000001", "9223372036.854775807", "9223372036.854775808", "12.000000000000000001")
        .map(s -> DecimalNode.valueOf(new BigDecimal(s)));
  }

  private static Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        chars(0, 40),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20),
        Arbitraries.of("", " ", "NaN", "Infinity", "-Infinity", "null", "true", "12", "-1", "1e999999999",
            "0.0000000001", "2026-11-22T10:00:00Z", "\u0000", "\t", "\u202Eevil", "🎉", "Ünïcödé 漢字 عربي",
            "<|endoftext|>", "a\u0301\u0302\u0303"),
        // Emoji across the cut where an echo is shortened (64 characters).
        Arbitraries.integers().between(55, 70).map(n -> "x".repeat(n) + "🎉🎉🎉"),
        chars(200, 3000));
  }

  /**
   * Strings of ASCII, of any character but lone surrogate halves (which UTF-8 cannot carry), or of a
   * few that matter (controls, accents, CJK); each '~' becomes an emoji (two chars).
   */
  private static Arbitrary<String> chars(int minLength, int maxLength) {
    return Arbitraries.oneOf(Stream.of(
            Arbitraries.strings().ascii(),
            Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFD'),
            Arbitraries.strings().withChars("ab~ é漢\u0000\t\u200B"))
        .map(chars -> chars.ofMinLength(minLength).ofMaxLength(maxLength)).toList())
        .map(s -> s.replace("~", "🎉"));
  }

  private static Arbitrary<String> names() {
    return Arbitraries.oneOf(Arbitraries.of(EventParser.FIELDS), texts().filter(s -> s.length() < 100));
  }

  /** Field names the event does not have: near misses, unicode, long. */
  private static Arbitrary<String> unknownNames() {
    return Arbitraries.oneOf(
            Arbitraries.of("input_tokens", "InputTokens", "user_id", "cost_usd", "EVENTID", "tokens", "", " "),
            texts().filter(s -> s.length() < 100))
        .filter(name -> !EventParser.FIELDS.contains(name) && !name.equals("events"));
  }

  private static ArrayNode array(List<JsonNode> values) {
    ArrayNode array = NODES.arrayNode();
    values.forEach(array::add);
    return array;
  }

  @Provide
  Arbitrary<Mutation> anyMutations() {
    Arbitrary<JsonNode> values = Arbitraries.oneOf(json(), Arbitraries.just(REMOVED));
    return Arbitraries.oneOf(
        Combinators.combine(Arbitraries.of(EventParser.FIELDS), values).as((f, v) -> Mutation.of(f, v, f)),
        Combinators.combine(unknownNames(), json()).as((f, v) -> Mutation.of(f, v, FieldReader.shorten(f))));
  }

  @Provide
  Arbitrary<Mutation> invalidMutations() {
    return Arbitraries.oneOf(
        set(Arbitraries.of(TEXT_FIELDS), invalidTexts()),
        set(Arbitraries.of(REQUIRED_FIELDS),
            Arbitraries.oneOf(invalidTexts(), Arbitraries.of(NullNode.getInstance(), REMOVED))),
        set(Arbitraries.just("service"), Arbitraries.oneOf(invalidTexts(),
            Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(30).filter(s -> !s.equals(SERVICE))
                .map(TextNode::valueOf))),
        set(Arbitraries.just("occurredAt"), invalidInstants()),
        set(Arbitraries.of(COUNT_FIELDS), invalidCounts()),
        set(Arbitraries.just("contextWindow"), Arbitraries.oneOf(invalidCounts(), Arbitraries.just(LongNode.valueOf(0)))),
        // A part larger than its whole.
        set(Arbitraries.of(TokenCounts.CACHED_INPUT, TokenCounts.CACHE_WRITE, TokenCounts.SYSTEM),
            Arbitraries.longs().between(INPUT + 1, Long.MAX_VALUE).map(LongNode::valueOf)),
        set(Arbitraries.just(TokenCounts.REASONING),
            Arbitraries.longs().between(OUTPUT + 1, Long.MAX_VALUE).map(LongNode::valueOf)),
        set(Arbitraries.just("costUsd"), invalidUsd()),
        set(Arbitraries.just("success"), Arbitraries.oneOf(
            json().filter(v -> !v.isBoolean() && !v.isNull()), Arbitraries.just(TextNode.valueOf("true")))),
        set(Arbitraries.just("labels"), invalidLabels()),
        set(Arbitraries.of(OTHER_TOKEN_WAYS), json().filter(v -> !v.isNull())),
        Combinators.combine(unknownNames(), json()).as((f, v) -> Mutation.of(f, v, FieldReader.shorten(f))));
  }

  private static Arbitrary<Mutation> set(Arbitrary<String> fields, Arbitrary<JsonNode> values) {
    return Combinators.combine(fields, values).as((f, v) -> Mutation.of(f, v, f));
  }

  private static Arbitrary<JsonNode> invalidTexts() {
    return Arbitraries.oneOf(
        json().filter(v -> !v.isTextual() && !v.isNull()),
        Arbitraries.strings().withChars(" \t\n\r\u000B\f\u2003").ofMaxLength(5).map(TextNode::valueOf),
        chars(257, 2000).map(TextNode::valueOf),
        Combinators.combine(chars(0, 20),
                Arbitraries.chars().range('\u0000', '\u001F').range('\u007F', '\u009F'), chars(0, 20))
            .as((a, control, b) -> TextNode.valueOf(a + control + b)));
  }

  private static Arbitrary<JsonNode> invalidCounts() {
    return Arbitraries.oneOf(
        json().filter(v -> !v.isNumber() && !v.isNull()),
        Arbitraries.of("12", "NaN", "Infinity", "-1", "1e3", "").map(TextNode::valueOf),
        Arbitraries.longs().lessOrEqual(-1).map(LongNode::valueOf),
        Arbitraries.bigIntegers().between(BigInteger.TWO.pow(63), BigInteger.TEN.pow(40)).map(BigIntegerNode::valueOf),
        Arbitraries.of("1.5", "0.1", "-0.5", "1e-999999999", "1e999999999", "-1e999999999", "1e19",
            "12.000000000000000001", "9223372036854775808").map(s -> DecimalNode.valueOf(new BigDecimal(s))),
        Arbitraries.bigDecimals().between(BigDecimal.valueOf(-1_000_000), BigDecimal.valueOf(1_000_000)).ofScale(3)
            .filter(d -> d.stripTrailingZeros().scale() > 0).map(DecimalNode::valueOf));
  }

  private static Arbitrary<JsonNode> invalidInstants() {
    return Arbitraries.oneOf(
        json().filter(v -> !v.isTextual() && !v.isNull()),
        Arbitraries.of("", "yesterday", "2026-13-01T00:00:00Z", "2026-11-22", "2026-11-22T10:00:00",
            "2026-11-22T10:00:00+25:00", "1969-12-31T23:59:59Z", "-1000000000-01-01T00:00:00Z",
            "+1000000000-12-31T23:59:59.999999999Z", "2999-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
            "2000-01-01T00:00:00Z").map(TextNode::valueOf),
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(30).map(TextNode::valueOf));
  }

  private static Arbitrary<JsonNode> invalidUsd() {
    return Arbitraries.oneOf(
        json().filter(v -> !v.isNumber() && !v.isTextual() && !v.isNull()),
        Arbitraries.of("NaN", "abc", "", "1,5", "$1", "Infinity", "0x10", "1e2147483648", "-0.000000001", "-1",
            "0.0000000001", "1e-999999999", "1.1234567891", "9223372036.854775808", "1e999999999")
            .map(TextNode::valueOf),
        Arbitraries.of("-0.000000001", "-1", "0.0000000001", "1e-999999999", "1.1234567891", "9223372036.854775808",
            "1e999999999", "100000000000000000000").map(s -> DecimalNode.valueOf(new BigDecimal(s))),
        Arbitraries.longs().lessOrEqual(-1).map(LongNode::valueOf));
  }

  private static Arbitrary<JsonNode> invalidLabels() {
    Arbitrary<String> goodText = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20);
    Arbitrary<ObjectNode> tooMany = Arbitraries.integers().between(33, 40).map(n -> {
      ObjectNode labels = NODES.objectNode();
      for (int i = 0; i < n; i++) {
        labels.put("k" + i, "v");
      }
      return labels;
    });
    Arbitrary<ObjectNode> badKey = Combinators.combine(Arbitraries.oneOf(
            Arbitraries.of("", " ", "a\u0000b"), chars(65, 200)), goodText)
        .as((k, v) -> NODES.objectNode().put(k, v));
    Arbitrary<ObjectNode> badValue = Combinators.combine(goodText, invalidTexts())
        .as((k, v) -> (ObjectNode) NODES.objectNode().set(k, v));
    return Arbitraries.oneOf(json().filter(v -> !v.isObject() && !v.isNull()),
        tooMany.map(JsonNode.class::cast), badKey.map(JsonNode.class::cast), badValue.map(JsonNode.class::cast));
  }

  /** A count the provider's usage object (or OpenTelemetry attribute) holds that can never be valid. */
  private static Arbitrary<JsonNode> invalidNestedCounts() {
    return invalidCounts().filter(v -> !v.isTextual() || !v.textValue().isEmpty());
  }

  /** The fields each fixture's shape reads, as paths inside its usage object or attributes. */
  /** Every count TokenLedger reads in each shape, by the prefix of its fixtures' names. */
  private static final Map<String, List<String>> READ_FIELDS = Map.ofEntries(
      Map.entry("openai-chat", ProviderCounts.CHAT), Map.entry("azure", ProviderCounts.CHAT),
      Map.entry("xai", ProviderCounts.CHAT), Map.entry("deepseek", ProviderCounts.CHAT),
      Map.entry("moonshot", ProviderCounts.CHAT), Map.entry("mistral", ProviderCounts.CHAT),
      Map.entry("groq", ProviderCounts.CHAT),
      Map.entry("openai-responses", ProviderCounts.RESPONSES), Map.entry("openrouter-responses", ProviderCounts.RESPONSES),
      Map.entry("openai-realtime", ProviderCounts.RESPONSES), Map.entry("openai-transcription", ProviderCounts.RESPONSES),
      Map.entry("anthropic", List.of("input_tokens", "output_tokens", "cache_read_input_tokens",
          "cache_creation_input_tokens", "cache_creation.ephemeral_5m_input_tokens",
          "cache_creation.ephemeral_1h_input_tokens", "output_tokens_details.thinking_tokens")),
      Map.entry("gemini", ProviderCounts.GEMINI), Map.entry("vertex", ProviderCounts.GEMINI),
      Map.entry("bedrock", List.of("inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens",
          "cacheWriteInputTokens", "cacheReadInputTokenCount", "cacheWriteInputTokenCount")),
      Map.entry("cohere", List.of("billed_units.input_tokens", "billed_units.output_tokens")),
      Map.entry("otel", List.of(OtelAttributes.INPUT, OtelAttributes.OUTPUT, OtelAttributes.CACHE_READ,
          OtelAttributes.CACHE_CREATION)));

  private static final class ProviderCounts {
    static final List<String> CHAT = List.of("prompt_tokens", "completion_tokens", "total_tokens",
        "prompt_tokens_details.cached_tokens", "prompt_tokens_details.cache_write_tokens",
        "prompt_tokens_details.audio_tokens", "prompt_tokens_details.image_tokens",
        "completion_tokens_details.reasoning_tokens", "completion_tokens_details.audio_tokens", "cached_tokens",
        "prompt_cache_hit_tokens", "prompt_cache_miss_tokens", "cached_prompt_text_tokens");
    static final List<String> RESPONSES = List.of("input_tokens", "output_tokens", "total_tokens",
        "input_tokens_details.cached_tokens", "input_tokens_details.cache_write_tokens",
        "output_tokens_details.reasoning_tokens", "input_token_details.cached_tokens", "input_token_details.audio_tokens",
        "output_token_details.audio_tokens");
    static final List<String> GEMINI = List.of("usageMetadata.promptTokenCount", "usageMetadata.candidatesTokenCount",
        "usageMetadata.totalTokenCount", "usageMetadata.cachedContentTokenCount", "usageMetadata.thoughtsTokenCount",
        "usage_metadata.prompt_token_count", "usage_metadata.candidates_token_count", "usage_metadata.total_token_count",
        "usage_metadata.thoughts_token_count");
  }

  /** The counts TokenLedger reads that {@code fixture} has. */
  private static List<String> readFields(ProviderFixtures.Fixture fixture, JsonNode event) {
    List<String> read = READ_FIELDS.entrySet().stream().filter(e -> fixture.file().startsWith(e.getKey()))
        .map(Map.Entry::getValue).findFirst()
        .orElseThrow(() -> new IllegalStateException("no read fields for " + fixture.file()));
    JsonNode content = event.get(fixture.field());
    boolean attributes = fixture.field().equals(OtelAttributes.FIELD);
    return read.stream().filter(leaf -> attributes ? content.has(leaf)
        : !content.at("/" + leaf.replace('.', '/')).isMissingNode()).toList();
  }

  /** The provider and model attributes each OpenTelemetry fixture's event takes its names from. */
  private static final Map<String, List<String>> NAME_ATTRIBUTES = Map.of(
      "otel-genai-attributes.json", List.of(OtelAttributes.PROVIDER, OtelAttributes.RESPONSE_MODEL));

  @Provide
  Arbitrary<Mutation> nestedMutations() throws IOException {
    List<Arbitrary<Mutation>> cases = new ArrayList<>();
    for (ProviderFixtures.Fixture fixture : ProviderFixtures.ALL) {
      JsonNode event = JSON.readTree(fixture.event("fuzz-user").replace("2026-11-22T09:59:00Z",
          Instant.now().toString()));
      boolean attributes = fixture.field().equals(OtelAttributes.FIELD);
      for (String leaf : readFields(fixture, event)) {
        // Attribute names contain dots; a usage path's dots separate levels.
        List<String> path = new ArrayList<>(List.of(fixture.field()));
        path.addAll(attributes ? List.of(leaf) : List.of(leaf.split("\\.")));
        String expected = fixture.field() + "." + leaf;
        cases.add(invalidNestedCounts().map(v -> new Mutation(event, path, v, expected)));
      }
      for (String name : NAME_ATTRIBUTES.getOrDefault(fixture.file(), List.of())) {
        Arbitrary<JsonNode> invalid = Arbitraries.oneOf(
            json().filter(v -> !v.isTextual() && !v.isNull()),
            Arbitraries.of("", " ").map(TextNode::valueOf),
            chars(257, 1000).map(TextNode::valueOf));
        cases.add(invalid.map(v -> new Mutation(event, List.of(fixture.field(), name), v,
            fixture.field() + "." + name)));
      }
    }
    return Arbitraries.oneOf(cases);
  }

  @Provide
  Arbitrary<List<Item>> batchItems() {
    Arbitrary<Item> valid = chars(1, 50)
        .filter(s -> !s.isBlank() && s.chars().noneMatch(Character::isISOControl))
        .map(user -> new Item(baseEvent().put("userId", user), null));
    Arbitrary<Item> invalid = invalidMutations().map(m -> new Item(m.applyTo(baseEvent()), m.expected()));
    Arbitrary<Item> notAnObject = json().filter(v -> !v.isObject()).map(v -> new Item(v, EventParser.EVENT));
    return Arbitraries.frequencyOf(
            Tuple.of(3, valid), Tuple.of(3, invalid), Tuple.of(1, notAnObject))
        .list().ofMinSize(1).ofMaxSize(20);
  }

  @Provide
  Arbitrary<Item> tokenizeCases() {
    Arbitrary<JsonNode> models = Arbitraries.oneOf(json(), Arbitraries.just(REMOVED),
        Arbitraries.of("gpt-4o", "openai/gpt-4.1-mini", "o3", "text-davinci-003", "ada", "claude-sonnet-4",
            "gemini-2.5-pro", " gpt-4o ").map(TextNode::valueOf));
    Arbitrary<JsonNode> texts = Arbitraries.oneOf(json(), Arbitraries.just(REMOVED),
        Arbitraries.of("a", "🎉", " ", "<|endoftext|>", "ab", "\u0000")
            .flatMap(s -> Arbitraries.integers().between(1_000, 50_000).map(n -> TextNode.valueOf(s.repeat(n)))));
    Arbitrary<Item> model = models.map(v -> tokenizeRequest("model", v, validModel(v) ? null : "model"));
    Arbitrary<Item> text = texts.map(v -> tokenizeRequest("text", v, v.isTextual() ? null : "text"));
    Arbitrary<Item> unknown = Combinators.combine(unknownNames().filter(n -> !n.equals("model") && !n.equals("text")),
        json()).as((n, v) -> tokenizeRequest(n, v, FieldReader.shorten(n)));
    Arbitrary<Item> notAnObject = json().filter(v -> !v.isObject()).map(v -> new Item(v, "body"));
    return Arbitraries.oneOf(model, text, unknown, notAnObject);
  }

  private static Item tokenizeRequest(String field, JsonNode value, String expected) {
    ObjectNode body = NODES.objectNode().put("model", "gpt-4o").put("text", "Hello, world!");
    return new Item(Mutation.of(field, value, expected).applyTo(body), expected);
  }

  /** What {@code /v1/tokenize} takes as a model: 1 to 256 characters, not blank, no control characters. */
  private static boolean validModel(JsonNode value) {
    return value.isTextual() && !value.textValue().isBlank() && value.textValue().length() <= 256
        && value.textValue().chars().noneMatch(Character::isISOControl);
  }

  // ---- HTTP ----

  private static HttpResponse<String> post(String path, String contentType, JsonNode body) throws Exception {
    return post(path, contentType, body.toString().getBytes(UTF_8));
  }

  private static HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
    HttpRequest.Builder request = request(path).header("Authorization", "Bearer " + KEY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString(UTF_8));
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
  }
}
