package dev.tokenledger.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fault case of {@code bin/tokenledger verify}, at the short scale, as part of the build:
 * the same code on the same three-node cluster of broker JVMs and app JVMs.
 * {@code -Dtokenledger.verify.long=true} runs the long scale, {@code -Dtokenledger.verify.cases=a,b}
 * only the named cases.
 */
class FaultSuiteTest {

  /** Kept after the run (not a temp dir): the apps' logs and thread dumps are what explains a failure. */
  private static final Path dir = Path.of("target", "fault-suite").toAbsolutePath();
  private static SuiteEnvironment environment;
  private static final Scale SCALE = Boolean.getBoolean("tokenledger.verify.long") ? Scale.LONG : Scale.SHORT;

  @BeforeAll
  static void startCluster() throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> old = Files.walk(dir)) {
        old.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
    environment = SuiteEnvironment.start(dir, System.out);
  }

  @AfterAll
  static void stopCluster() {
    if (environment != null) {
      environment.close();
    }
  }

  static Stream<String> cases() {
    String only = System.getProperty("tokenledger.verify.cases", "");
    return FaultSuite.CASES.stream().map(FaultCase::name)
        .filter(name -> only.isBlank() || Arrays.asList(only.split(",")).contains(name));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void shouldHoldUnderTheFault(String name) {
    FaultCase fault = FaultSuite.CASES.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    CaseResult result = new FaultSuite(System.out).runCase(fault, environment, SCALE);
    assertThat(result.problems()).as("%s, figures %s (apps' logs and thread dumps under %s)", name, result.figures(), dir)
        .isEmpty();
  }

  @Test
  void shouldRejectAWrongArgumentAndListTheCases() {
    assertThat(FaultSuite.Options.USAGE).contains(FaultSuite.CASES.stream().map(FaultCase::name).toArray(String[]::new));
    assertThatThrownBy(() -> FaultSuite.Options.parse(new String[] {"--cases", "nope"}))
        .hasMessageContaining("no case named nope");
    assertThat(FaultSuite.Options.parse(new String[] {"--long", "--cases", "rebalance"}))
        .satisfies(o -> {
          assertThat(o.scale()).isEqualTo(Scale.LONG);
          assertThat(o.cases()).containsExactly("rebalance");
        });
  }
}
