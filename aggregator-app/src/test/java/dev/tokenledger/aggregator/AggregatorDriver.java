package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.StreamsRuntime;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The aggregator's topology on a {@link TopologyTestDriver}, with the exception handlers the app
 * runs with, its topics and its bucket store at hand.
 */
final class AggregatorDriver implements AutoCloseable {

  final TopicCatalog topics = TopicCatalog.create(Map.of());
  final AggregatorConfig config;
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> input;
  final TestOutputTopic<String, UsageAggregate> aggregates;
  final TestOutputTopic<byte[], byte[]> rejected;
  final TestOutputTopic<String, TokensConsumed> late;
  final TestInputTopic<String, ModelPrice> prices;

  /**
   * @param settings over the app's defaults
   * @param partitions of tokens.consumed; the driver reads every record from partition 0
   */
  AggregatorDriver(Path stateDir, Map<String, String> settings, Instant wallClock, int partitions,
      MeterRegistry registry) {
    config = AggregatorConfig.from(Settings.of("/aggregator-app.properties", settings));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.putAll(StreamsRuntime.errorHandling(topics.tokensRejected().name(), config.applicationId(), registry));
    driver = new TopologyTestDriver(UsageTopology.build(config, topics, partitions, registry), props, wallClock);
    input = driver.createInputTopic(topics.tokensConsumed().name(), new ByteArraySerializer(), new ByteArraySerializer());
    aggregates = driver.createOutputTopic(topics.usageAggregates().name(), new StringDeserializer(),
        AvroSerdes.usageAggregate().deserializer());
    rejected = driver.createOutputTopic(topics.tokensRejected().name(), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    late = driver.createOutputTopic(topics.tokensLate().name(), new StringDeserializer(),
        AvroSerdes.tokensConsumed().deserializer());
    prices = driver.createInputTopic(topics.pricingCatalog().name(), new StringSerializer(),
        AvroSerdes.modelPrice().serializer());
  }

  static TokensConsumed.Builder event(String eventId, String occurredAt) {
    return TokensConsumed.newBuilder()
        .setEventId(eventId)
        .setOccurredAt(Instant.parse(occurredAt))
        .setUserId("alice")
        .setTenantId("acme")
        .setService("chat-api")
        .setFeature("chat")
        .setProvider("openai")
        .setModel("gpt-4o")
        .setInputTokens(1_000)
        .setOutputTokens(200)
        .setTokenSource(TokenSource.REPORTED);
  }

  static PriceVersion.Builder price(String effectiveFrom, long inputNanosPerMillion, long outputNanosPerMillion) {
    return PriceVersion.newBuilder().setEffectiveFrom(Instant.parse(effectiveFrom))
        .setInputPerMillionNanos(inputNanosPerMillion).setOutputPerMillionNanos(outputNanosPerMillion);
  }

  void catalogue(String provider, String model, Long contextWindow, PriceVersion... versions) {
    prices.pipeInput(Pricing.key(provider, model), ModelPrice.newBuilder().setProvider(provider).setModel(model)
        .setContextWindow(contextWindow).setVersions(List.of(versions)).build());
  }

  /**
   * Publishes the event keyed by its userId. The test driver commits after every record, so its
   * totals are in the buckets (and published) when this returns.
   */
  void send(TokensConsumed event) {
    input.pipeInput(event.getUserId().getBytes(StandardCharsets.UTF_8), AvroSerdes.tokensConsumed().encode(event));
  }

  /**
   * Publishes the event as a record with timestamp -1, which the broker takes from clients other
   * than Java's; the driver's public API refuses it, so its record path is called by reflection.
   */
  void sendWithoutTimestamp(TokensConsumed event) {
    try {
      java.lang.reflect.Method pipe = TopologyTestDriver.class.getDeclaredMethod("pipeRecord", String.class, long.class,
          byte[].class, byte[].class, org.apache.kafka.common.header.Headers.class);
      pipe.setAccessible(true);
      pipe.invoke(driver, topics.tokensConsumed().name(), -1L, event.getUserId().getBytes(StandardCharsets.UTF_8),
          AvroSerdes.tokensConsumed().encode(event), new org.apache.kafka.common.header.internals.RecordHeaders());
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the test driver's internals changed: " + e, e);
    }
  }

  /** A bucket as a query reads it: from the subject's entry, or else from its history store; null when it holds nothing. */
  UsageAggregate bucket(Dimension dimension, String key, Period period, String start) {
    Subject subject = new Subject(dimension, key);
    SubjectHome home = SubjectHome.of(subject, Optional.empty());
    Instant windowStart = Instant.parse(start);
    KeyValueStore<String, SubjectBuckets> entries = driver.getKeyValueStore(home.entries());
    SubjectBuckets entry = entries.get(subject.toString());
    Totals held = entry == null ? null : entry.get(SubjectBuckets.index(period), windowStart.toEpochMilli());
    if (held != null) {
      return held.toAggregate(subject, CalendarWindow.containing(period, windowStart, config.zone()), config.zone());
    }
    KeyValueStore<BucketKey, UsageAggregate> history = driver.getKeyValueStore(home.history());
    return history.get(BucketKey.of(subject, period, windowStart));
  }

  /** How many buckets of {@code period} the stores hold, in entries and history together. */
  long bucketsOf(Period period) {
    long count = 0;
    int p = SubjectBuckets.index(period);
    for (String store : List.of(UserSubjectsProcessor.BUCKETS, SharedSubjectsProcessor.BUCKETS)) {
      KeyValueStore<String, SubjectBuckets> entries = driver.getKeyValueStore(store);
      try (var all = entries.all()) {
        while (all.hasNext()) {
          count += all.next().value.windows().stream().filter(w -> w.period() == p).count();
        }
      }
    }
    for (String store : List.of(UserSubjectsProcessor.HISTORY, SharedSubjectsProcessor.HISTORY)) {
      KeyValueStore<BucketKey, UsageAggregate> history = driver.getKeyValueStore(store);
      try (var all = history.all()) {
        while (all.hasNext()) {
          if (all.next().key.period() == period) {
            count++;
          }
        }
      }
    }
    return count;
  }

  /** Kafka Streams' own count of records it dropped (deserialization, processing and production errors included). */
  double droppedRecords() {
    return driver.metrics().values().stream()
        .filter(m -> m.metricName().name().equals("dropped-records-total"))
        .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
  }

  /** Every record's headers read from {@code tokens.rejected}, by name (the last of each name). */
  List<Map<String, String>> rejectedHeaders() {
    return rejected.readRecordsToList().stream().map(record -> {
      Map<String, String> headers = new HashMap<>();
      record.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null
          : new String(h.value(), StandardCharsets.UTF_8)));
      return headers;
    }).toList();
  }

  @Override
  public void close() {
    driver.close();
  }
}
