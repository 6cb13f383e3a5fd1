package dev.tokenledger.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The figures of one {@code aggregator-state} run: one table for people, the same as JSON. */
record AggregatorStateReport(
    Instant measuredAt,
    long users,
    long eventsPerUser,
    String heap,
    Rate preload,
    Rate aggregator,
    long counted,
    long dropped,
    long rssBytes,
    long peakRssBytes,
    long heapUsedBytes,
    long stateBytesCaughtUp,
    long stateBytesStopped) {

  /** The target: RSS ≤ 1.5 GiB at 1 M users, judged on the peak (VmHWM). */
  static final long TARGET_RSS_BYTES = 3L << 29;
  private static final double MIB = 1 << 20;

  boolean meetsTarget() {
    return peakRssBytes <= TARGET_RSS_BYTES;
  }

  /**
   * A {@code /proc/PID/status} field given in kB (VmRSS, VmHWM), in bytes.
   *
   * @throws IllegalArgumentException when the field is not there (not Linux, or the process has exited)
   */
  static long statusBytes(String status, String field) {
    Matcher m = Pattern.compile("^" + Pattern.quote(field) + ":\\s+(\\d+) kB$", Pattern.MULTILINE).matcher(status);
    if (!m.find()) {
      throw new IllegalArgumentException("no " + field + " line in /proc/PID/status");
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  String table() {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "aggregator-state: %,d users x %d event(s) = %,d events, aggregator heap %s,"
        + " one broker, measured %s\n", users, eventsPerUser, aggregator.records(), heap, measuredAt));
    t.append(String.format(Locale.ROOT, "%-44s %12s %10s\n", "", "events/s", "seconds"));
    t.append(String.format(Locale.ROOT, "%-44s %,12.0f %10.1f\n", "preload producer (Avro, acks=all)",
        preload.recordsPerSecond(), preload.seconds()));
    t.append(String.format(Locale.ROOT, "%-44s %,12.0f %10.1f  counted %,d, dropped %d\n",
        "aggregator, JVM start to caught up", aggregator.recordsPerSecond(), aggregator.seconds(), counted, dropped));
    t.append(String.format(Locale.ROOT, "%-44s %10.0f MiB\n", "RSS when caught up (VmRSS)", rssBytes / MIB));
    t.append(String.format(Locale.ROOT, "%-44s %10.0f MiB\n", "peak RSS (VmHWM)", peakRssBytes / MIB));
    t.append(heapUsedBytes < 0
        ? String.format(Locale.ROOT, "%-44s %10s\n", "JVM heap used (jvm_memory_used_bytes)", "n/a")
        : String.format(Locale.ROOT, "%-44s %10.0f MiB\n", "JVM heap used (jvm_memory_used_bytes)", heapUsedBytes / MIB));
    t.append(String.format(Locale.ROOT, "%-44s %10.0f MiB\n", "state dir on disk, caught up", stateBytesCaughtUp / MIB));
    t.append(String.format(Locale.ROOT, "%-44s %10.0f MiB\n", "state dir on disk, after stop (flushed)",
        stateBytesStopped / MIB));
    t.append(String.format(Locale.ROOT, "target peak RSS <= %.0f MiB: %s\n", TARGET_RSS_BYTES / MIB,
        meetsTarget() ? "met" : "NOT met"));
    return t.toString();
  }

  String json(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode()
        .put("scenario", "aggregator-state")
        .put("measuredAt", measuredAt.toString())
        .put("users", users)
        .put("eventsPerUser", eventsPerUser)
        .put("events", aggregator.records())
        .put("aggregatorHeap", heap);
    root.putObject("preload").put("eventsPerSecond", preload.recordsPerSecond()).put("seconds", preload.seconds());
    root.putObject("aggregator")
        .put("eventsPerSecond", aggregator.recordsPerSecond())
        .put("secondsToCaughtUp", aggregator.seconds())
        .put("counted", counted)
        .put("dropped", dropped);
    ObjectNode memory = root.putObject("memoryBytes").put("rss", rssBytes).put("peakRss", peakRssBytes);
    if (heapUsedBytes < 0) {
      memory.putNull("heapUsed");
    } else {
      memory.put("heapUsed", heapUsedBytes);
    }
    root.putObject("stateDirBytes").put("caughtUp", stateBytesCaughtUp).put("afterStop", stateBytesStopped);
    root.putObject("target").put("peakRssBytes", TARGET_RSS_BYTES).put("met", meetsTarget());
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
