package dev.quota.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An AI planner service with quota: {@code POST /tenants/{tenant}/plans} runs a (simulated) model call inside a
 * reservation, and answers 429 once the tenant's monthly tokens are spent (503 while quota's database is down);
 * {@code GET /tenants/{tenant}/usage} is the tenant's usage page. Tenants' tiers live in the application's own
 * {@code account} table, which quota reads; quota's tables live in a schema of their own, migrated at start-up. One
 * property, {@code planner.schema}, places both. Metrics, health and the {@code quota} endpoint are under
 * {@code /actuator}; the operator console is at {@code /quota/}, behind a form login with two demo users
 * ({@link ConsoleSecurity}).
 *
 * <p>Run it from a clone of quota with {@code mvn -pl quota-examples/spring-app -am -DskipTests package
 * spring-boot:run}.
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
