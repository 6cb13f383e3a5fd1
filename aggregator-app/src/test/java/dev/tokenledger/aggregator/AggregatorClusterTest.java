package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.KeyPartitioner;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two aggregator instances on a real broker, fed several days of out-of-order events with
 * duplicates and bad records, answer the exact ground truth for every key from either instance;
 * a third application replaying the same topic from offset 0 answers the same.
 */
class AggregatorClusterTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String READ_KEY = "read-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final ZoneId ZONE = ZoneId.of("Asia/Kolkata");
  /** team/erin: a userId with a '/', which a user × model query names with its user parameter. */
  private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "team/erin");
  private static final List<String[]> MODELS = List.of(
      new String[] {"openai", "gpt-4o"}, new String[] {"anthropic", "claude-haiku-4-5"}, new String[] {"local", "llama-test"});

  @TempDir static Path dir;
  private static Map<String, String> settings;
  private static final List<RunningApp> apps = new ArrayList<>();
  /** Expected totals per subject and day start: [requests, tokens, costNanos]. */
  private static final Map<String, Map<Instant, long[]>> truth = new TreeMap<>();
  private static LocalDate firstDay;

  @BeforeAll
  static void publishAndStart() throws Exception {
    Path keys = dir.resolve("keys.properties");
    Files.write(keys, List.of(ApiKeys.entry("reader", Role.READ, READ_KEY), ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    settings = new HashMap<>(KAFKA.isolatedTopics("cluster"));
    settings.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    settings.put("tokenledger.auth.keys-file", keys.toString());
    settings.put("tokenledger.http.port", "0");
    settings.put("tokenledger.zone", ZONE.getId());
    publishEvents();
    String live = "live-" + UUID.randomUUID().toString().substring(0, 8);
    apps.add(start(live, "a"));
    apps.add(start(live, "b"));
  }

  @AfterAll
  static void stop() {
    apps.forEach(RunningApp::close);
  }

  private static RunningApp start(String applicationId, String instance) {
    Map<String, String> own = new HashMap<>(settings);
    own.put("tokenledger.aggregator.application-id", applicationId);
    own.put("tokenledger.state.dir", dir.resolve(applicationId + "-" + instance).toString());
    return AggregatorApp.start(Settings.of("/aggregator-app.properties", own));
  }

  /** Six days of events in random order, 10 % sent twice (the second copy keyed otherwise), plus records that must not count. */
  private static void publishEvents() throws Exception {
    Random random = new Random(7);
    Instant now = Instant.now();
    List<TokensConsumed> events = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String user = USERS.get(random.nextInt(USERS.size()));
      String[] model = MODELS.get(random.nextInt(MODELS.size()));
      Instant at = now.minus(Duration.ofMinutes(10 + random.nextInt(6 * 24 * 60))).truncatedTo(ChronoUnit.MILLIS);
      long input = 100 + random.nextInt(5_000);
      long output = random.nextInt(1_000);
      Long callerCost = model[0].equals("anthropic") ? Long.valueOf(1 + random.nextInt(1_000_000)) : null;
      events.add(TokensConsumed.newBuilder().setEventId("e-" + i).setOccurredAt(at).setUserId(user)
          .setService("test").setFeature(i % 2 == 0 ? "chat" : null).setTenantId("acme")
          .setProvider(model[0]).setModel(model[1]).setInputTokens(input).setOutputTokens(output)
          .setCostNanos(callerCost).build());
      // gpt-4o is priced by the shipped catalogue ($2.50 in, $10 out per million); llama-test is unpriced.
      long cost = callerCost != null ? callerCost : model[1].equals("gpt-4o") ? (input * 2_500_000_000L + output * 10_000_000_000L) / 1_000_000 : 0;
      if (model[1].equals("gpt-4o")) {
        assertThat((input * 2_500_000_000L + output * 10_000_000_000L) % 1_000_000).isZero();
      }
      Instant day = CalendarWindow.containing(Period.DAY, at, ZONE).start();
      for (String subject : List.of("user:" + user, "model:" + model[0] + "/" + model[1], "provider:" + model[0],
          "feature:" + (i % 2 == 0 ? "chat" : "unassigned"), "tenant:acme", "all:_",
          "user_model:" + user + "/" + model[0] + "/" + model[1])) {
        long[] totals = truth.computeIfAbsent(subject, s -> new TreeMap<>()).computeIfAbsent(day, d -> new long[3]);
        totals[0]++;
        totals[1] += input + output;
        totals[2] += cost;
      }
    }
    firstDay = LocalDate.ofInstant(now.minus(Duration.ofDays(7)), ZONE);
    List<TokensConsumed> toSend = new ArrayList<>(events);
    List<TokensConsumed> retries = new ArrayList<>();
    for (int i = 0; i < events.size(); i += 10) {
      retries.add(events.get(i)); // a retry: the same eventId again
    }
    toSend.addAll(retries);
    Collections.shuffle(toSend, random);
    TopicCatalog topics = TopicCatalog.create(settings);
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      String topic = topics.tokensConsumed().name();
      int partitions = topics.tokensConsumed().partitions();
      Map<String, Integer> sends = new HashMap<>();
      for (TokensConsumed event : toSend) {
        byte[] value = AvroSerdes.tokensConsumed().encode(event);
        // Each retry's second copy comes as a producer that keys by something else would send it:
        // no key, another key, or another partitioner's choice. All must meet the first copy.
        int copy = sends.merge(event.getEventId(), 1, Integer::sum);
        int retry = retries.indexOf(event);
        ProducerRecord<byte[], byte[]> record = copy == 1 || retry % 3 == 0
            ? new ProducerRecord<>(topic, copy == 1 ? event.getUserId().getBytes(StandardCharsets.UTF_8) : null, value)
            : retry % 3 == 1 ? new ProducerRecord<>(topic, ("session-" + retry).getBytes(StandardCharsets.UTF_8), value)
            : new ProducerRecord<>(topic, (KeyPartitioner.partition(event.getUserId(), partitions) + 1) % partitions,
                event.getUserId().getBytes(StandardCharsets.UTF_8), value);
        producer.send(record);
      }
      producer.send(new ProducerRecord<>(topic, "alice".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}));
      producer.send(new ProducerRecord<>(topic, null, AvroSerdes.tokensConsumed().encode(TokensConsumed.newBuilder(events.get(0))
          .setEventId("future").setOccurredAt(Instant.now().plus(Duration.ofDays(2))).build())));
      producer.send(new ProducerRecord<>(topic, null, AvroSerdes.tokensConsumed().encode(TokensConsumed.newBuilder(events.get(0))
          .setEventId("ancient").setOccurredAt(Instant.parse("2019-01-01T00:00:00Z")).build())));
      producer.flush();
    }
  }

  private static JsonNode get(RunningApp app, String pathAndQuery) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + pathAndQuery))
        .header("Authorization", "Bearer " + READ_KEY).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(pathAndQuery + " → " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** What an instance answers for one subject: day start → [requests, tokens, costNanos]. */
  private static Map<Instant, long[]> served(RunningApp app, String subject) throws Exception {
    String dimension = subject.substring(0, subject.indexOf(':'));
    String key = URLEncoder.encode(subject.substring(subject.indexOf(':') + 1), StandardCharsets.UTF_8);
    String user = dimension.equals("user_model") && subject.startsWith("user_model:team/erin/") ? "&user=team%2Ferin" : "";
    JsonNode usage = get(app, "/v1/usage?dimension=" + dimension + "&key=" + key + user + "&period=day&from=" + firstDay
        + "&to=" + LocalDate.now(ZONE).plusDays(2));
    Map<Instant, long[]> days = new TreeMap<>();
    for (JsonNode window : usage.get("windows")) {
      days.put(Instant.parse(window.get("start").asText()), new long[] {window.get("requests").asLong(),
          window.get("totalTokens").asLong(), Usd.parseNanos(window.get("costUsd").asText())});
    }
    return days;
  }

  private static void assertServesTheTruth(RunningApp app) throws Exception {
    for (var subject : truth.entrySet()) {
      Map<Instant, long[]> served = served(app, subject.getKey());
      assertThat(served.keySet()).as(subject.getKey()).containsExactlyElementsOf(subject.getValue().keySet());
      subject.getValue().forEach((day, expected) ->
          assertThat(served.get(day)).as(subject.getKey() + " on " + day).containsExactly(expected));
    }
  }

  @Test
  void shouldServeExactTotalsForEveryKeyFromEitherInstance() {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      assertServesTheTruth(apps.get(0));
      assertServesTheTruth(apps.get(1));
    });
  }

  @Test
  void shouldRankTheSameGlobalTopNFromEitherInstance() throws Exception {
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertServesTheTruth(apps.get(0)));
    String today = LocalDate.now(ZONE).toString();
    List<String> expected = truth.entrySet().stream().filter(e -> e.getKey().startsWith("user:"))
        .filter(e -> e.getValue().containsKey(CalendarWindow.startOfDay(LocalDate.parse(today), ZONE)))
        .sorted((a, b) -> Long.compare(b.getValue().get(CalendarWindow.startOfDay(LocalDate.parse(today), ZONE))[1],
            a.getValue().get(CalendarWindow.startOfDay(LocalDate.parse(today), ZONE))[1]))
        .map(e -> e.getKey().substring("user:".length())).toList();

    for (RunningApp app : apps) {
      JsonNode top = get(app, "/v1/top?dimension=user&period=day&at=" + today + "&by=tokens&limit=10");
      List<String> ranked = new ArrayList<>();
      top.get("entries").forEach(entry -> ranked.add(entry.get("key").asText()));
      assertThat(ranked).as("top users from instance on port " + app.httpPort()).containsExactlyElementsOf(expected);
      JsonNode aliceModels = get(app, "/v1/top?dimension=user_model&period=day&at=" + today + "&by=tokens&prefix=alice/");
      aliceModels.get("entries").forEach(entry -> assertThat(entry.get("key").asText()).startsWith("alice/"));
      JsonNode stats = get(app, "/v1/stats?range=7d");
      long expectedRequests = truth.get("all:_").values().stream().mapToLong(t -> t[0]).sum();
      assertThat(stats.at("/totals/requests").asLong()).isEqualTo(expectedRequests);
    }
  }

  @Test
  void shouldServeTheShippedPricesAndTakeACorrectionFromAnAdmin() throws Exception {
    JsonNode prices = get(apps.get(1), "/v1/pricing?provider=openai&model=gpt-4o");
    assertThat(prices.at("/prices/0/inputPerMillionUsd").asText()).isEqualTo("2.500000000");
    assertThat(prices.at("/prices/0/effectiveFrom").asText()).isEqualTo("1970-01-01T00:00:00Z");

    String body = "{\"effectiveFrom\":\"2030-01-01T00:00:00Z\",\"inputPerMillionUsd\":\"0.10\",\"outputPerMillionUsd\":\"0.20\"}";
    HttpRequest.Builder put = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apps.get(0).httpPort()
        + "/v1/pricing/local/llama-test")).PUT(HttpRequest.BodyPublishers.ofString(body));
    assertThat(HTTP.send(put.header("Authorization", "Bearer " + READ_KEY).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(403);
    HttpResponse<String> stored = HTTP.send(put.setHeader("Authorization", "Bearer " + ADMIN_KEY).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    // Every instance holds every price: the other one shows it right away.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        get(apps.get(1), "/v1/pricing?provider=local").at("/prices/0/outputPerMillionUsd").asText()).isEqualTo("0.200000000"));
  }

  @Test
  void shouldGiveTheSameTotalsWhenReplayedFromOffsetZero() throws Exception {
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertServesTheTruth(apps.get(0)));

    // A new application id reads the topic from offset 0: what an application reset does.
    try (RunningApp replay = start("replay-" + UUID.randomUUID().toString().substring(0, 8), "r")) {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
          .untilAsserted(() -> assertServesTheTruth(replay));
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replay.httpPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics.lines().filter(l -> l.startsWith("tokenledger_streams_dropped_records{")))
          .singleElement().satisfies(line -> assertThat(line).endsWith(" 0.0"));
    }
  }
}
