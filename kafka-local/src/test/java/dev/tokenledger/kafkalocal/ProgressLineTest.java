package dev.tokenledger.kafkalocal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Test
  void shouldRedrawOneLineInPlaceWithTheSecondsElapsedAndClearIt() {
    ProgressLine line = new ProgressLine(out, true, nanos::get);
    line.update("Waiting for Kafka");
    nanos.addAndGet(7_000_000_000L);
    line.update("Waiting for Kafka");
    line.clear();

    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("\r\033[KWaiting for Kafka... 0 s\r\033[KWaiting for Kafka... 7 s\r\033[K");
  }

  @Test
  void shouldNotRedrawMoreThanFourTimesASecond() {
    ProgressLine line = new ProgressLine(out, true, nanos::get);
    line.update("1 of 3 sent");
    nanos.addAndGet(100_000_000L);
    line.update("2 of 3 sent");

    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("\r\033[K1 of 3 sent... 0 s");
  }

  @Test
  void shouldPrintNothingWhenNotOnATerminal() {
    ProgressLine line = new ProgressLine(out, false, nanos::get);
    line.update("Waiting for Kafka");
    line.clear();

    assertThat(bytes.size()).isZero();
  }
}
