/**
 * quota's PostgreSQL store: {@link dev.quota.jooq.PostgresQuotaStore}, on jOOQ with a Caffeine cache and
 * LISTEN/NOTIFY invalidation across instances.
 *
 * <p>Only {@code dev.quota.jooq} is exported. The implementation ({@code dev.quota.jooq.internal}) and the jOOQ
 * code generated from the migration scripts ({@code dev.quota.jooq.internal.generated...}) are not. jOOQ creates
 * the generated record classes reflectively when it fetches rows of a generated table, so that one package is
 * opened to {@code org.jooq}, and to nothing else.
 *
 * <p>The migration scripts ({@code db/quota/*.sql}) are opened to everyone: the host's Flyway, in another module,
 * reads them from {@value dev.quota.jooq.PostgresQuotaStore#MIGRATION_LOCATION}.
 */
@SuppressWarnings("requires-automatic") // the PostgreSQL driver ships an Automatic-Module-Name, not a descriptor
module dev.quota.jooq {
  requires transitive dev.quota.core;
  // the builder takes the host's DataSource or DSLContext
  requires transitive java.sql;
  requires transitive org.jooq;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  // optional: only the change listener (LISTEN/NOTIFY) uses the driver's own API; without it the listener is off
  requires static org.postgresql.jdbc;
  requires static transitive org.jspecify;

  exports dev.quota.jooq;

  opens dev.quota.jooq.internal.generated.tables.records to org.jooq;
  opens db.quota;
}
