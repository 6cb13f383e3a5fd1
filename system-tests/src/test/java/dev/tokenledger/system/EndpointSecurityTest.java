package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.schemas.TopicCatalog;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the three apps without a key, with an unknown key and with a key of the wrong
 * role: 401, 401 and 403 as problem+json, and nothing accepted, stored or shown.
 */
class EndpointSecurityTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVENT = "{\"userId\":\"mallory\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":5}";
  /** OTLP/JSON: one span with GenAI usage, which would be an event if a key let it through. */
  private static final String SPANS = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
      + "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"chat\","
      + "\"endTimeUnixNano\":\"" + TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) + "\","
      + "\"attributes\":[{\"key\":\"user.id\",\"value\":{\"stringValue\":\"mallory\"}},"
      + "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},"
      + "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}},"
      + "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"5\"}}]}]}]}]}";
  private static final String QUOTA = "{\"subject\":\"user:mallory\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":1}";
  private static final String PRICE = "{\"inputPerMillionUsd\":\"0\",\"outputPerMillionUsd\":\"0\"}";
  /** A LiteLLM price file that would set gpt-4o's price to 0 if a key let it through. */
  private static final String LITELLM_PRICES = "{\"gpt-4o\":{\"litellm_provider\":\"openai\",\"mode\":\"chat\","
      + "\"input_cost_per_token\":0,\"output_cost_per_token\":0}}";

  @TempDir static Path dir;
  private static AppStack stack;

  /** An endpoint, the body it takes, and the keys whose role is not enough. */
  record Endpoint(String app, String method, String path, String body, List<String> wrongRoleKeys) {}

  @BeforeAll
  static void start() throws Exception {
    stack = AppStack.start(KAFKA, dir, "security");
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  private static Stream<Endpoint> endpoints() {
    List<String> publishOnly = List.of(AppStack.PUBLISH_KEY);
    List<String> notAdmin = List.of(AppStack.PUBLISH_KEY, AppStack.READ_KEY);
    List<String> notPublish = List.of(AppStack.READ_KEY, AppStack.ADMIN_KEY);
    return Stream.of(
        new Endpoint("ingest", "POST", "/v1/events", EVENT, notPublish),
        new Endpoint("ingest", "POST", "/v1/traces", SPANS, notPublish),
        new Endpoint("ingest", "POST", "/v1/tokenize", "{\"model\":\"gpt-4o\",\"text\":\"hi\"}", List.of()),
        new Endpoint("aggregator", "GET", "/v1/usage?dimension=user&key=alice", null, publishOnly),
        new Endpoint("aggregator", "GET", "/v1/top?dimension=user", null, publishOnly),
        new Endpoint("aggregator", "GET", "/v1/stats?range=24h", null, publishOnly),
        new Endpoint("aggregator", "GET", "/v1/efficiency?dimension=user&key=alice", null, publishOnly),
        new Endpoint("aggregator", "GET", "/v1/forecast?dimension=user&key=alice", null, publishOnly),
        new Endpoint("aggregator", "GET", "/v1/pricing", null, publishOnly),
        new Endpoint("aggregator", "GET", "/v1/pricing/resolve?provider=openai&model=gpt-4o-2024-08-06", null, publishOnly),
        new Endpoint("aggregator", "PUT", "/v1/pricing/openai/gpt-4o", PRICE, notAdmin),
        new Endpoint("aggregator", "POST", "/v1/pricing/import", LITELLM_PRICES, notAdmin),
        new Endpoint("alerting", "GET", "/v1/quotas", null, publishOnly),
        new Endpoint("alerting", "GET", "/v1/quotas/mallory", null, publishOnly),
        new Endpoint("alerting", "GET", "/v1/quotas/status?subject=user:alice", null, publishOnly),
        new Endpoint("alerting", "GET", "/v1/admission?subject=user:alice&tokens=1", null, publishOnly),
        new Endpoint("alerting", "GET", "/v1/alerts", null, publishOnly),
        new Endpoint("alerting", "GET", "/v1/alerts/some-alert", null, publishOnly),
        new Endpoint("alerting", "PUT", "/v1/quotas/mallory", QUOTA, notAdmin),
        new Endpoint("alerting", "DELETE", "/v1/quotas/mallory", null, notAdmin),
        new Endpoint("alerting", "POST", "/v1/alerts/some-alert/ack", null, notAdmin),
        new Endpoint("alerting", "POST", "/v1/alerts/some-alert/dismiss", null, notAdmin),
        new Endpoint("alerting", "POST", "/v1/webhooks/redeliver", null, notAdmin));
  }

  private static RunningApp app(String name) {
    return switch (name) {
      case "ingest" -> stack.ingest;
      case "aggregator" -> stack.aggregator;
      default -> stack.alerting;
    };
  }

  /** The list above is every endpoint: a route added without a line there fails here. */
  @Test
  void shouldCheckEveryRouteTheAppsServeAndNeedAKeyForEveryApiRoute() {
    for (String name : List.of("ingest", "aggregator", "alerting")) {
      for (HttpServer.Route route : app(name).httpRoutes()) {
        String what = route.method() + " " + name + route.path();
        if (!route.path().startsWith("/v1/")) {
          assertThat(route.roles()).as("%s needs no key", what).isEmpty();
          continue;
        }
        assertThat(route.roles()).as("%s needs a key", what).isNotEmpty();
        Pattern template = Pattern.compile(Stream.of(route.path().split("\\{[^}]+}", -1))
            .map(Pattern::quote).collect(Collectors.joining("[^?]+")) + "(\\?.*)?");
        assertThat(endpoints()).as("%s is in this test's list", what).anyMatch(endpoint -> endpoint.app().equals(name)
            && endpoint.method().equals(route.method()) && template.matcher(endpoint.path()).matches());
      }
    }
  }

  @Test
  void shouldRefuseEveryEndpointWithoutTheRightKey() throws Exception {
    for (Endpoint endpoint : endpoints().toList()) {
      String what = endpoint.method() + " " + endpoint.app() + endpoint.path();
      HttpResponse<String> none = stack.send(app(endpoint.app()), endpoint.method(), endpoint.path(), null, endpoint.body());
      assertThat(none.statusCode()).as(what + " without a key").isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).as(what).isPresent();
      assertThat(none.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
      HttpResponse<String> unknown = stack.send(app(endpoint.app()), endpoint.method(), endpoint.path(), "guess-" + UUID.randomUUID(), endpoint.body());
      assertThat(unknown.statusCode()).as(what + " with an unknown key").isEqualTo(401);
      for (String key : endpoint.wrongRoleKeys()) {
        HttpResponse<String> wrongRole = stack.send(app(endpoint.app()), endpoint.method(), endpoint.path(), key, endpoint.body());
        assertThat(wrongRole.statusCode()).as(what + " with a key of the wrong role").isEqualTo(403);
        assertThat(JSON.readTree(wrongRole.body()).get("detail").asText()).as(what).contains("needs a key with the role");
      }
    }

    // Nothing got through: no event on the topic, no quota, no price change.
    assertThat(stack.send(stack.alerting, "GET", "/v1/quotas", AppStack.READ_KEY, null).body()).isEqualTo("{\"quotas\":[]}");
    JsonNode gpt4o = JSON.readTree(stack.send(stack.aggregator, "GET", "/v1/pricing?provider=openai&model=gpt-4o",
        AppStack.READ_KEY, null).body());
    assertThat(gpt4o.at("/prices/0/inputPerMillionUsd").asText()).isEqualTo("2.500000000");
    TopicCatalog topics = TopicCatalog.create(stack.settings);
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "security-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var partitions = consumer.partitionsFor(topics.tokensConsumed().name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      assertThat(consumer.endOffsets(partitions, Duration.ofSeconds(10)).values()).containsOnly(0L);
    }
  }
}
