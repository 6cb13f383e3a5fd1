package dev.tokenledger.cli;

import java.util.List;

/** A command that cannot go on: its message for the user, and the exit code that says why. */
final class CliError extends RuntimeException {

  static final int API_ERROR = 1;
  static final int USAGE_ERROR = 2;
  static final int UNREACHABLE = 3;

  private final int exitCode;
  private final List<String> details;

  private CliError(int exitCode, String message, List<String> details) {
    super(message);
    this.exitCode = exitCode;
    this.details = List.copyOf(details);
  }

  /** A wrong command line: exit 2. */
  static CliError usage(String message) {
    return new CliError(USAGE_ERROR, message, List.of());
  }

  /** The app answered with an error: exit 1, with the fields it named. */
  static CliError api(String message, List<String> fieldErrors) {
    return new CliError(API_ERROR, message, fieldErrors);
  }

  /** No answer from the app at all: exit 3. */
  static CliError unreachable(String message) {
    return new CliError(UNREACHABLE, message, List.of());
  }

  int exitCode() {
    return exitCode;
  }

  /** Lines shown under the message, e.g. one per invalid field. */
  List<String> details() {
    return details;
  }
}
