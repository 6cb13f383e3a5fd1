package dev.tokenledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/traces} with the OpenTelemetry Java SDK and its OTLP/HTTP exporter as the client,
 * and OTLP/JSON over plain HTTP, against the started app on a real in-JVM broker: what lands on
 * {@code tokens.consumed}, and what the exporter is answered.
 */
class IngestTracesTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static final String SERVICE = "chat-api";
  private static final String PUBLISH_KEY = "publish-" + UUID.randomUUID();
  private static final String READ_KEY = "read-" + UUID.randomUUID();
  private static final ObjectMapper JSON = Json.newMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final HexFormat HEX = HexFormat.of();
  private static final String NO_USER = "userId (attribute user.id or enduser.id) is required";

  private static RunningApp app;
  private static Topic<String, TokensConsumed> topic;
  private static SdkTracerProvider tracing;
  private static Tracer tracer;

  @BeforeAll
  static void startApp() throws Exception {
    Path keys = Files.writeString(dir.resolve("keys.properties"),
        ApiKeys.entry(SERVICE, Role.PUBLISH, PUBLISH_KEY) + "\n" + ApiKeys.entry("dashboard", Role.READ, READ_KEY) + "\n");
    Map<String, String> overrides = new HashMap<>(KAFKA.isolatedTopics("ingest-traces"));
    overrides.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    overrides.put("tokenledger.http.port", "0");
    overrides.put("tokenledger.auth.keys-file", keys.toString());
    Settings settings = Settings.of("/ingest-app.properties", overrides);
    topic = TopicCatalog.create(settings.asMap()).tokensConsumed();
    app = IngestApp.start(settings);
    // As an instrumented app exports: each span when it ends (the SDK records no span without a processor).
    tracing = SdkTracerProvider.builder().setResource(resource()).addSpanProcessor(SimpleSpanProcessor.create(exporter()))
        .build();
    tracer = tracing.get("dev.tokenledger.test");
  }

  @AfterAll
  static void stopApp() {
    if (tracing != null) {
      tracing.close();
    }
    if (app != null) {
      app.close();
    }
  }

  @Test
  void shouldWriteAGenAiSpanExportedByTheSdkAsOneEvent() throws Exception {
    String user = newUser();
    Span span = genAiSpan(user).setAttribute("tenant.id", "acme")
        .setAttribute("gen_ai.usage.audio.input_tokens", 200L).setAttribute("gen_ai.usage.image.output_tokens", 50L)
        .startSpan();

    span.end();

    assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    SpanData data = ((ReadableSpan) span).toSpanData();

    List<TokensConsumed> events = eventsOf(user);
    assertThat(events).hasSize(1);
    TokensConsumed event = events.get(0);
    assertThat(event.getEventId()).isEqualTo("otel-" + data.getTraceId() + "-" + data.getSpanId());
    assertThat(event.getOccurredAt())
        .isEqualTo(Instant.ofEpochSecond(0, data.getEndEpochNanos()).truncatedTo(ChronoUnit.MILLIS));
    assertThat(event.getUserId()).isEqualTo(user);
    assertThat(event.getTenantId()).isEqualTo("acme");
    assertThat(event.getService()).isEqualTo(SERVICE);
    assertThat(event.getProvider()).isEqualTo("openai");
    assertThat(event.getModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(event.getInputTokens()).isEqualTo(1200);
    assertThat(event.getCachedInputTokens()).isEqualTo(1000);
    assertThat(event.getOutputTokens()).isEqualTo(300);
    assertThat(event.getReasoningTokens()).isEqualTo(100);
    assertThat(event.getInputAudioTokens()).isEqualTo(200);
    assertThat(event.getOutputImageTokens()).isEqualTo(50);
    assertThat(event.getTokenSource()).isEqualTo(TokenSource.REPORTED);
    assertThat(event.getLatencyMs()).isEqualTo((data.getEndEpochNanos() - data.getStartEpochNanos()) / 1_000_000);
    assertThat(event.getSuccess()).isTrue();
  }

  @Test
  void shouldGiveASpanExportedTwiceTheSameEventId() throws Exception {
    String user = newUser();
    Span span = genAiSpan(user).startSpan();
    span.end();
    assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    SpanData data = ((ReadableSpan) span).toSpanData();

    // What an exporter's retry sends after a lost answer: the same span again.
    try (OtlpHttpSpanExporter exporter = exporter()) {
      assertThat(export(exporter, data).isSuccess()).isTrue();
    }

    assertThat(eventsOf(user)).extracting(TokensConsumed::getEventId)
        .containsExactly("otel-" + data.getTraceId() + "-" + data.getSpanId(),
            "otel-" + data.getTraceId() + "-" + data.getSpanId());
  }

  @Test
  void shouldSkipSpansWithoutGenAiUsageFromTheSdksBatchProcessorAndGzip() throws Exception {
    String user = newUser();
    Map<String, Double> before = samples();
    OtlpHttpSpanExporter gzip = OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl())
        .addHeader("Authorization", "Bearer " + PUBLISH_KEY).setCompression("gzip").build();
    try (SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource())
        .addSpanProcessor(BatchSpanProcessor.builder(gzip).build()).build()) {
      // The request span around the LLM call names the user too, but has no usage: not an event.
      Span request = provider.get("dev.tokenledger.test").spanBuilder("POST /chat").setSpanKind(SpanKind.SERVER)
          .setAttribute("user.id", user).setAttribute("http.request.method", "POST").startSpan();
      Span call = provider.get("dev.tokenledger.test").spanBuilder("chat gpt-4o").setSpanKind(SpanKind.CLIENT)
          .setParent(Context.root().with(request))
          .setAttribute("gen_ai.provider.name", "openai").setAttribute("gen_ai.request.model", "gpt-4o")
          .setAttribute("gen_ai.usage.input_tokens", 42L).setAttribute("gen_ai.usage.output_tokens", 7L)
          .setAttribute("user.id", user).startSpan();
      call.end();
      request.end();
      assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }

    assertThat(eventsOf(user)).singleElement().satisfies(event -> {
      assertThat(event.getInputTokens()).isEqualTo(42);
      assertThat(event.getOutputTokens()).isEqualTo(7);
      assertThat(event.getModel()).isEqualTo("gpt-4o");
    });
    Map<String, Double> after = samples();
    assertThat(delta(before, after, "tokenledger_ingest_trace_spans_total{app=\"ingest-app\",outcome=\"skipped\"}"))
        .isEqualTo(1);
    assertThat(delta(before, after, "tokenledger_ingest_trace_spans_total{app=\"ingest-app\",outcome=\"accepted\"}"))
        .isEqualTo(1);
    assertThat(delta(before, after, "tokenledger_ingest_trace_exports_total{app=\"ingest-app\",outcome=\"accepted\"}"))
        .isEqualTo(1);
  }

  @Test
  void shouldTakeAnExportOverTheEventsBodyLimit() throws Exception {
    String user = newUser();
    // With content capture on, instrumentations put the prompt on the span: here 2 MiB of it.
    Span span = genAiSpan(user).setAttribute("gen_ai.input.messages", "x".repeat(2 << 20)).startSpan();

    span.end();

    assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(eventsOf(user)).extracting(TokensConsumed::getInputTokens).containsExactly(1200L);
  }

  @Test
  void shouldTakeOtlpJsonWithAttributesOnTheResource() throws Exception {
    String user = newUser();
    String traceId = randomHex(16);
    String spanId = randomHex(8);
    Instant end = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    // As the OTLP spec encodes JSON: hex ids, int64 as strings or numbers, enums as integers.
    String body = """
        {"resourceSpans":[{"resource":{"attributes":[
            {"key":"service.name","value":{"stringValue":"%s"}},
            {"key":"user.id","value":{"stringValue":"%s"}},
            {"key":"gen_ai.provider.name","value":{"stringValue":"anthropic"}}]},
          "scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.anthropic","version":"0.1"},"spans":[{
            "traceId":"%s","spanId":"%s","parentSpanId":"","name":"chat claude-sonnet-4","kind":3,
            "startTimeUnixNano":"%d","endTimeUnixNano":%d,
            "attributes":[
              {"key":"gen_ai.request.model","value":{"stringValue":"claude-sonnet-4"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"2098"}},
              {"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":1800}},
              {"key":"gen_ai.usage.output_tokens","value":{"intValue":"503"}},
              {"key":"tenant.id","value":{"stringValue":"globex"}}],
            "status":{"code":2,"message":"overloaded"},"someFieldOfANewerOtlp":true}]}]}]}"""
        .formatted(SERVICE, user, traceId, spanId, nanos(end.minusMillis(1500)), nanos(end));

    HttpResponse<String> response = postJson(body);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("{}"));
    TokensConsumed event = eventsOf(user).get(0);
    assertThat(event.getEventId()).isEqualTo("otel-" + traceId + "-" + spanId);
    assertThat(event.getOccurredAt()).isEqualTo(end);
    assertThat(event.getTenantId()).isEqualTo("globex");
    assertThat(event.getProvider()).isEqualTo("anthropic");
    assertThat(event.getModel()).isEqualTo("claude-sonnet-4");
    assertThat(event.getInputTokens()).isEqualTo(2098);
    assertThat(event.getCachedInputTokens()).isEqualTo(1800);
    assertThat(event.getOutputTokens()).isEqualTo(503);
    assertThat(event.getLatencyMs()).isEqualTo(1500);
    assertThat(event.getSuccess()).isFalse();
  }

  @Test
  void shouldCountASpanWithUsageButNoUserInPartialSuccessOverJson() throws Exception {
    String user = newUser();
    String traceId = randomHex(16);
    String withoutUser = randomHex(8);
    long end = nanos(Instant.now());
    String span = """
        {"traceId":"%s","spanId":"%s","name":"chat gpt-4o","startTimeUnixNano":"%d","endTimeUnixNano":"%d",
         "attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
           {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
           {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}%s]}""";
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        + span.formatted(traceId, randomHex(8), end - 1_000_000, end,
            ",{\"key\":\"enduser.id\",\"value\":{\"stringValue\":\"" + user + "\"}}")
        + "," + span.formatted(traceId, withoutUser, end - 1_000_000, end, "") + "]}]}]}";

    HttpResponse<String> response = postJson(body);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("""
        {"partialSuccess":{"rejectedSpans":"1","errorMessage":"span %s of trace %s: %s"}}"""
        .formatted(withoutUser, traceId, NO_USER)));
    assertThat(eventsOf(user)).extracting(TokensConsumed::getInputTokens).containsExactly(10L);
  }

  @Test
  void shouldCountASpanOfAnAppThatNamesItselfUnderThePublishKeysService() throws Exception {
    // An SDK's OTEL_SERVICE_NAME need not be the key's name: with a key, the key is the service.
    String user = newUser();
    String body = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"billing"}}]},
          "scopeSpans":[{"spans":[{"traceId":"%s","spanId":"%s","name":"chat gpt-4o","endTimeUnixNano":"%d",
            "attributes":[{"key":"user.id","value":{"stringValue":"%s"}},
              {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
              {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}]}]}]}]}"""
        .formatted(randomHex(16), randomHex(8), nanos(Instant.now()), user);

    HttpResponse<String> response = postJson(body);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).has("partialSuccess")).isFalse();
    assertThat(eventsOf(user)).extracting(TokensConsumed::getService).containsExactly(SERVICE);
  }

  @Test
  void shouldCountASpanWithUsageButNoUserInPartialSuccessOverProtobuf() throws Exception {
    long end = nanos(Instant.now());
    byte[] traceId = HEX.parseHex(randomHex(16));
    byte[] spanId = HEX.parseHex(randomHex(8));
    io.opentelemetry.proto.trace.v1.Span.Builder span = io.opentelemetry.proto.trace.v1.Span.newBuilder()
        .setTraceId(com.google.protobuf.ByteString.copyFrom(traceId))
        .setSpanId(com.google.protobuf.ByteString.copyFrom(spanId))
        .setName("chat gpt-4o").setStartTimeUnixNano(end - 1_000_000).setEndTimeUnixNano(end)
        .addAttributes(attribute("gen_ai.provider.name", AnyValue.newBuilder().setStringValue("openai")))
        .addAttributes(attribute("gen_ai.request.model", AnyValue.newBuilder().setStringValue("gpt-4o")));
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span.clone().addAttributes(attribute("gen_ai.usage.output_tokens",
                AnyValue.newBuilder().setIntValue(5))))
            // No usage and no user: skipped, not refused.
            .addSpans(span.clone().setSpanId(com.google.protobuf.ByteString.copyFrom(HEX.parseHex(randomHex(8)))))))
        .build();

    HttpResponse<byte[]> response = HTTP.send(request("/v1/traces", PUBLISH_KEY)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
    ExportTraceServiceResponse answer = ExportTraceServiceResponse.parseFrom(response.body());
    assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(answer.getPartialSuccess().getErrorMessage())
        .isEqualTo("span " + HEX.formatHex(spanId) + " of trace " + HEX.formatHex(traceId) + ": " + NO_USER);
  }

  @Test
  void shouldAnswer400ForABodyThatIsNotAnExport() throws Exception {
    // A field 1 that announces 5 bytes and holds 1: not protobuf.
    HttpResponse<String> protobuf = HTTP.send(request("/v1/traces", PUBLISH_KEY)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0x0A, 0x05, 0x01})).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> json = postJson("{\"resourceSpans\":");
    HttpResponse<String> base64Ids = postJson(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"W47/95gDgQPSabYzgT/GDA==\"}]}]}]}");

    assertThat(List.of(protobuf, json, base64Ids)).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/problem+json"));
    });
    assertThat(JSON.readTree(base64Ids.body()).get("detail").asText())
        .isEqualTo("traceId must be a hex string, as OTLP/JSON encodes ids (got \"W47/95gDgQPSabYzgT/GDA==\")");
  }

  @Test
  void shouldAnswer413WhenTheInflatedBodyIsOverTheLimit() throws Exception {
    // A few KiB on the wire that inflate to one byte over 20 MiB: bounded after decompression too.
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      gzip.write(new byte[OtlpCodec.MAX_BODY_BYTES + 1]);
    }

    HttpResponse<String> response = HTTP.send(request("/v1/traces", PUBLISH_KEY)
        .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(compressed.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(response.body()).get("detail").asText())
        .startsWith("the inflated body is more than 20971520 bytes");
  }

  @Test
  void shouldAnswer413ForMoreElementsThanAnyExportBeforeDecodingThem() throws Exception {
    // 10 MiB of empty ResourceSpans (0a 00): within the byte limit, but decoded they held 537 MB.
    byte[] empties = new byte[10 << 20];
    for (int i = 0; i < empties.length; i += 2) {
      empties[i] = 0x0a;
    }
    HttpResponse<String> protobuf = HTTP.send(request("/v1/traces", PUBLISH_KEY)
        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(empties)).build(),
        HttpResponse.BodyHandlers.ofString());
    // The same in OTLP/JSON, and one span with a million-value array attribute.
    HttpResponse<String> json = postJson("{\"resourceSpans\":[" + "{},".repeat(600_000) + "{}]}");
    String hugeArray = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"a\",\"value\":"
        + "{\"arrayValue\":{\"values\":[" + "{\"intValue\":1},".repeat(400_000) + "{}]}}}]}]}]}]}";

    assertThat(protobuf.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(protobuf.body()).get("detail").asText()).startsWith("the body has more than 1000000 fields");
    assertThat(json.statusCode()).isEqualTo(413);
    assertThat(postJson(hugeArray).statusCode()).isEqualTo(413);
  }

  @Test
  void shouldAnswer415ForAnotherContentType() throws Exception {
    HttpResponse<String> response = HTTP.send(request("/v1/traces", PUBLISH_KEY).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(415);
  }

  @Test
  void shouldNeedAPublishKey() throws Exception {
    Span span = genAiSpan(newUser()).startSpan();
    span.end();
    // Exported by the app's processor with the publish key: done before the same span goes with a read key.
    assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    try (OtlpHttpSpanExporter readKey = OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl())
        .addHeader("Authorization", "Bearer " + READ_KEY).build()) {
      assertThat(export(readKey, ((ReadableSpan) span).toSpanData()).isSuccess()).isFalse();
    }
    assertThat(HTTP.send(request("/v1/traces", null).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    assertThat(postJson("{}", READ_KEY).statusCode()).isEqualTo(403);
  }

  /** An OpenAI chat call's span as the GenAI semantic conventions describe it. */
  private static io.opentelemetry.api.trace.SpanBuilder genAiSpan(String user) {
    return tracer.spanBuilder("chat gpt-4o").setSpanKind(SpanKind.CLIENT)
        .setAttribute("gen_ai.operation.name", "chat")
        .setAttribute("gen_ai.provider.name", "openai")
        .setAttribute("gen_ai.request.model", "gpt-4o")
        .setAttribute("gen_ai.response.model", "gpt-4o-2024-08-06")
        .setAttribute("gen_ai.usage.input_tokens", 1200L)
        .setAttribute("gen_ai.usage.cache_read.input_tokens", 1000L)
        .setAttribute("gen_ai.usage.output_tokens", 300L)
        .setAttribute("gen_ai.usage.reasoning.output_tokens", 100L)
        .setAttribute("user.id", user);
  }

  private static Resource resource() {
    return Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), SERVICE)));
  }

  private static OtlpHttpSpanExporter exporter() {
    return OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl())
        .addHeader("Authorization", "Bearer " + PUBLISH_KEY).build();
  }

  private static CompletableResultCode export(OtlpHttpSpanExporter exporter, SpanData span) {
    return exporter.export(List.of(span)).join(30, TimeUnit.SECONDS);
  }

  private static String tracesUrl() {
    return "http://127.0.0.1:" + app.httpPort() + "/v1/traces";
  }

  private static KeyValue attribute(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  /**
   * Every event of this user on the topic. The app answers only after the broker acknowledged
   * them, so reading up to the end offsets of now finds all of them.
   */
  private static List<TokensConsumed> eventsOf(String user) {
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<TokensConsumed> events = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.key().equals(user)) {
            events.add(r.value());
          }
        });
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
      });
      return events;
    }
  }

  private static HttpResponse<String> postJson(String body) throws Exception {
    return postJson(body, PUBLISH_KEY);
  }

  private static HttpResponse<String> postJson(String body, String key) throws Exception {
    return HTTP.send(request("/v1/traces", key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String path, String key) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
    return key == null ? request : request.header("Authorization", "Bearer " + key);
  }

  private static Map<String, Double> samples() throws Exception {
    String scrape = HTTP.send(request("/metrics", null).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> samples = new HashMap<>();
    scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(line -> {
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    });
    return samples;
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String sample) {
    assertThat(after).containsKey(sample);
    return after.get(sample) - before.getOrDefault(sample, 0.0);
  }

  private static long nanos(Instant instant) {
    return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
  }

  private static String randomHex(int bytes) {
    byte[] id = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(id);
    return HEX.formatHex(id);
  }

  private static String newUser() {
    return "user-" + UUID.randomUUID();
  }
}
