/**
 * Test support for quota's users and backends: the in-memory reference store, a settable clock, AssertJ
 * assertions, a scriptable fake guard, and the contract suite every {@link dev.quota.spi.QuotaStore} must pass.
 *
 * <p>The contract suite is a JUnit Jupiter class a backend's test extends. Its package is opened to JUnit's
 * reflection ({@code org.junit.platform.commons}), which calls its package-private lifecycle and argument-source
 * methods, so that the suite is discovered and run from a user's test on the module path as on the class path.
 */
module dev.quota.testkit {
  requires transitive dev.quota.core;
  // the suite's and the assertions' API: a user's test extends QuotaStoreContract and uses the AssertJ asserts
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires transitive org.assertj.core;
  requires static transitive org.jspecify;

  exports dev.quota.testkit;
  exports dev.quota.testkit.contract;

  opens dev.quota.testkit.contract to org.junit.platform.commons;
}
