package dev.quota.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.bench.RunBenchmarks.Side;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code quota-bench/profile} asks of {@link RunOne}: a ratio's sides, and one side named on the command line. */
class RunOneTest {

  @Test
  void aRatioKeyGivesBothSidesWithTheirThreadsAndParameters() {
    List<Side> sides = RunOne.sides("uncachedCheckOverSelect1");

    assertThat(sides).extracting(Side::label).containsExactly("OurChecks.uncachedCheck 1t ledgerRows=1000",
        "Floors.select1 1t");
  }

  @Test
  void theTreeRatiosSetAPathAgainstTheFlatBenchmarkOfTheSameOperation() {
    assertThat(RunOne.sides("treeConsume8tOverFlat8t")).extracting(Side::label)
        .containsExactly("OurTrees.treeConsume 8t", "OurWrites.hotTenantConsume 8t");
    assertThat(RunOne.sides("cachedCheckPathOverFlat")).extracting(Side::label)
        .containsExactly("OurTrees.cachedCheckPath 1t", "OurChecks.cachedCanProceed 1t");
  }

  @Test
  void everyRatioOfTheRunHasTwoSides() {
    for (String key : RunBenchmarks.RATIO_KEYS) {
      assertThat(RunOne.sides(key)).as(key).hasSize(2);
    }
  }

  @Test
  void anUnknownRatioIsRefusedNamingTheKnownOnes() {
    assertThatThrownBy(() -> RunOne.sides("fasterThanLight"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ratio must be one of")
        .hasMessageContaining("reserveCommitOverManyConsume8t")
        .hasMessageContaining("'fasterThanLight'");
  }

  @Test
  void aSideNamedOnTheCommandLineKeepsItsThreadsAndParameter() throws Exception {
    assertThat(RunOne.side("OurWrites.record", "8", "groupCommit=false").label())
        .isEqualTo("OurWrites.record 8t groupCommit=false");
    assertThat(RunOne.side("Baselines.singleTxPerEvent", "8", null).label()).isEqualTo("Baselines.singleTxPerEvent 8t");
  }

  @Test
  void anUnknownBenchmarkIsRefused() {
    assertThatThrownBy(() -> RunOne.side("OurWrites.teleport", "8", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("benchmark must be one of")
        .hasMessageContaining("OurWrites.reserveCommit")
        .hasMessageContaining("'OurWrites.teleport'");
  }

  @Test
  void threadsMustBeAPositiveWholeNumber() {
    for (String threads : List.of("0", "-2", "eight")) {
      assertThatThrownBy(() -> RunOne.side("OurWrites.record", threads, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("threads must be a whole number of 1 or more, was '" + threads + "'");
    }
  }

  @Test
  void aParameterMustBeNameEqualsValue() {
    for (String param : List.of("groupCommit", "=false", "groupCommit=")) {
      assertThatThrownBy(() -> RunOne.side("OurWrites.record", "8", param))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("parameter must be NAME=VALUE, was '" + param + "'");
    }
  }
}
