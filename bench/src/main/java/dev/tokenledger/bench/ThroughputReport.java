package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The figures of one {@code aggregator-throughput} run: one table for people, the same as JSON.
 *
 * @param decodeFloor a Streams app that only consumes and decodes each event
 * @param dedupeFloor one that also dedupes each event as the aggregator does
 * @param plainRecordsPerEvent every record the plain app wrote (changelogs, repartitions,
 *     transaction markers), per input event
 * @param aggregatorRecordsPerEvent the same of the aggregator, its output topics included
 * @param aggregatorRecordsByTopic those records per event by topic (internal topics without the
 *     application id)
 * @param variants the aggregator again with other settings, on the same events
 * @param profile where the aggregator's stream threads spent their time, when recorded
 */
record ThroughputReport(
    Instant measuredAt,
    long events,
    Duration span,
    double averageRecordBytes,
    int partitions,
    int streamThreads,
    Rate producerPerformance,
    Rate consumerPerformance,
    Rate preload,
    Rate plainStreams,
    Rate decodeFloor,
    Rate dedupeFloor,
    Rate aggregator,
    long plainStreamsDropped,
    long aggregatorDropped,
    long aggregatorCounted,
    double plainRecordsPerEvent,
    double aggregatorRecordsPerEvent,
    Map<String, Double> aggregatorRecordsByTopic,
    List<Variant> variants,
    Optional<JfrSummary.Summary> profile) {

  /** The aggregator with one setting changed, e.g. its commit interval. */
  record Variant(String name, Rate rate, long dropped, long counted, double recordsPerEvent) {}

  /** Ratio name → value, in the order the table prints them. */
  Map<String, Double> ratios() {
    Map<String, Double> ratios = new LinkedHashMap<>();
    ratios.put("aggregator/producer", aggregator.recordsPerSecond() / producerPerformance.recordsPerSecond());
    ratios.put("aggregator/plain-streams", aggregator.recordsPerSecond() / plainStreams.recordsPerSecond());
    ratios.put("aggregator/dedupe-floor", aggregator.recordsPerSecond() / dedupeFloor.recordsPerSecond());
    ratios.put("plain-streams/producer", plainStreams.recordsPerSecond() / producerPerformance.recordsPerSecond());
    return ratios;
  }

  String table() {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "aggregator-throughput: %,d events over %d min of event time (%.0f B a record),"
        + " %d partitions, %d stream thread(s), one broker, measured %s\n", events, span.toMinutes(), averageRecordBytes,
        partitions, streamThreads, measuredAt));
    t.append(String.format(Locale.ROOT, "%-46s %12s %10s\n", "", "records/s", "seconds"));
    row(t, "Kafka ProducerPerformance (acks=all)", producerPerformance, "");
    row(t, "Kafka ConsumerPerformance", consumerPerformance, "");
    row(t, "TokenLedger preload producer (Avro, acks=all)", preload, "");
    row(t, "plain Kafka Streams (EOS, 3 groupBy x 3 windows)", plainStreams, String.format(Locale.ROOT,
        "dropped %d, %.2f records produced per event", plainStreamsDropped, plainRecordsPerEvent));
    row(t, "Kafka Streams floor: consume and decode (EOS)", decodeFloor, "");
    row(t, "Kafka Streams floor: decode and dedupe (EOS)", dedupeFloor, "");
    row(t, "TokenLedger aggregator (EOS)", aggregator, String.format(Locale.ROOT,
        "dropped %d, counted %,d, %.2f records produced per event", aggregatorDropped, aggregatorCounted,
        aggregatorRecordsPerEvent));
    aggregatorRecordsByTopic.forEach((topic, perEvent) ->
        t.append(String.format(Locale.ROOT, "  %-44s %12.2f  records per event\n", topic, perEvent)));
    variants.forEach(v -> row(t, "TokenLedger aggregator, " + v.name(), v.rate(), String.format(Locale.ROOT,
        "dropped %d, counted %,d, %.2f records produced per event, %.3f x plain streams", v.dropped(), v.counted(),
        v.recordsPerEvent(), v.rate().recordsPerSecond() / plainStreams.recordsPerSecond())));
    ratios().forEach((name, value) -> t.append(String.format(Locale.ROOT, "%-46s %12.3f\n", name, value)));
    return t.toString();
  }

  private static void row(StringBuilder t, String name, Rate rate, String note) {
    t.append(String.format(Locale.ROOT, "%-46s %,12.0f %10.1f  %s", name, rate.recordsPerSecond(), rate.seconds(),
        note).stripTrailing()).append('\n');
  }

  String json(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode()
        .put("scenario", "aggregator-throughput")
        .put("measuredAt", measuredAt.toString())
        .put("spanMinutes", span.toMinutes())
        .put("events", events)
        .put("averageRecordBytes", averageRecordBytes)
        .put("partitions", partitions)
        .put("streamThreads", streamThreads);
    ObjectNode rates = root.putObject("recordsPerSecond");
    ObjectNode seconds = root.putObject("seconds");
    Map<String, Rate> all = new LinkedHashMap<>();
    all.put("producerPerformance", producerPerformance);
    all.put("consumerPerformance", consumerPerformance);
    all.put("preloadProducer", preload);
    all.put("plainStreams", plainStreams);
    all.put("decodeFloor", decodeFloor);
    all.put("dedupeFloor", dedupeFloor);
    all.put("aggregator", aggregator);
    all.forEach((name, rate) -> {
      rates.put(name, rate.recordsPerSecond());
      seconds.put(name, rate.seconds());
    });
    ObjectNode ratios = root.putObject("ratios");
    ratios().forEach(ratios::put);
    root.putObject("droppedRecords").put("plainStreams", plainStreamsDropped).put("aggregator", aggregatorDropped);
    root.put("aggregatorCounted", aggregatorCounted);
    root.putObject("recordsProducedPerEvent").put("plainStreams", plainRecordsPerEvent)
        .put("aggregator", aggregatorRecordsPerEvent);
    ObjectNode byTopic = root.putObject("aggregatorRecordsPerEventByTopic");
    aggregatorRecordsByTopic.forEach(byTopic::put);
    ObjectNode variantsNode = root.putObject("aggregatorVariants");
    variants.forEach(v -> variantsNode.putObject(v.name()).put("recordsPerSecond", v.rate().recordsPerSecond())
        .put("seconds", v.rate().seconds()).put("dropped", v.dropped()).put("counted", v.counted())
        .put("recordsProducedPerEvent", v.recordsPerEvent()));
    profile.ifPresent(p -> {
      ObjectNode profileNode = root.putObject("streamThreadProfile").put("samples", p.samples());
      ObjectNode areas = profileNode.putObject("areaShares");
      p.areaShares().forEach(areas::put);
      ObjectNode methods = profileNode.putObject("topMethods");
      p.topMethods().forEach(methods::put);
    });
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
