package dev.tokenledger.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One case's figures (in the order they were measured) and the problems it found; passed when none. */
final class CaseResult {

  private final String name;
  private final Map<String, Object> figures = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();
  private double seconds;

  CaseResult(String name) {
    this.name = name;
  }

  CaseResult figure(String label, Object value) {
    figures.put(label, value);
    return this;
  }

  /** Records a problem unless {@code holds}. */
  CaseResult check(boolean holds, String problem) {
    if (!holds) {
      problems.add(problem);
    }
    return this;
  }

  /** Seconds as a figure: to a tenth, what a stall or a recovery is worth knowing at. */
  static double seconds(double seconds) {
    return Math.round(seconds * 10) / 10.0;
  }

  void tookSeconds(double seconds) {
    this.seconds = seconds;
  }

  String name() {
    return name;
  }

  boolean passed() {
    return problems.isEmpty();
  }

  Map<String, Object> figures() {
    return figures;
  }

  List<String> problems() {
    return problems;
  }

  double seconds() {
    return seconds;
  }
}
