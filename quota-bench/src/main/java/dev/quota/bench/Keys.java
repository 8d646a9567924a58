package dev.quota.bench;

import dev.quota.TenantId;
import dev.quota.UsageKey;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Per benchmark thread: usage keys never used before (in any run or fork), and random tenants and members. */
@State(Scope.Thread)
public class Keys {
  private final String prefix = UUID.randomUUID().toString().substring(0, 13) + "-";
  private long next;

  /** @return a fresh usage key */
  public UsageKey nextKey() {
    return UsageKey.of(prefix + next++);
  }

  /** @return a fresh usage key as text */
  public String nextKeyText() {
    return prefix + next++;
  }

  /** @return one of the many-tenant benchmarks' tenants, at random */
  public TenantId randomTenant() {
    return TenantId.of("many-" + ThreadLocalRandom.current().nextInt(BenchDatabase.TENANTS));
  }

  /** @return one of the tree's members, at random */
  public TenantId randomMember() {
    return TenantId.of(BenchDatabase.treeMember(ThreadLocalRandom.current().nextInt(BenchDatabase.MEMBERS)));
  }
}
