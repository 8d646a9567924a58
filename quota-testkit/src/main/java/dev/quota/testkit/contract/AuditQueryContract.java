package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaAdmin#audit(AuditQuery, PageRequest)}: the store filters the audit log by tenant, operation, actor and
 * time, newest first and paged. Each test acts as an actor of its own, so that a store shared with other tests
 * returns only this test's entries when the query names no tenant.
 */
public abstract class AuditQueryContract extends ContractFixture {
  private QuotaAdmin admin;
  private Actor auditor;
  private Actor colleague;
  private TenantId acme;
  private TenantId globex;
  private Instant start;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected AuditQueryContract(QuotaStoreContract contract) {
    super(contract);
  }

  /**
   * Six changes a minute apart: by the auditor a grant, a bypass and a reset of acme, a grant of globex; by a
   * colleague a grant of acme and of globex.
   */
  @BeforeEach
  void sixChangesByTwoActors() {
    Quota quota = quotaBuilder().build();
    admin = quota.admin();
    String run = UUID.randomUUID().toString().substring(0, 8);
    auditor = Actor.of("auditor-" + run);
    colleague = Actor.of("colleague-" + run);
    acme = newTenant("acme");
    globex = newTenant("globex");
    start = clock().instant();
    Instant tomorrow = start.plus(Duration.ofDays(1));
    quota.guard().record(dev.quota.UsageEvent.of(acme, AI_TOKENS, 100, dev.quota.UsageKey.random()));
    step(() -> admin.grantCredit(acme, AI_TOKENS, 1, tomorrow, auditor, "1 acme grant"));
    step(() -> admin.acceptingNewTenants().grantCredit(globex, AI_TOKENS, 2, tomorrow, auditor, "2 globex grant"));
    step(() -> admin.bypass(acme, tomorrow, auditor, "3 acme bypass"));
    step(() -> admin.grantCredit(acme, AI_TOKENS, 4, tomorrow, colleague, "4 acme grant"));
    step(() -> admin.resetUsage(acme, auditor, "5 acme reset"));
    step(() -> admin.acceptingNewTenants().grantCredit(globex, AI_TOKENS, 6, tomorrow, colleague, "6 globex grant"));
  }

  private void step(Runnable change) {
    clock().advance(Duration.ofMinutes(1));
    change.run();
  }

  private List<String> reasons(AuditQuery query) {
    return admin.audit(query, PageRequest.first(PageRequest.MAX_SIZE)).items().stream().map(AuditEntry::reason)
        .toList();
  }

  @Test
  void anActorsEntriesAcrossTenantsNewestFirst() {
    assertThat(reasons(AuditQuery.all().actor(auditor)))
        .containsExactly("5 acme reset", "3 acme bypass", "2 globex grant", "1 acme grant");
  }

  @Test
  void oneOperationOfOneActor() {
    assertThat(reasons(AuditQuery.all().actor(auditor).operations(AdminOperation.GRANT_CREDIT)))
        .containsExactly("2 globex grant", "1 acme grant");
    assertThat(reasons(AuditQuery.all().actor(auditor).operations(AdminOperation.RESET_USAGE)))
        .containsExactly("5 acme reset");
  }

  @Test
  void severalOperationsOfOneTenant() {
    assertThat(reasons(AuditQuery.of(acme).operations(AdminOperation.BYPASS, AdminOperation.RESET_USAGE)))
        .containsExactly("5 acme reset", "3 acme bypass");
  }

  @Test
  void aTimeRangeIncludesItsStartAndExcludesItsEnd() {
    AuditQuery window = AuditQuery.of(acme).from(start.plus(Duration.ofMinutes(3)))
        .until(start.plus(Duration.ofMinutes(5)));

    assertThat(reasons(window)).containsExactly("4 acme grant", "3 acme bypass");
  }

  @Test
  void aTenantAndAnActorTogether() {
    assertThat(reasons(AuditQuery.of(globex).actor(colleague))).containsExactly("6 globex grant");
  }

  @Test
  void filteredEntriesArePaged() {
    AuditQuery query = AuditQuery.all().actor(auditor);

    Page<AuditEntry> first = admin.audit(query, PageRequest.first(3));
    Page<AuditEntry> second = admin.audit(query, first.request().next());

    assertThat(first.items()).extracting(AuditEntry::reason)
        .containsExactly("5 acme reset", "3 acme bypass", "2 globex grant");
    assertThat(first.hasMore()).isTrue();
    assertThat(second.items()).extracting(AuditEntry::reason).containsExactly("1 acme grant");
    assertThat(second.hasMore()).isFalse();
  }

  @Test
  void aQueryNothingMatchesIsAnEmptyPage() {
    Page<AuditEntry> page = admin.audit(AuditQuery.all().actor(auditor).operations(AdminOperation.PURGE_USAGE),
        PageRequest.first(10));

    assertThat(page.items()).isEmpty();
    assertThat(page.hasMore()).isFalse();
  }
}
