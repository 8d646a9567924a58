package dev.quota.admin.web;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import java.util.Set;

/** Builds requests and tenants for the console's tests. */
final class ConsoleFixture {
  static final Set<String> OPERATOR = Set.of(QuotaConsole.DEFAULT_OPERATOR_ROLE);
  static final Set<String> VIEWER = Set.of(QuotaConsole.DEFAULT_VIEWER_ROLE);

  private ConsoleFixture() {}

  /** A tenant on the free tier (100,000 ai-tokens) that has used {@code used}. */
  static TenantId tenantWithUsage(Quota quota, String id, long used) {
    TenantId tenant = TenantId.of(id);
    quota.admin().setPlan(tenant, Plan.of(Tier.FREE), Actor.of("billing"), "subscribed");
    if (used > 0) {
      quota.guard().tryConsume(tenant, Meter.AI_TOKENS, used, UsageKey.random());
    }
    return tenant;
  }

  static ConsoleRequest get(String pathAndQuery, String principal, Set<String> roles) {
    int q = pathAndQuery.indexOf('?');
    return ConsoleRequest.builder("GET", q < 0 ? pathAndQuery : pathAndQuery.substring(0, q))
        .query(q < 0 ? null : pathAndQuery.substring(q + 1))
        .principal(principal, roles).build();
  }

  static ConsoleRequest postJson(String path, String json, String principal, Set<String> roles) {
    return ConsoleRequest.builder("POST", path)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/json")
        .body(json)
        .principal(principal, roles).build();
  }
}
