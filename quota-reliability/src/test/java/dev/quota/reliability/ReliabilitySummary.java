package dev.quota.reliability;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints the suite's summary line once, when the run's test plan has finished: registered for the JUnit
 * Platform in {@code META-INF/services}, so it runs under Maven Surefire and under any other launcher. Every test
 * of the suite checks an invariant, so a test that fails without having recorded a violation itself is counted as
 * one.
 */
public final class ReliabilitySummary implements TestExecutionListener {
  private final Map<String, Integer> violationsBefore = new ConcurrentHashMap<>();

  /** Called by the JUnit Platform through the service loader. */
  public ReliabilitySummary() {}

  @Override
  public void executionStarted(TestIdentifier test) {
    if (test.isTest()) {
      violationsBefore.put(test.getUniqueId(), ReliabilityTally.violations().size());
    }
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    Integer before = violationsBefore.remove(test.getUniqueId());
    if (test.isTest() && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL && before != null
        && ReliabilityTally.violations().size() == before) {
      ReliabilityTally.violation(test.getDisplayName() + " failed: "
          + result.getThrowable().map(Throwable::getMessage).map(m -> m.lines().findFirst().orElse(""))
              .orElse(result.getStatus().name()));
    }
  }

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
