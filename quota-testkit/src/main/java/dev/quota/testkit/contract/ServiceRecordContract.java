package dev.quota.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.admin.Actor;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ServiceRecord;
import dev.quota.admin.TenantKey;
import dev.quota.period.PeriodPolicy;
import dev.quota.spi.AdminStore;
import dev.quota.spi.StoredServiceConfiguration;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The configuration a service records at start-up ({@link QuotaAdmin#recordServiceConfiguration},
 * {@link AdminStore#appendServiceConfiguration}): versioned, a new version only when the content changes, written by
 * the service as actor with what changed as the reason, never two services writing the same version, and read back
 * as recorded.
 *
 * <p>The versions are the schema's, shared by every test on it and never deleted, so each test records a catalogue
 * with a meter of its own and counts versions from the latest it finds.
 *
 * <p>Run by every backend's test that extends {@link QuotaStoreContract}, as its nested class
 * {@link QuotaStoreContract.ServiceRecords}.
 */
public abstract class ServiceRecordContract extends ContractFixture {
  private static final String REASON_TEXT = "written by the contract";

  /**
   * Binds this group to the running contract, whose store, clock and tenants its tests use.
   *
   * @param contract the contract this test runs in
   */
  protected ServiceRecordContract(QuotaStoreContract contract) {
    super(contract);
  }

  private Meter meter() {
    return Meter.of("m-" + testId());
  }

  /** A catalogue no other test records: a meter of this test's own, with the given limit. */
  private TierCatalogue catalogue(long limit) {
    return TierCatalogue.builder()
        .meter(meter(), PeriodPolicy.monthlyOn(15, ZoneId.of("Europe/Berlin")))
        .tier(METERED, Map.of(meter(), limit))
        .tier(Tier.of("big"), Map.of(meter(), TierCatalogue.UNLIMITED))
        .defaultTier(METERED)
        .build();
  }

  private long latestVersion() {
    return store().latestServiceConfiguration().map(StoredServiceConfiguration::version).orElse(0L);
  }

  @Test
  void theFirstRecordOfAConfigurationIsTheNextVersionWrittenByTheService() {
    long before = latestVersion();
    QuotaAdmin admin = quota(catalogue(100)).admin();

    ServiceRecord record = admin.recordServiceConfiguration("planner", "1.4.2");

    assertThat(record.version()).isEqualTo(before + 1);
    assertThat(record.actor()).isEqualTo(Actor.of("service:planner"));
    assertThat(record.writtenAt()).isEqualTo(clock().instant());
    assertThat(record.reason()).isNotBlank();
    assertThat(record.configuration().catalogue()).isEqualTo(catalogue(100));
    assertThat(record.configuration().plans()).isEqualTo(store().planSource());
    assertThat(latestVersion()).isEqualTo(before + 1);
  }

  @Test
  void theRecordReadsBackAsWrittenWithTheServicesNameVersionAndThresholds() {
    Quota quota = quotaBuilder().catalogue(catalogue(100)).alertThresholds(50, 75)
        .tenantKey(new TenantKey("public", "app_user", "email", "id")).build();
    ServiceRecord written = quota.admin().recordServiceConfiguration("planner", "1.4.2");

    Optional<ServiceRecord> read = quota().admin().serviceConfiguration();

    assertThat(read).hasValueSatisfying(record -> {
      assertThat(record.version()).isEqualTo(written.version());
      assertThat(record.actor()).isEqualTo(written.actor());
      assertThat(record.reason()).isEqualTo(written.reason());
      assertThat(record.configuration().service()).isEqualTo("planner");
      assertThat(record.configuration().serviceVersion()).isEqualTo("1.4.2");
      assertThat(record.configuration().catalogue()).isEqualTo(catalogue(100));
      assertThat(record.configuration().alertThresholds()).containsExactly(50, 75);
      assertThat(record.configuration().tenantKey()).isEqualTo(new TenantKey("public", "app_user", "email", "id"));
      assertThat(record.configuration().plans()).isEqualTo(store().planSource());
    });
  }

  @Test
  void theSameContentAgainWritesNothingEvenFromAnotherServiceVersion() {
    QuotaAdmin admin = quota(catalogue(100)).admin();
    ServiceRecord first = admin.recordServiceConfiguration("planner", "1.4.2");
    clock().advance(Duration.ofHours(1));

    ServiceRecord again = admin.recordServiceConfiguration("planner", "1.4.3");

    assertThat(again.version()).isEqualTo(first.version());
    assertThat(again.writtenAt()).isEqualTo(first.writtenAt());
    assertThat(again.configuration().serviceVersion()).as("the version that wrote it").isEqualTo("1.4.2");
    assertThat(latestVersion()).isEqualTo(first.version());
    assertThat(store().latestServiceConfiguration()).hasValueSatisfying(
        stored -> assertThat(stored.serviceVersion()).isEqualTo("1.4.2"));
  }

  @Test
  void aChangedCatalogueIsTheNextVersionWithWhatChangedAsTheReason() {
    ServiceRecord first = quota(catalogue(100)).admin().recordServiceConfiguration("planner", "1.4.2");
    clock().advance(Duration.ofHours(1));

    ServiceRecord changed = quota(catalogue(200)).admin().recordServiceConfiguration("planner", "1.5.0");

    assertThat(changed.version()).isEqualTo(first.version() + 1);
    assertThat(changed.writtenAt()).isEqualTo(clock().instant());
    assertThat(changed.reason()).contains("tier.metered." + meter().name() + ": 100 -> 200")
        .doesNotContain("tier.big");
    assertThat(quota().admin().serviceConfiguration()).hasValueSatisfying(
        record -> assertThat(record.configuration().catalogue()).isEqualTo(catalogue(200)));
  }

  @Test
  void theBuilderRecordsAtBuildOnlyWhenAsked() {
    long before = latestVersion();
    quotaBuilder().catalogue(catalogue(100)).build();
    assertThat(latestVersion()).isEqualTo(before);

    quotaBuilder().catalogue(catalogue(100)).recordServiceConfiguration("planner", "1.4.2").build();

    assertThat(latestVersion()).isEqualTo(before + 1);
    assertThat(store().latestServiceConfiguration()).hasValueSatisfying(
        stored -> assertThat(stored.service()).isEqualTo("planner"));
  }

  @Test
  void onlyTheNextVersionIsAppended() {
    long latest = latestVersion();
    String content = "meters = " + meter().name() + "\n";

    assertThat(store().appendServiceConfiguration(stored(latest + 2, content))).as("a gap").isFalse();
    assertThat(store().appendServiceConfiguration(stored(latest + 1, content))).as("the next").isTrue();
    assertThat(store().appendServiceConfiguration(stored(latest + 1, content + "x = y\n"))).as("taken").isFalse();

    assertThat(store().latestServiceConfiguration()).hasValueSatisfying(stored -> {
      assertThat(stored.version()).isEqualTo(latest + 1);
      assertThat(stored.content()).isEqualTo(content);
      assertThat(stored.actor()).isEqualTo(Actor.of("service:contract"));
      assertThat(stored.reason()).isEqualTo(REASON_TEXT);
    });
  }

  @Test
  void servicesStartingTogetherWriteOneVersion() throws Exception {
    long before = latestVersion();
    int threads = Math.max(2, concurrentThreads());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<ServiceRecord>> starts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        QuotaAdmin admin = quota(catalogue(100)).admin();
        starts.add(pool.submit(() -> {
          go.await();
          return admin.recordServiceConfiguration("planner", "1.4.2");
        }));
      }
      go.countDown();
      for (Future<ServiceRecord> start : starts) {
        assertThat(start.get(concurrencyTimeout().toMillis(), TimeUnit.MILLISECONDS).version())
            .isEqualTo(before + 1);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(latestVersion()).isEqualTo(before + 1);
  }

  private StoredServiceConfiguration stored(long version, String content) {
    return new StoredServiceConfiguration(version, clock().instant(), "contract", "1", Actor.of("service:contract"),
        REASON_TEXT, content);
  }
}
