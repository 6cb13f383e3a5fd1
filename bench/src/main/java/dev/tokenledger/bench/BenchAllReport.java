package dev.tokenledger.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What one {@code bench all} run found: every figure the issue asks for, each beside its target,
 * and which scenarios failed. One table for people, the same as JSON.
 */
record BenchAllReport(Instant measuredAt, boolean quick, List<Outcome> outcomes) {

  private static final double MIB = 1 << 20;

  /** A figure's target: at least, or at most, {@code limit}. */
  record Target(boolean atLeast, double limit) {

    static Target atLeast(double limit) {
      return new Target(true, limit);
    }

    static Target atMost(double limit) {
      return new Target(false, limit);
    }

    /** A missing figure (NaN) meets no target. */
    boolean met(double value) {
      return !Double.isNaN(value) && (atLeast ? value >= limit : value <= limit);
    }
  }

  /** A figure the issue asks for, from one scenario; {@code target} is null when it is only reported. */
  record Figure(String scenario, String name, String unit, Target target) {}

  static final Figure AGGREGATOR_PRODUCER = new Figure("aggregator-throughput",
      "aggregator events/s ÷ ProducerPerformance", "", Target.atLeast(0.25));
  static final Figure AGGREGATOR_PLAIN = new Figure("aggregator-throughput", "aggregator ÷ plain Kafka Streams", "",
      Target.atLeast(2));
  static final Figure AGGREGATOR_DEDUPE_FLOOR = new Figure("aggregator-throughput",
      "aggregator ÷ the decode-and-dedupe floor", "", Target.atLeast(0.5));
  static final Figure AGGREGATOR_RECORDS = new Figure("aggregator-throughput",
      "aggregator records produced per event", "", Target.atMost(5));
  /** AlertLatencyReport's target, restated: the summary depends only on that report's figures. */
  static final Figure ALERT_P99 = new Figure("alert-latency", "alert p99, send to alert read", "ms",
      Target.atMost(AlertLatencyReport.TARGET_P99_MILLIS));
  static final Figure INGEST_BATCH = new Figure("ingest-throughput", "ingest batch ÷ producer", "",
      Target.atLeast(IngestThroughputReport.BATCH_TARGET));
  static final Figure INGEST_SINGLE = new Figure("ingest-throughput", "ingest single ÷ producer", "", null);
  static final Figure USAGE_LOCAL_P99 = queryFigure(QueryLatencyCommand.LOCAL, "/v1/usage p99, local");
  static final Figure USAGE_FORWARDED_P99 = queryFigure(QueryLatencyCommand.FORWARDED, "/v1/usage p99, forwarded");
  static final Figure ADMISSION_P99 = queryFigure(QueryLatencyCommand.ADMISSION, "/v1/admission p99");
  /** 1.5 GiB, judged on the peak (VmHWM) as AggregatorStateReport does. */
  static final Figure AGGREGATOR_RSS = new Figure("aggregator-state", "aggregator peak RSS", "MiB",
      Target.atMost(1536));

  /** Every figure, in the table's order. */
  static final List<Figure> FIGURES = List.of(AGGREGATOR_PRODUCER, AGGREGATOR_PLAIN, AGGREGATOR_DEDUPE_FLOOR,
      AGGREGATOR_RECORDS, ALERT_P99, INGEST_BATCH,
      INGEST_SINGLE, USAGE_LOCAL_P99, USAGE_FORWARDED_P99, ADMISSION_P99, AGGREGATOR_RSS);

  private static Figure queryFigure(String kind, String name) {
    return new Figure("query-latency", name, "ms", Target.atMost(QueryLatencyReport.P99_TARGET_MILLIS.get(kind)));
  }

  /** A figure's value (NaN when there is none, e.g. no answer to time) and what it was measured with. */
  record Value(Figure figure, double value, String note) {}

  /** How one scenario ended: the values it gave, and {@code failure} (null when it ran through). */
  record Outcome(String scenario, double seconds, List<Value> values, String failure) {

    Optional<Value> value(Figure figure) {
      return values.stream().filter(v -> v.figure().equals(figure)).findFirst();
    }
  }

  static List<Value> values(ThroughputReport r) {
    String rates = String.format(Locale.ROOT, "%,.0f events/s; producer %,.0f, plain streams %,.0f records/s",
        r.aggregator().recordsPerSecond(), r.producerPerformance().recordsPerSecond(),
        r.plainStreams().recordsPerSecond());
    return List.of(new Value(AGGREGATOR_PRODUCER, r.ratios().get("aggregator/producer"), rates),
        new Value(AGGREGATOR_PLAIN, r.ratios().get("aggregator/plain-streams"),
            String.format(Locale.ROOT, "%,d events", r.events())),
        new Value(AGGREGATOR_DEDUPE_FLOOR, r.ratios().get("aggregator/dedupe-floor"), String.format(Locale.ROOT,
            "floors: decode %,.0f, dedupe %,.0f events/s", r.decodeFloor().recordsPerSecond(),
            r.dedupeFloor().recordsPerSecond())),
        new Value(AGGREGATOR_RECORDS, r.aggregatorRecordsPerEvent(), String.format(Locale.ROOT,
            "plain streams %.2f", r.plainRecordsPerEvent())));
  }

  static List<Value> values(IngestThroughputReport r) {
    String producer = String.format(Locale.ROOT, "producer %,.0f records/s", r.producerPerformance().recordsPerSecond());
    return List.of(
        new Value(INGEST_BATCH, r.ratios().get("batch/producer"), String.format(Locale.ROOT, "%,.0f events/s; %s",
            r.batch().eventsPerSecond(), producer)),
        new Value(INGEST_SINGLE, r.ratios().get("single/producer"), String.format(Locale.ROOT, "%,.0f events/s",
            r.single().eventsPerSecond())));
  }

  static List<Value> values(QueryLatencyReport r) {
    List<Value> values = new ArrayList<>();
    for (Figure figure : List.of(USAGE_LOCAL_P99, USAGE_FORWARDED_P99, ADMISSION_P99)) {
      String kind = figure == USAGE_LOCAL_P99 ? QueryLatencyCommand.LOCAL
          : figure == USAGE_FORWARDED_P99 ? QueryLatencyCommand.FORWARDED : QueryLatencyCommand.ADMISSION;
      QueryLatencyRecorder.Summary s = r.kinds().get(kind);
      if (s == null || s.count() == 0) {
        values.add(new Value(figure, Double.NaN, "no 2xx answer" + (s == null ? "" : "; not 2xx " + s.failed())));
      } else {
        values.add(new Value(figure, s.p99Millis(), String.format(Locale.ROOT,
            "p50 %.2f, max %.2f ms; %,d answers, %d not 2xx; %,.0f queries/s under %,.0f events/s", s.p50Millis(),
            s.maxMillis(), s.count(), s.failed(), r.queryRate(), r.loadAchieved())));
      }
    }
    return values;
  }

  /** From alert-latency's public figures: latency from send to alert read, and the background load it had. */
  static List<Value> alertLatency(double p50Millis, double p99Millis, double maxMillis, double eventsPerSecond) {
    return List.of(new Value(ALERT_P99, p99Millis, String.format(Locale.ROOT,
        "p50 %s, max %s ms; at %,.0f events/s", oneDecimal(p50Millis), oneDecimal(maxMillis), eventsPerSecond)));
  }

  private static String oneDecimal(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f", value);
  }

  /** From aggregator-state's public figures: its users, and the aggregator's RSS when caught up and at its peak. */
  static List<Value> aggregatorState(long users, long rssBytes, long peakRssBytes) {
    return List.of(new Value(AGGREGATOR_RSS, peakRssBytes < 0 ? Double.NaN : peakRssBytes / MIB,
        String.format(Locale.ROOT, "%,d users; RSS caught up %.0f MiB", users, rssBytes / MIB)));
  }

  boolean failed() {
    return outcomes.stream().anyMatch(o -> o.failure() != null);
  }

  /** {@code met}, {@code missed}, {@code -} (no target), {@code failed} (no value, its scenario failed) or {@code not run}. */
  String result(Figure figure) {
    Optional<Outcome> outcome = outcomes.stream().filter(o -> o.scenario().equals(figure.scenario())).findFirst();
    if (outcome.isEmpty()) {
      return "not run";
    }
    Optional<Value> value = outcome.get().value(figure);
    if (value.isEmpty()) {
      return outcome.get().failure() != null ? "failed" : "n/a";
    }
    if (figure.target() == null) {
      return "-";
    }
    return figure.target().met(value.get().value()) ? "met" : "missed";
  }

  String table() {
    StringBuilder t = new StringBuilder();
    long failed = outcomes.stream().filter(o -> o.failure() != null).count();
    t.append(String.format(Locale.ROOT, "bench all: %d scenario(s), %s, %d failed, measured %s\n", outcomes.size(),
        quick ? "--quick sizes (a smoke run: the targets are for the default sizes)" : "default sizes", failed,
        measuredAt));
    t.append(String.format(Locale.ROOT, "%-22s %-42s %12s %11s %-7s  %s\n", "scenario", "figure", "value", "target",
        "result", "measured with"));
    for (Figure figure : FIGURES) {
      Optional<Value> value = outcomes.stream().filter(o -> o.scenario().equals(figure.scenario())).findFirst()
          .flatMap(o -> o.value(figure));
      String text = value.map(v -> format(figure, v.value())).orElse("-");
      t.append(String.format(Locale.ROOT, "%-22s %-42s %12s %11s %-7s  %s", figure.scenario(), figure.name(), text,
          target(figure), result(figure), value.map(Value::note).orElse("")).stripTrailing()).append('\n');
    }
    for (Outcome o : outcomes) {
      if (o.failure() != null) {
        t.append(String.format(Locale.ROOT, "%s FAILED after %.0f s: %s\n", o.scenario(), o.seconds(), o.failure()));
      }
    }
    return t.toString();
  }

  private static String format(Figure figure, double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return switch (figure.unit()) {
      case "ms" -> String.format(Locale.ROOT, "%.2f ms", value);
      case "MiB" -> String.format(Locale.ROOT, "%,.0f MiB", value);
      default -> String.format(Locale.ROOT, "%.3f", value);
    };
  }

  private static String target(Figure figure) {
    Target target = figure.target();
    if (target == null) {
      return "";
    }
    String limit = figure.unit().isEmpty() ? BigDecimal.valueOf(target.limit()).stripTrailingZeros().toPlainString()
        : String.format(Locale.ROOT, "%,.0f %s", target.limit(), figure.unit());
    return (target.atLeast() ? ">= " : "<= ") + limit;
  }

  String json(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode()
        .put("scenario", "all")
        .put("measuredAt", measuredAt.toString())
        .put("quick", quick)
        .put("failed", failed());
    ArrayNode scenarios = root.putArray("scenarios");
    for (Outcome o : outcomes) {
      ObjectNode s = scenarios.addObject().put("name", o.scenario()).put("seconds", o.seconds())
          .put("ok", o.failure() == null);
      if (o.failure() != null) {
        s.put("failure", o.failure());
      }
    }
    ArrayNode figures = root.putArray("figures");
    for (Figure figure : FIGURES) {
      ObjectNode f = figures.addObject().put("scenario", figure.scenario()).put("name", figure.name())
          .put("unit", figure.unit());
      Optional<Value> value = outcomes.stream().filter(o -> o.scenario().equals(figure.scenario())).findFirst()
          .flatMap(o -> o.value(figure));
      if (value.isEmpty() || Double.isNaN(value.get().value())) {
        f.putNull("value");
      } else {
        f.put("value", value.get().value());
      }
      if (figure.target() == null) {
        f.putNull("target");
      } else {
        f.putObject("target").put(figure.target().atLeast() ? "atLeast" : "atMost", figure.target().limit());
      }
      f.put("result", result(figure));
      value.ifPresent(v -> f.put("note", v.note()));
    }
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
