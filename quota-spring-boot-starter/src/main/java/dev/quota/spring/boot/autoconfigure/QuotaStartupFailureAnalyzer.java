package dev.quota.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link QuotaStartupException} as Spring Boot reports its own start-up failures: "APPLICATION FAILED TO
 * START", what is wrong, and the action to take. Registered in {@code META-INF/spring.factories}.
 */
class QuotaStartupFailureAnalyzer extends AbstractFailureAnalyzer<QuotaStartupException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, QuotaStartupException cause) {
    return new FailureAnalysis(cause.description(), cause.action(), cause);
  }
}
