package dev.tokenledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/** The figures of one {@code ingest-throughput} run: one table for people, the same as JSON. */
record IngestThroughputReport(
    Instant measuredAt,
    int partitions,
    double averageRecordBytes,
    Mode single,
    Mode batch,
    Rate producerPerformance,
    long topicRecords) {

  /** The target: batches at least half as fast as Kafka's own producer. */
  static final double BATCH_TARGET = 0.5;

  /**
   * One way of posting: {@code requests} sent, {@code inFlight} at a time, each of {@code eventsPerRequest}
   * events (the last may hold fewer); {@code outcomes} counts every request's answer by HTTP status, or
   * {@code io-error} when there was none.
   */
  record Mode(String name, int eventsPerRequest, int inFlight, long requests, long acceptedEvents, double seconds,
      SortedMap<String, Long> outcomes) {

    double eventsPerSecond() {
      return acceptedEvents / seconds;
    }

    long notAccepted() {
      return outcomes.entrySet().stream().filter(e -> !e.getKey().equals("202")).mapToLong(Map.Entry::getValue).sum();
    }
  }

  long acceptedEvents() {
    return single.acceptedEvents() + batch.acceptedEvents();
  }

  /** Every accepted event is on the topic, once. */
  boolean exact() {
    return topicRecords == acceptedEvents();
  }

  Map<String, Double> ratios() {
    Map<String, Double> ratios = new LinkedHashMap<>();
    ratios.put("single/producer", single.eventsPerSecond() / producerPerformance.recordsPerSecond());
    ratios.put("batch/producer", batch.eventsPerSecond() / producerPerformance.recordsPerSecond());
    return ratios;
  }

  boolean batchTargetMet() {
    return ratios().get("batch/producer") >= BATCH_TARGET;
  }

  String table() {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "ingest-throughput: %d partitions, %.0f B a record on the topic (key + value),"
        + " one broker, measured %s\n", partitions, averageRecordBytes, measuredAt));
    t.append(String.format(Locale.ROOT, "%-44s %12s %10s  %s\n", "", "events/s", "seconds", "requests by answer"));
    for (Mode mode : new Mode[] {single, batch}) {
      String name = String.format(Locale.ROOT, "ingest %s (%d event(s), %d in flight)", mode.name(),
          mode.eventsPerRequest(), mode.inFlight());
      t.append(String.format(Locale.ROOT, "%-44s %,12.0f %10.1f  %s", name, mode.eventsPerSecond(), mode.seconds(),
          outcomes(mode))).append('\n');
    }
    t.append(String.format(Locale.ROOT, "%-44s %,12.0f %10.1f\n", "Kafka ProducerPerformance (acks=all)",
        producerPerformance.recordsPerSecond(), producerPerformance.seconds()));
    ratios().forEach((name, value) -> t.append(String.format(Locale.ROOT, "%-44s %12.3f\n", name, value)));
    t.append(String.format(Locale.ROOT, "target batch/producer >= %.1f: %s\n", BATCH_TARGET,
        batchTargetMet() ? "met" : "MISSED"));
    t.append(String.format(Locale.ROOT, "topic holds %,d records, accepted %,d: %s\n", topicRecords, acceptedEvents(),
        exact() ? "exact" : "MISMATCH"));
    return t.toString();
  }

  private static String outcomes(Mode mode) {
    StringBuilder s = new StringBuilder();
    mode.outcomes().forEach((answer, count) -> s.append(s.length() == 0 ? "" : ", ")
        .append(String.format(Locale.ROOT, "%s: %,d", answer, count)));
    return s.toString();
  }

  String json(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode()
        .put("scenario", "ingest-throughput")
        .put("measuredAt", measuredAt.toString())
        .put("partitions", partitions)
        .put("averageRecordBytes", averageRecordBytes);
    ObjectNode modes = root.putObject("modes");
    for (Mode mode : new Mode[] {single, batch}) {
      ObjectNode m = modes.putObject(mode.name());
      m.put("eventsPerRequest", mode.eventsPerRequest())
          .put("inFlight", mode.inFlight())
          .put("requests", mode.requests())
          .put("acceptedEvents", mode.acceptedEvents())
          .put("seconds", mode.seconds())
          .put("eventsPerSecond", mode.eventsPerSecond())
          .put("notAccepted", mode.notAccepted());
      ObjectNode outcomes = m.putObject("requestsByAnswer");
      mode.outcomes().forEach(outcomes::put);
    }
    root.putObject("producerPerformance")
        .put("records", producerPerformance.records())
        .put("seconds", producerPerformance.seconds())
        .put("recordsPerSecond", producerPerformance.recordsPerSecond());
    ObjectNode ratios = root.putObject("ratios");
    ratios().forEach(ratios::put);
    root.put("batchTarget", BATCH_TARGET).put("batchTargetMet", batchTargetMet());
    root.put("topicRecords", topicRecords).put("acceptedEvents", acceptedEvents()).put("exact", exact());
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
