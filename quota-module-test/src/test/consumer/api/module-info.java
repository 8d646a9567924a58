// A user's module: it requires the quota modules by the names they publish and uses only their API.
module consumer.api {
  requires dev.quota.testkit;
  requires dev.quota.jooq;
  requires dev.quota.micrometer;
  requires dev.quota.notify;
  requires dev.quota.admin.web;
  requires org.junit.platform.launcher;
  requires org.postgresql.jdbc;
  // the driver's data source is a JNDI Referenceable; as an automatic module, the driver declares no requires
  requires java.naming;

  // a user's test package, opened to JUnit as any test on the module path must be
  opens consumer.api to org.junit.platform.commons;
}
