package dev.quota.cli;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.TenantKey;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.StoredServiceConfiguration;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs the command line in this JVM on quota-testkit's in-memory store and test clock, with captured streams:
 * fast checks of parsing, output and exit codes. The end-to-end tests run the jar on PostgreSQL.
 */
final class InProcessCli {
  final InMemoryQuotaStore store = new InMemoryQuotaStore();
  final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  final Map<String, String> variables = new HashMap<>(Map.of("QUOTA_JDBC_URL", "jdbc:postgresql://in-memory/test"));
  final List<String> opened = new ArrayList<>();
  private final Quota service = Quota.builder().store(store).clock(clock).build();

  /** What one run printed and returned. */
  record Result(int exitCode, String out, String err) {}

  /**
   * Runs one command line.
   *
   * @param stdin what the operator types
   * @param args the arguments
   * @return the exit code and output
   */
  Result runWithInput(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Environment env = new Environment(variables, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), clock,
        ZoneOffset.UTC, "operator", false, this::open);
    int exit = QuotaCli.run(args, env);
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result run(String... args) {
    return runWithInput("", args);
  }

  private Backend open(String url, String schema, Optional<PlanTable> planTable) {
    opened.add(url + " " + schema + planTable.map(t -> " " + t.describe()).orElse(""));
    return new Backend() {
      @Override
      public QuotaStore store() {
        return store;
      }

      @Override
      public Optional<StoredServiceConfiguration> serviceConfiguration() {
        return store.latestServiceConfiguration();
      }

      @Override
      public void readPlansFrom(PlanTable table) {
        opened.add("plans from " + table.describe());
      }

      @Override
      public List<String> findTenants(TenantKey key, String value, int limit) {
        return List.of(); // the in-memory store has no host table; the end-to-end tests find tenants
      }

      @Override
      public Migration migrate() {
        return new Migration(schema, false);
      }

      @Override
      public Archival archive(Instant before) {
        return new Archival(before, 0);
      }

      @Override
      public void close() {}
    };
  }

  /** Arranges a plan, as the billing system would. */
  InProcessCli plan(String tenant, Tier tier) {
    service.admin().setPlan(TenantId.of(tenant), Plan.of(tier), Actor.of("billing"), "subscribed");
    return this;
  }

  /** Arranges usage, as the service would record it. */
  InProcessCli use(String tenant, long tokens) {
    service.guard().record(UsageEvent.of(TenantId.of(tenant), Meter.AI_TOKENS, tokens,
        UsageKey.of(UUID.randomUUID().toString())));
    return this;
  }

  Quota service() {
    return service;
  }
}
