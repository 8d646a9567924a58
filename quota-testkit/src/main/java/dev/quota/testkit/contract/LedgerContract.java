package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.UsageEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#ledger(TenantId, PageRequest)}: a tenant's recorded usage, newest first, paged by the store, read
 * only.
 */
public abstract class LedgerContract extends ContractFixture {
  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected LedgerContract(QuotaStoreContract contract) {
    super(contract);
  }

  @Test
  void aTenantsEntriesNewestFirstWithKeyAmountAndTime() {
    Quota quota = quotaBuilder().build();
    TenantId tenant = newTenant("ledger");
    TenantId other = newTenant("ledger-other");
    Instant first = clock().instant();
    quota.guard().record(UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("first")));
    clock().advance(Duration.ofMinutes(1));
    quota.guard().record(UsageEvent.of(other, AI_TOKENS, 99, UsageKey.of("elsewhere")));
    quota.guard().record(UsageEvent.of(tenant, AI_TOKENS, 20, UsageKey.of("second")));

    List<UsageEntry> entries = quota.admin().ledger(tenant, PageRequest.first(10)).items();

    assertThat(entries).extracting(e -> e.key().value()).containsExactly("second", "first");
    assertThat(entries.get(1).amount()).isEqualTo(10);
    assertThat(entries.get(1).occurredAt()).isEqualTo(first);
    assertThat(entries.get(1).meter()).isEqualTo(AI_TOKENS);
    assertThat(entries).allSatisfy(e -> assertThat(e.tenant()).isEqualTo(tenant));
  }

  @Test
  void entriesOfTheSameInstantAreOrderedByMeterThenKey() {
    Quota quota = quota(tokensAndDailyCalls());
    TenantId tenant = newTenant("ledger-ties");
    Meter calls = tokensAndDailyCalls().meters().keySet().stream().filter(m -> !m.equals(AI_TOKENS)).findFirst()
        .orElseThrow();
    quota.guard().record(UsageEvent.of(tenant, AI_TOKENS, 1, UsageKey.of("b")));
    quota.guard().record(UsageEvent.of(tenant, AI_TOKENS, 1, UsageKey.of("a")));
    quota.guard().record(UsageEvent.of(tenant, calls, 1, UsageKey.of("c")));

    List<UsageEntry> entries = quota.admin().ledger(tenant, PageRequest.first(10)).items();

    List<String> expected = AI_TOKENS.name().compareTo(calls.name()) < 0
        ? List.of(AI_TOKENS.name() + "/a", AI_TOKENS.name() + "/b", calls.name() + "/c")
        : List.of(calls.name() + "/c", AI_TOKENS.name() + "/a", AI_TOKENS.name() + "/b");
    assertThat(entries).extracting(e -> e.meter().name() + "/" + e.key().value()).containsExactlyElementsOf(expected);
  }

  @Test
  void pagesFollowOneAnotherWithoutGapsOrRepeats() {
    Quota quota = quotaBuilder().build();
    TenantId tenant = newTenant("ledger-pages");
    for (int i = 0; i < 5; i++) {
      clock().advance(Duration.ofSeconds(1));
      quota.guard().record(UsageEvent.of(tenant, AI_TOKENS, 1 + i, UsageKey.of("k" + i)));
    }

    Page<UsageEntry> first = quota.admin().ledger(tenant, PageRequest.first(2));
    Page<UsageEntry> second = quota.admin().ledger(tenant, first.request().next());
    Page<UsageEntry> last = quota.admin().ledger(tenant, second.request().next());

    assertThat(first.items()).extracting(e -> e.key().value()).containsExactly("k4", "k3");
    assertThat(second.items()).extracting(e -> e.key().value()).containsExactly("k2", "k1");
    assertThat(last.items()).extracting(e -> e.key().value()).containsExactly("k0");
    assertThat(first.hasMore()).isTrue();
    assertThat(second.hasMore()).isTrue();
    assertThat(last.hasMore()).isFalse();
  }

  @Test
  void aTenantWithoutUsageHasAnEmptyLedger() {
    Quota quota = quotaBuilder().build();

    Page<UsageEntry> page = quota.admin().ledger(newTenant("ledger-none"), PageRequest.first(10));

    assertThat(page.items()).isEmpty();
    assertThat(page.hasMore()).isFalse();
  }
}
