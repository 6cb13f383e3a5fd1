package dev.tokenledger.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Rows under upper-case headers, in columns two spaces apart. A column whose every cell is a
 * number (digits, separators, a sign, {@code $} or {@code %}) is right-aligned, its decimals
 * padded with zeros to the most any cell has, so figures line up on the point; nothing is rounded.
 */
final class Table {

  private static final Pattern NUMBER = Pattern.compile("[-+]?\\$?[0-9][0-9,.]*%?|-");

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... headers) {
    this.headers = List.of(headers);
  }

  Table row(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + headers.size() + " columns");
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c).toList());
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  String render() {
    int columns = headers.size();
    List<List<String>> cells = new ArrayList<>(rows.stream().map(ArrayList::new).toList());
    int[] widths = new int[columns];
    boolean[] right = new boolean[columns];
    for (int c = 0; c < columns; c++) {
      int column = c;
      right[c] = !cells.isEmpty() && cells.stream().allMatch(row -> NUMBER.matcher(row.get(column)).matches());
      if (right[c]) {
        int decimals = cells.stream().mapToInt(row -> decimals(row.get(column))).max().orElse(0);
        cells.forEach(row -> row.set(column, withDecimals(row.get(column), decimals)));
      }
      widths[c] = headers.get(c).length();
      for (List<String> row : cells) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder text = new StringBuilder();
    line(text, headers, widths, right);
    cells.forEach(row -> line(text, row, widths, right));
    return text.toString();
  }

  private static int decimals(String number) {
    int point = number.indexOf('.');
    return point < 0 ? 0 : (int) number.substring(point + 1).chars().filter(Character::isDigit).count();
  }

  /** {@code 0.5} with 3 decimals → {@code 0.500}, {@code $2} → {@code $2.000}, {@code 84.3%} stays; "-" stays. */
  private static String withDecimals(String number, int decimals) {
    int missing = decimals - decimals(number);
    if (missing <= 0 || number.equals("-")) {
      return number;
    }
    String suffix = number.endsWith("%") ? "%" : "";
    String digits = number.substring(0, number.length() - suffix.length());
    return digits + (digits.contains(".") ? "" : ".") + "0".repeat(missing) + suffix;
  }

  private static void line(StringBuilder text, List<String> cells, int[] widths, boolean[] right) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String padding = " ".repeat(widths[c] - cell.length());
      line.append(c == 0 ? "" : "  ").append(right[c] ? padding + cell : cell + padding);
    }
    // No trailing blanks: the last column is often left-aligned text.
    text.append(line.toString().stripTrailing()).append('\n');
  }
}
