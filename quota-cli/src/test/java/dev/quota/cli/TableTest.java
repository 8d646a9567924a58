package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void columnsAreAlignedOnTheirWidestCell() {
    String table = new Table("TENANT", "TIER").row("acme", "enterprise").row("a-much-longer-tenant", "free").render();
    assertThat(table).isEqualTo("""
        TENANT                TIER
        acme                  enterprise
        a-much-longer-tenant  free""");
  }

  @Test
  void aRightAlignedColumnLinesUpItsDigits() {
    String table = new Table("TENANT", ">USED").row("acme", "100,000").row("beta", "5").render();
    assertThat(table).isEqualTo("""
        TENANT     USED
        acme    100,000
        beta          5""");
  }

  @Test
  void linesHaveNoTrailingBlanks() {
    String table = new Table("A", "B").row("long value", "").render();
    assertThat(table.lines()).allSatisfy(line -> assertThat(line).doesNotEndWith(" "));
  }

  @Test
  void lineBreaksInACellBecomeSpaces() {
    String table = new Table("REASON").row("two\nlines").render();
    assertThat(table).isEqualTo("REASON\ntwo lines");
  }
}
