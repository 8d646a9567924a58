/**
 * quota's domain and ports: the {@link dev.quota.QuotaGuard} for the hot path, the audited
 * {@link dev.quota.admin.QuotaAdmin}, periods, threshold alerts and the storage SPI a backend implements.
 *
 * <p>Only the API packages are exported. {@code dev.quota.internal} (the guard's and the admin's implementations,
 * the evaluator, argument checks) is not: nothing outside this module can compile against it or reflect on it, so
 * it may change in any release. Every exported package is {@code @NullMarked}: a type is non-null unless it says
 * {@code @Nullable}.
 */
module dev.quota.core {
  requires org.slf4j;
  // the nullness annotations on the API: compile-time only, and seen by whoever compiles against this module
  requires static transitive org.jspecify;

  exports dev.quota;
  exports dev.quota.admin;
  exports dev.quota.alert;
  exports dev.quota.period;
  exports dev.quota.spi;
  // the API types' non-public constructors, for quota-testkit's fake guard (as the JDK's shared secrets)
  exports dev.quota.internal.access to dev.quota.testkit;
}
