package dev.tokenledger.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows under upper-case headers, in columns two spaces apart. Each column says how it aligns:
 * text left, figures right as they are, and money of one unit right with its decimals padded
 * with zeros to the most any cell has, so amounts line up on the point; nothing is rounded.
 */
final class Table {

  /** How a column's cells line up. */
  enum Align { LEFT, RIGHT, POINT }

  /** A column's header and alignment. */
  record Column(String header, Align align) {

    /** Names, ids, states: left-aligned. */
    static Column text(String header) {
      return new Column(header, Align.LEFT);
    }

    /** Counts, percentages, amounts of mixed units: right-aligned, each shown as it is. */
    static Column figure(String header) {
      return new Column(header, Align.RIGHT);
    }

    /** Amounts of one currency: right-aligned on the decimal point. */
    static Column money(String header) {
      return new Column(header, Align.POINT);
    }
  }

  private final List<Column> columns;
  private final List<List<String>> rows = new ArrayList<>();

  Table(Column... columns) {
    this.columns = List.of(columns);
  }

  Table row(String... cells) {
    if (cells.length != columns.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + columns.size() + " columns");
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c).toList());
    return this;
  }

  String render() {
    List<List<String>> cells = new ArrayList<>(rows.stream().map(ArrayList::new).toList());
    int[] widths = new int[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      int column = c;
      if (columns.get(c).align() == Align.POINT) {
        int decimals = cells.stream().mapToInt(row -> decimals(row.get(column))).max().orElse(0);
        cells.forEach(row -> row.set(column, withDecimals(row.get(column), decimals)));
      }
      widths[c] = columns.get(c).header().length();
      for (List<String> row : cells) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder text = new StringBuilder();
    line(text, columns.stream().map(Column::header).toList(), widths);
    cells.forEach(row -> line(text, row, widths));
    return text.toString();
  }

  private static int decimals(String number) {
    int point = number.indexOf('.');
    return point < 0 ? 0 : (int) number.substring(point + 1).chars().filter(Character::isDigit).count();
  }

  /** {@code 0.5} with 3 decimals → {@code 0.500}, {@code $2} → {@code $2.000}; "-" stays. */
  private static String withDecimals(String number, int decimals) {
    int missing = decimals - decimals(number);
    if (missing <= 0 || number.equals("-")) {
      return number;
    }
    return number + (number.contains(".") ? "" : ".") + "0".repeat(missing);
  }

  private void line(StringBuilder text, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String padding = " ".repeat(widths[c] - cell.length());
      line.append(c == 0 ? "" : "  ").append(columns.get(c).align() == Align.LEFT ? cell + padding : padding + cell);
    }
    // No trailing blanks: the last column is often left-aligned text.
    text.append(line.toString().stripTrailing()).append('\n');
  }
}
