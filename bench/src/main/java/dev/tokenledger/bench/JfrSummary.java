package dev.tokenledger.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the stream threads of a JFR recording spent their time: the share of execution samples
 * by area (a sample counts toward the first area any frame of its stack belongs to, from the top)
 * and the methods most often on top. What docs/performance.md quotes.
 */
final class JfrSummary {

  /**
   * A stream thread's own name ({@code <client id>-StreamThread-1}), not its producer's network
   * thread ({@code kafka-producer-network-thread | <client id>-StreamThread-1-producer}).
   */
  private static final Pattern STREAM_THREAD = Pattern.compile(".*-StreamThread-\\d+");

  /** Areas of a stream thread's work, matched on the frames' class names, most specific first. */
  static final Map<String, List<String>> AREAS = areas();

  private JfrSummary() {}

  private static Map<String, List<String>> areas() {
    Map<String, List<String>> areas = new LinkedHashMap<>();
    areas.put("RocksDB", List.of("org.rocksdb."));
    areas.put("record cache", List.of("org.apache.kafka.streams.state.internals.ThreadCache",
        "org.apache.kafka.streams.state.internals.NamedCache", "org.apache.kafka.streams.state.internals.Caching"));
    areas.put("Avro", List.of("org.apache.avro."));
    areas.put("producer send", List.of("org.apache.kafka.clients.producer."));
    areas.put("consumer poll", List.of("org.apache.kafka.clients.consumer."));
    areas.put("Streams metrics", List.of("org.apache.kafka.common.metrics.", "org.apache.kafka.streams.processor.internals.metrics."));
    areas.put("TokenLedger", List.of("dev.tokenledger."));
    areas.put("Kafka Streams", List.of("org.apache.kafka.streams."));
    return areas;
  }

  record Summary(long samples, Map<String, Double> areaShares, Map<String, Double> topMethods) {
    String text() {
      StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "stream threads: %,d execution samples%n", samples));
      areaShares.forEach((area, share) -> t.append(String.format(Locale.ROOT, "  %-20s %5.1f %%%n", area, 100 * share)));
      t.append("  most often on top:\n");
      topMethods.forEach((method, share) -> t.append(String.format(Locale.ROOT, "  %5.1f %%  %s%n", 100 * share, method)));
      return t.toString();
    }
  }

  static Summary of(Path recording, int topMethods) {
    Map<String, Long> byArea = new LinkedHashMap<>();
    AREAS.keySet().forEach(area -> byArea.put(area, 0L));
    byArea.put("other", 0L);
    Map<String, Long> byMethod = new HashMap<>();
    long samples = 0;
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        var thread = event.getThread("sampledThread");
        RecordedStackTrace stack = event.getStackTrace();
        if (thread == null || stack == null || thread.getJavaName() == null
            || !STREAM_THREAD.matcher(thread.getJavaName()).matches() || stack.getFrames().isEmpty()) {
          continue;
        }
        samples++;
        byArea.merge(area(stack.getFrames()), 1L, Long::sum);
        RecordedFrame top = stack.getFrames().get(0);
        byMethod.merge(top.getMethod().getType().getName() + "." + top.getMethod().getName(), 1L, Long::sum);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + recording, e);
    }
    long total = Math.max(1, samples);
    Map<String, Double> areas = new LinkedHashMap<>();
    byArea.forEach((area, count) -> areas.put(area, (double) count / total));
    Map<String, Double> methods = new LinkedHashMap<>();
    byMethod.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(topMethods)
        .forEach(e -> methods.put(e.getKey(), (double) e.getValue() / total));
    return new Summary(samples, areas, methods);
  }

  private static String area(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      for (var area : AREAS.entrySet()) {
        if (area.getValue().stream().anyMatch(type::startsWith)) {
          return area.getKey();
        }
      }
    }
    return "other";
  }
}
