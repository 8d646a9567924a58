package dev.quota.spring.boot.autoconfigure;

import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.QuotaObserver;
import dev.quota.TierCatalogue;
import dev.quota.admin.AdminAuthorizer;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.TenantKey;
import dev.quota.alert.NotificationChannel;
import dev.quota.alert.QuotaAlertListener;
import dev.quota.micrometer.QuotaMetrics;
import dev.quota.spi.QuotaStore;
import dev.quota.spring.boot.QuotaThresholdCrossedEvent;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Builds {@link Quota}, {@link QuotaGuard} and {@link QuotaAdmin} from the {@code quota.*} properties and the
 * application's beans. Every bean backs off when the application defines its own.
 *
 * <p>Beans it uses when present: a {@link QuotaStore} (else the PostgreSQL store is built from the
 * {@code DataSource}), a {@link TierCatalogue} (else one from the properties), an {@link AdminAuthorizer}, every
 * {@link QuotaAlertListener} and {@link QuotaObserver}, a unique {@link Clock} (else the system clock in UTC), and
 * {@link QuotaMetrics} (made by {@link QuotaMetricsAutoConfiguration} when a {@code MeterRegistry} exists).
 * Threshold alerts are also published as {@link QuotaThresholdCrossedEvent}s. Every {@link NotificationChannel} bean
 * (see {@link QuotaAlertsAutoConfiguration}) is handed to the builder; the listeners, the events and the channels are
 * fed from quota's outbox by the instance's notification dispatcher ({@code quota.alerts.dispatcher.*}), which stops
 * when the context closes the {@link Quota} bean.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration",
    "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
@ConditionalOnClass(Quota.class)
@EnableConfigurationProperties({QuotaProperties.class, QuotaAlertProperties.class})
@Import({HostTierTableConfiguration.class, QuotaStoreConfiguration.class})
public class QuotaAutoConfiguration {

  /** Creates the configuration; Spring Boot does. */
  public QuotaAutoConfiguration() {}

  /**
   * Warns at start-up when {@code quota.host-tier-table.table} is set but the application's own store does not read
   * the table (see {@link QuotaHostTierTable}).
   *
   * @param properties the properties
   * @param beans the application's beans
   * @return the check
   */
  @Bean
  @ConditionalOnProperty(prefix = "quota.host-tier-table", name = "table")
  public SmartInitializingSingleton quotaHostTierTableUseCheck(QuotaProperties properties,
      ConfigurableListableBeanFactory beans) {
    return new HostTierTableUseCheck(String.valueOf(properties.getHostTierTable().getTable()), beans);
  }

  /**
   * The tiers and meters from {@code quota.tiers}, {@code quota.meters} and related properties.
   *
   * @param properties the properties
   * @return the catalogue
   */
  @Bean
  @ConditionalOnMissingBean
  public TierCatalogue quotaTierCatalogue(QuotaProperties properties) {
    return PropertyChecks.catalogue(properties);
  }

  /**
   * The quota instance. It leaves the store open when the context closes it: the store is a bean of its own,
   * which the context closes (once) itself.
   *
   * @param store the store
   * @param catalogue the tiers and meters
   * @param properties the properties
   * @param events where threshold alerts are published
   * @param alertListeners the application's alert listeners, in order
   * @param channels the notification channels (e-mail and webhooks of {@link QuotaAlertsAutoConfiguration}, the
   *     application's own), in order
   * @param alertProperties the dispatcher's settings
   * @param observers the application's observers, in order
   * @param authorizer the application's admin authorizer, if any
   * @param metrics the Micrometer binding, if metrics are on
   * @param clock the application's clock, if it has exactly one
   * @param environment where the application's name is read, for the service's record
   * @param build the build's information, if any, for the service's version in its record
   * @return the instance, which has recorded its configuration in the store unless
   *     {@code quota.service.record-configuration=false}
   */
  @Bean
  @ConditionalOnMissingBean
  public Quota quota(QuotaStore store, TierCatalogue catalogue, QuotaProperties properties,
      ApplicationEventPublisher events, ObjectProvider<QuotaAlertListener> alertListeners,
      ObjectProvider<NotificationChannel> channels, QuotaAlertProperties alertProperties,
      ObjectProvider<QuotaObserver> observers, ObjectProvider<AdminAuthorizer> authorizer,
      ObjectProvider<QuotaMetrics> metrics, ObjectProvider<Clock> clock, Environment environment,
      ObjectProvider<BuildProperties> build) {
    QuotaMetrics quotaMetrics = metrics.getIfAvailable();
    Quota.Builder builder = Quota.builder()
        .store(quotaMetrics != null ? quotaMetrics.timed(store) : store)
        .catalogue(catalogue)
        .clock(clock.getIfUnique(Clock::systemUTC))
        .alertListener(alert -> events.publishEvent(new QuotaThresholdCrossedEvent(alert)))
        .leaveStoreOpen();
    PropertyChecks.configure(builder, properties);
    alertListeners.orderedStream().forEach(builder::alertListener);
    channels.orderedStream().forEach(builder::notificationChannel);
    AlertDelivery.configure(builder, alertProperties.getDispatcher());
    observers.orderedStream().forEach(builder::observer);
    if (quotaMetrics != null) {
      builder.observer(quotaMetrics.observer());
    }
    authorizer.ifUnique(builder::authorizer);
    TenantKey tenantKey = PropertyChecks.tenantKey(properties);
    if (tenantKey != null) {
      builder.tenantKey(tenantKey);
    }
    QuotaProperties.Service service = properties.getService();
    if (service.isRecordConfiguration()) {
      String name = service.getName() != null ? service.getName()
          : environment.getProperty("spring.application.name", "application");
      BuildProperties info = build.getIfAvailable();
      String version = service.getVersion() != null ? service.getVersion()
          : info != null && info.getVersion() != null ? info.getVersion() : "unknown";
      PropertyChecks.check("quota.service.name", name, () -> builder.recordServiceConfiguration(name, version));
    }
    return builder.build();
  }

  /**
   * The guard the application calls on its hot path.
   *
   * @param quota the quota instance
   * @return its guard
   */
  @Bean
  @ConditionalOnMissingBean
  public QuotaGuard quotaGuard(Quota quota) {
    return quota.guard();
  }

  /**
   * The audited admin port for operators.
   *
   * @param quota the quota instance
   * @return its admin port
   */
  @Bean
  @ConditionalOnMissingBean
  public QuotaAdmin quotaAdmin(Quota quota) {
    return quota.admin();
  }
}
