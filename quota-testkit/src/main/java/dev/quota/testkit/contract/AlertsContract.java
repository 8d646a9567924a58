package dev.quota.testkit.contract;

import static dev.quota.Meter.AI_TOKENS;
import static dev.quota.testkit.QuotaAssertions.assertThat;
import static dev.quota.testkit.contract.QuotaStoreContract.OPERATOR;
import static dev.quota.testkit.contract.QuotaStoreContract.REASON;
import static dev.quota.testkit.contract.QuotaStoreContract.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.TenantId;
import dev.quota.UsageConflictException;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Grant;
import dev.quota.admin.QuotaAdmin;
import dev.quota.alert.ThresholdAlert;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Threshold alerts: once per crossing per tenant, meter and period; re-armed when usage falls back below.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.Alerts}.
 */
public abstract class AlertsContract extends ContractFixture {
  private AlertRecorder alerts;
  private Quota quota;
  private QuotaGuard guard;
  private QuotaAdmin admin;
  private TenantId tenant;

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected AlertsContract(QuotaStoreContract contract) {
    super(contract);
  }

  @BeforeEach
  void setUp() {
    alerts = new AlertRecorder(testId());
    quota = alerts.deliveringFrom(quotaBuilder().catalogue(singleTier(1_000)).alertListener(alerts).dispatchManually()
        .build());
    guard = quota.guard();
    admin = quota.admin();
    tenant = newTenant("alerts");
  }

  @Test
  void crossingAThresholdFiresAnAlert() {
    use(guard, tenant, 800);

    assertThat(alerts.alerts()).containsExactly(
        new ThresholdAlert(tenant, AI_TOKENS, NOVEMBER, 80, 800, 1_000, START));
  }

  @Test
  void usageBelowTheFirstThresholdFiresNothing() {
    use(guard, tenant, 799);

    assertThat(alerts.alerts()).isEmpty();
  }

  @Test
  void anAdminChangeThatPutsTheTenantOverAThresholdFiresNothingUntilTheNextUsage() {
    use(guard, tenant, 700);
    Grant credit = admin.grantCredit(tenant, AI_TOKENS, 500, START.plus(Duration.ofDays(3)), OPERATOR, REASON);
    use(guard, tenant, 100);
    assertThat(alerts.thresholds()).as("800 of 1,500 crosses nothing").isEmpty();

    admin.revoke(credit.id(), OPERATOR, REASON);
    assertThat(alerts.thresholds()).as("the revoke alone: 800 of 1,000").isEmpty();

    use(guard, tenant, 1);
    assertThat(alerts.thresholds()).as("the next usage fires what the revoke crossed").containsExactly(80);
  }

  @Test
  void eachThresholdFiresOnceAsUsageGrows() {
    use(guard, tenant, 850);
    assertThat(alerts.thresholds()).containsExactly(80);
    use(guard, tenant, 100);
    assertThat(alerts.thresholds()).containsExactly(80, 90);
    use(guard, tenant, 100);
    assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void jumpingPastSeveralThresholdsFiresEachOfThem() {
    use(guard, tenant, 1_000);

    assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void furtherUsageDoesNotFireAgain() {
    use(guard, tenant, 1_000);
    alerts.clear();

    use(guard, tenant, 100);
    guard.tryConsume(tenant, AI_TOKENS, 100, UsageKey.of("denied"));
    guard.check(tenant, AI_TOKENS, 1);
    use(guard, tenant, 5_000);

    assertThat(alerts.alerts()).isEmpty();
  }

  @Test
  void resetReArmsTheThresholds() {
    use(guard, tenant, 1_000);
    alerts.clear();

    admin.resetUsage(tenant, OPERATOR, REASON);
    assertThat(alerts.alerts()).as("a reset brings usage to 50% of the new ceiling").isEmpty();
    use(guard, tenant, 600);

    assertThat(alerts.alerts()).containsExactly(
        new ThresholdAlert(tenant, AI_TOKENS, NOVEMBER, 80, 1_600, 2_000, START));
  }

  @Test
  void grantThatBringsUsageBelowAThresholdReArmsIt() {
    use(guard, tenant, 900);
    alerts.clear();

    admin.grantCredit(tenant, AI_TOKENS, 500, DECEMBER_START, OPERATOR, REASON);
    use(guard, tenant, 300);

    assertThat(alerts.thresholds()).as("1200 of 1500 is 80%").containsExactly(80);
  }

  @Test
  void grantThatLeavesUsageAboveAThresholdDoesNotReArmIt() {
    use(guard, tenant, 950);
    alerts.clear();

    admin.grantCredit(tenant, AI_TOKENS, 100, DECEMBER_START, OPERATOR, REASON);
    assertThat(alerts.alerts()).as("950 of 1100 is still above 80%, which stays fired").isEmpty();
    use(guard, tenant, 50);

    assertThat(alerts.thresholds()).as("1000 of 1100 crosses 90% again").containsExactly(90);
  }

  @Test
  void alertsFireAgainInTheNextPeriod() {
    use(guard, tenant, 1_000);
    alerts.clear();
    clock().set(DECEMBER_START);

    use(guard, tenant, 800);

    assertThat(alerts.alerts()).containsExactly(
        new ThresholdAlert(tenant, AI_TOKENS, DECEMBER, 80, 800, 1_000, DECEMBER_START));
  }

  @Test
  void alertsAreKeptApartPerTenant() {
    TenantId other = newTenant("other");

    use(guard, tenant, 800);
    use(guard, other, 800);

    assertThat(alerts.alerts()).extracting(ThresholdAlert::tenant).containsExactly(tenant, other);
  }

  @Test
  void grantsCountInTheCeiling() {
    admin.acceptingNewTenants().grantCredit(tenant, AI_TOKENS, 1_000, DECEMBER_START, OPERATOR, REASON);

    use(guard, tenant, 1_000);
    assertThat(alerts.alerts()).as("1000 of 2000 is 50%").isEmpty();
    use(guard, tenant, 600);

    assertThat(alerts.alerts()).extracting(ThresholdAlert::thresholdPercent, ThresholdAlert::ceiling)
        .containsExactly(tuple(80, 2_000L));
  }

  @Test
  void consumedUsageFiresAlerts() {
    guard.tryConsume(tenant, AI_TOKENS, 900, UsageKey.of("consumed"));

    assertThat(alerts.thresholds()).containsExactly(80, 90);
  }

  @Test
  void committedUsageFiresAlerts() {
    guard.reserve(tenant, AI_TOKENS, 500, Duration.ofMinutes(5)).reservation().commit(900, UsageKey.of("call"));

    assertThat(alerts.thresholds()).containsExactly(80, 90);
  }

  @Test
  void recordedBatchFiresAlertsEvenWhenOneOfItsEventsConflicts() {
    use(guard, tenant, 100);
    guard.record(UsageEvent.of(tenant, AI_TOKENS, 10, UsageKey.of("k1")));

    assertThatThrownBy(() -> guard.recordAll(List.of(
        UsageEvent.of(tenant, AI_TOKENS, 20, UsageKey.of("k1")),
        UsageEvent.of(tenant, AI_TOKENS, 900, UsageKey.of("k2")))))
        .isInstanceOf(UsageConflictException.class);

    assertThat(guard.usage(tenant)).hasUsed(1_010);
    assertThat(alerts.thresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void reservationsAloneFireNothing() {
    guard.reserve(tenant, AI_TOKENS, 1_000, Duration.ofMinutes(5));

    assertThat(alerts.alerts()).isEmpty();
  }

  @Test
  void failingListenerDoesNotAffectTheCallerOrOtherListeners() {
    // quota logs each failed delivery at WARN: those lines in a backend's test output are expected.
    AlertRecorder after = new AlertRecorder(testId());
    QuotaGuard noisy = after.deliveringFrom(quotaBuilder().catalogue(singleTier(1_000))
        .alertListener(alert -> {
          throw new IllegalStateException("mail server down");
        })
        .alertListener(after)
        .dispatchManually()
        .build()).guard();

    RecordResult result = use(noisy, tenant, 1_000);

    assertThat(result.usedInPeriod()).isEqualTo(1_000);
    assertThat(after.thresholds()).containsExactly(80, 90, 100);
  }

  @Test
  void failingListenerHearsTheAlertAgainLater() {
    AlertRecorder recovered = new AlertRecorder(testId());
    boolean[] down = {true};
    Quota flaky = recovered.deliveringFrom(quotaBuilder().catalogue(singleTier(1_000))
        .alertListener(alert -> {
          if (down[0]) {
            throw new IllegalStateException("mail server down");
          }
          recovered.onThresholdCrossed(alert);
        })
        .dispatchManually()
        .build());

    use(flaky.guard(), tenant, 800);
    assertThat(recovered.alerts()).as("the listener failed").isEmpty();
    down[0] = false;
    clock().advance(Duration.ofHours(2));

    assertThat(recovered.thresholds()).as("retried after the backoff").containsExactly(80);
  }

  @Test
  void configuredThresholdsReplaceTheDefaults() {
    AlertRecorder halfway = new AlertRecorder(testId());
    QuotaGuard custom = halfway.deliveringFrom(quotaBuilder().catalogue(singleTier(1_000)).alertThresholds(50)
        .alertListener(halfway).dispatchManually().build()).guard();

    use(custom, tenant, 600);
    use(custom, tenant, 500);

    assertThat(halfway.thresholds()).containsExactly(50);
  }
}
