package dev.tokenledger.bench;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the summary of Kafka's {@code ProducerPerformance} and {@code ConsumerPerformance}
 * (kafka-tools 4.4.0). The child JVMs run with an English locale, so the numbers use '.'.
 */
final class PerfToolOutput {

  // The final line, e.g. "2000000 records sent, 512345.678901 records/sec (97.72 MB/sec), 12.34 ms avg
  // latency, 456.00 ms max latency, 5 ms 50th, 20 ms 95th, 30 ms 99th, 40 ms 99.9th." The progress
  // lines every 5 s look alike but end at "max latency.", so the percentiles mark the summary.
  private static final Pattern PRODUCER_TOTAL =
      Pattern.compile("^(\\d+) records sent, ([0-9.]+) records/sec .* ms 99\\.9th\\.$", Pattern.MULTILINE);

  private PerfToolOutput() {}

  static Rate producer(String output) {
    Matcher m = PRODUCER_TOTAL.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("no summary line in ProducerPerformance's output:\n" + output);
    }
    long records = Long.parseLong(m.group(1));
    double rate = Double.parseDouble(m.group(2));
    return new Rate(records, records / rate, rate);
  }

  /**
   * The line after the header {@code start.time, end.time, data.consumed.in.MB, MB.sec,
   * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, ...}. {@code nMsg.sec}
   * counts the whole run, the group join included, as ProducerPerformance's rate includes its
   * start: that is the rate reported.
   */
  static Rate consumer(String output) {
    List<String> lines = output.lines().toList();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("start.time, end.time,")) {
        List<String> header = Arrays.asList(lines.get(i).split(", "));
        String[] values = lines.get(i + 1).split(", ");
        if (values.length != header.size()) {
          break;
        }
        long records = Long.parseLong(values[header.indexOf("data.consumed.in.nMsg")]);
        double rate = Double.parseDouble(values[header.indexOf("nMsg.sec")]);
        return new Rate(records, rate > 0 ? records / rate : 0, rate);
      }
    }
    throw new IllegalStateException("no summary line in ConsumerPerformance's output:\n" + output);
  }
}
