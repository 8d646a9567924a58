package dev.quota.reliability;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints the suite's summary line once, when the run's test plan has finished: registered for the JUnit
 * Platform in {@code META-INF/services}, so it runs under Maven Surefire and under any other launcher.
 */
public final class ReliabilitySummary implements TestExecutionListener {
  /** Called by the JUnit Platform through the service loader. */
  public ReliabilitySummary() {}

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    // a line of its own, whatever was printed before without a line break
    System.out.println();
    for (String violation : ReliabilityTally.violations()) {
      System.out.println("RELIABILITY violation: " + violation);
    }
    System.out.println(ReliabilityTally.summaryLine());
    System.out.flush();
  }
}
