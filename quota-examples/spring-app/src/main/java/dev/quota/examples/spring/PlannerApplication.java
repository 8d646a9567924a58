package dev.quota.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An AI planner service with quota: {@code POST /tenants/{tenant}/plans} runs a (simulated) model call inside a
 * reservation, and answers 429 once the tenant's monthly tokens are spent. Tenants' tiers live in the
 * application's own {@code account} table, which quota reads; quota's tables live in their own schema,
 * migrated at start-up. Metrics, health and the {@code quota} endpoint are under {@code /actuator}.
 */
@SpringBootApplication
public class PlannerApplication {

  /**
   * Starts the service.
   *
   * @param args Spring Boot's command-line arguments, such as {@code --server.port=8081}
   */
  public static void main(String[] args) {
    SpringApplication.run(PlannerApplication.class, args);
  }
}
