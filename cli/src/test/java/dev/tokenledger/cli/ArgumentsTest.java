package dev.tokenledger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgumentsTest {

  @Test
  void shouldTakeOptionsAnywhereAndInEitherSpelling() {
    Arguments args = Arguments.parse(new String[] {"usage", "--period", "month", "alice", "--from=2026-11-01", "--json"});

    assertThat(args.word(0)).contains("usage");
    assertThat(args.word(1)).contains("alice");
    assertThat(args.option("period")).contains("month");
    assertThat(args.option("from")).contains("2026-11-01");
    assertThat(args.flag("json")).isTrue();
    assertThat(args.flag("help")).isFalse();
  }

  @Test
  void shouldRefuseAnOptionWithoutAValue() {
    assertThatThrownBy(() -> Arguments.parse(new String[] {"top", "--limit"}))
        .isInstanceOfSatisfying(CliError.class, e -> assertThat(e.exitCode()).isEqualTo(CliError.USAGE_ERROR))
        .hasMessage("--limit needs a value");
  }

  @Test
  void shouldRefuseAnOptionGivenTwice() {
    assertThatThrownBy(() -> Arguments.parse(new String[] {"top", "--by", "cost", "--by", "tokens"}))
        .hasMessage("--by is given twice");
  }

  @Test
  void shouldNameTheUnknownOptionAndWhatTheCommandTakes() {
    Arguments args = Arguments.parse(new String[] {"top", "--sort", "cost"});

    assertThatThrownBy(() -> args.check(Set.of("by", "limit"), 1, "top"))
        .isInstanceOfSatisfying(CliError.class, e -> assertThat(e.exitCode()).isEqualTo(CliError.USAGE_ERROR))
        .hasMessage("unknown option --sort for top (it takes [--by, --limit])");
  }

  @Test
  void shouldRefuseAWordTheCommandDoesNotTake() {
    Arguments args = Arguments.parse(new String[] {"quota", "status", "user:alice", "user:bob"});

    assertThatThrownBy(() -> args.check(Set.of(), 3, "quota status")).hasMessage("unexpected argument user:bob for quota status");
  }
}
