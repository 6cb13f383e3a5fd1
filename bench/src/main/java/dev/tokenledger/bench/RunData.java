package dev.tokenledger.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a benchmark run leaves in its directory besides logs: the broker's data ({@code kafka/})
 * and the apps' state ({@code state/}), gigabytes at 3 M events. Deleted before a run (what a
 * killed run left would make it measure more) and after it.
 */
final class RunData {

  private RunData() {}

  static void delete(Path work) {
    for (Path data : List.of(work.resolve("kafka"), work.resolve("state"))) {
      if (!Files.exists(data)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(data)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + data, e);
      }
    }
  }
}
