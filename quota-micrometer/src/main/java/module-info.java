/**
 * Micrometer metrics for quota: a {@link dev.quota.QuotaObserver} recording decisions, usage, reservations and
 * failure-policy decisions, and a timing wrapper around a {@link dev.quota.spi.QuotaStore}.
 *
 * <p>Its one package, {@code dev.quota.micrometer}, is the API and is exported.
 */
// Micrometer ships an Automatic-Module-Name, not a descriptor: that name is stable, and the one to require
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.quota.micrometer {
  requires transitive dev.quota.core;
  // the API takes the host's MeterRegistry
  requires transitive micrometer.core;
  requires static transitive org.jspecify;

  exports dev.quota.micrometer;
}
