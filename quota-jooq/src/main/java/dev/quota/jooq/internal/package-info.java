/**
 * The PostgreSQL store's implementation: the SQL ({@link dev.quota.jooq.internal.SqlStore}), transactions and
 * failure translation, the state cache, and the change listener. Not API: may change in any release.
 */
package dev.quota.jooq.internal;
