package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.Verification;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link QuotaAdmin#purgeUsage}: the one destructive operation, confirmed, consistent and audited.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.PurgeUsage}.
 */
public abstract class PurgeUsageContract extends ContractFixture {
  private static final Instant EARLIER = Instant.parse("2026-11-20T10:00:00Z");
  private static final Instant SINCE = Instant.parse("2026-11-22T00:00:00Z");

  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected PurgeUsageContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    quota = quota();
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("purge");
    clock().set(EARLIER);
    use(guard, tenant, 10_000);
    clock().set(START);
    use(guard, tenant, 20_000);
  }

  private PurgeConfirmation confirmed() {
    return new PurgeConfirmation(tenant.value());
  }

  @Test
  void purgeDeletesOnlyUsageSinceTheInstant() {
    PurgeSummary summary = admin.purgeUsage(tenant, SINCE, confirmed(), OPERATOR, "GDPR erasure request 77");

    assertThat(summary.tenant()).isEqualTo(tenant);
    assertThat(summary.since()).isEqualTo(SINCE);
    assertThat(summary.entries()).isEqualTo(1);
    assertThat(summary.amountByMeter()).containsExactly(Map.entry(AI_TOKENS, 20_000L));
    assertThat(guard.usage(tenant)).hasUsed(10_000);
  }

  @Test
  void purgeKeepsCountersConsistentWithTheLedger() {
    admin.purgeUsage(tenant, SINCE, confirmed(), OPERATOR, REASON);

    Verification verification = admin.verify(tenant);
    assertThat(verification.consistent()).as("%s", verification).isTrue();
    assertThat(verification.checks()).filteredOn(c -> c.ledgerUsed() > 0)
        .containsExactly(new CounterCheck(AI_TOKENS, NOVEMBER, 10_000, 10_000));
  }

  @Test
  void purgeIsAudited() {
    admin.purgeUsage(tenant, SINCE, confirmed(), OPERATOR, "GDPR erasure request 77");

    assertThat(auditOf(admin, tenant)).singleElement().satisfies(entry -> {
      assertThat(entry.operation()).isEqualTo(AdminOperation.PURGE_USAGE);
      assertThat(entry.actor()).isEqualTo(OPERATOR);
      assertThat(entry.reason()).isEqualTo("GDPR erasure request 77");
      assertThat(entry.details()).containsEntry("entries", "1");
    });
  }

  @ParameterizedTest(name = "typed \"{0}\"")
  @MethodSource("dev.quota.testkit.contract.PurgeUsageContract#wrongConfirmations")
  void purgeWithoutTheTenantIdTypedAgainIsRejectedAndDeletesNothing(String typed) {
    String confirmation = typed.replace("{tenant}", tenant.value())
        .replace("{TENANT}", tenant.value().toUpperCase(Locale.ROOT));

    assertRejected("confirmation",
        () -> admin.purgeUsage(tenant, SINCE, new PurgeConfirmation(confirmation), OPERATOR, REASON));

    assertThat(guard.usage(tenant)).hasUsed(30_000);
    assertThat(auditOf(admin, tenant)).isEmpty();
  }

  @Test
  void previewPurgeDeletesNothing() {
    PurgeSummary preview = admin.previewPurge(tenant, SINCE);

    assertThat(preview.entries()).isEqualTo(1);
    assertThat(preview.amountByMeter()).containsExactly(Map.entry(AI_TOKENS, 20_000L));
    assertThat(guard.usage(tenant)).hasUsed(30_000);
    assertThat(auditOf(admin, tenant)).isEmpty();
  }

  @Test
  void purgeSinceAFutureInstantIsRejectedAndDeletesNothing() {
    assertRejected("since", () -> admin.purgeUsage(tenant, START.plusSeconds(1), confirmed(), OPERATOR, REASON));

    assertThat(guard.usage(tenant)).hasUsed(30_000);
    assertThat(auditOf(admin, tenant)).isEmpty();
  }

  static Stream<String> wrongConfirmations() {
    return Stream.of("", "someone-else", "{tenant} ", " {tenant}", "{TENANT}");
  }
}
