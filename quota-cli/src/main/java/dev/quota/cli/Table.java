package dev.quota.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * An aligned text table: a header row, then rows, columns separated by two spaces. Columns are left-aligned
 * unless declared right-aligned (numbers); the last column is never padded, so long reasons do not leave
 * trailing blanks.
 */
final class Table {
  private final List<String> headers;
  private final boolean[] right;
  private final List<List<String>> rows = new ArrayList<>();

  /**
   * Starts a table. A header starting with {@code >} declares a right-aligned column (the {@code >} is not
   * printed).
   *
   * @param headers the column titles
   */
  Table(String... headers) {
    this.headers = new ArrayList<>();
    this.right = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      right[i] = headers[i].startsWith(">");
      this.headers.add(right[i] ? headers[i].substring(1) : headers[i]);
    }
  }

  /**
   * Adds a row.
   *
   * @param cells one cell per column; line breaks are shown as spaces
   * @return this table
   */
  Table row(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("a row of " + headers.size() + " columns got " + cells.length + " cells");
    }
    List<String> row = new ArrayList<>();
    for (String cell : cells) {
      row.add(cell == null ? "" : cell.replaceAll("\\R", " "));
    }
    rows.add(row);
    return this;
  }

  /** @return whether no row was added */
  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** @return the lines, separated by line breaks, without a trailing one */
  String render() {
    int[] widths = new int[headers.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = headers.get(c).length();
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, headers, widths);
    for (List<String> row : rows) {
      out.append('\n');
      line(out, row, widths);
    }
    return out.toString();
  }

  private void line(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      if (c > 0) {
        line.append("  ");
      }
      String cell = cells.get(c);
      String pad = " ".repeat(widths[c] - cell.length());
      boolean last = c == cells.size() - 1;
      if (right[c]) {
        line.append(pad).append(cell);
      } else {
        line.append(cell).append(last ? "" : pad);
      }
    }
    out.append(line.toString().stripTrailing());
  }
}
