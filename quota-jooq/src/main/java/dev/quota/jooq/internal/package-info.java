/**
 * The PostgreSQL store's implementation, one concern per file. Not API: may change in any release.
 *
 * <ul>
 *   <li><b>State reads</b>: {@link dev.quota.jooq.internal.StateQuery} (the one statement that reads tenants'
 *       states), {@link dev.quota.jooq.internal.StateReads} (runs it for one tenant or for all with a current counter,
 *       and folds its rows into states), {@link dev.quota.jooq.internal.EntitlementRows} (the one mapping of
 *       entitlement rows, both ways), {@link dev.quota.jooq.internal.ReadResult}.</li>
 *   <li><b>Counter rules and rows</b>: {@link dev.quota.jooq.internal.CounterRules} (the ceiling and hold expiry,
 *       written once as functions of the schema, migration V3), {@link dev.quota.jooq.internal.Counters} (a counter
 *       row's key, creation, lock order, read-back), {@link dev.quota.jooq.internal.StoredCounter}.</li>
 *   <li><b>Usage writes</b>: {@link dev.quota.jooq.internal.UsageWrites} (reserve, commit, release, sweep),
 *       {@link dev.quota.jooq.internal.WriteRounds} (a write's rounds: create the counter, sweep, try again),
 *       {@link dev.quota.jooq.internal.BatchWrites} (consume and append through the batch functions) and
 *       {@link dev.quota.jooq.internal.BatchOutcome} (their outcome codes, defined once).</li>
 *   <li><b>Admin writes</b>: {@link dev.quota.jooq.internal.AdminWrites} (entitlements, revocations, plans, each with
 *       a new version), {@link dev.quota.jooq.internal.Rebucketing} (usage moved to a new billing day's periods),
 *       {@link dev.quota.jooq.internal.AuditLog}, {@link dev.quota.jooq.internal.AlertMarks}.</li>
 *   <li><b>Maintenance</b>: {@link dev.quota.jooq.internal.Maintenance} (archive, purge, verify),
 *       {@link dev.quota.jooq.internal.Migrations} (the schema from the scripts, without a migration tool).</li>
 *   <li><b>Rendering, batching, running</b>: {@link dev.quota.jooq.internal.PreparedQuery} (a jOOQ query rendered
 *       once and run with JDBC), {@link dev.quota.jooq.internal.Batcher} (group commit of concurrent requests),
 *       {@link dev.quota.jooq.internal.Db} (statements and transactions), {@link dev.quota.jooq.internal.Failures}
 *       (database failures sorted into the store's exceptions), {@link dev.quota.jooq.internal.Json}.</li>
 *   <li><b>Cache and change notification</b>: {@link dev.quota.jooq.internal.StateCache} (the hot path's memory,
 *       ordering the counters writes report), {@link dev.quota.jooq.internal.ChangeSink} (what writes report to it),
 *       {@link dev.quota.jooq.internal.ChangeChannel} (NOTIFY and LISTEN between instances),
 *       {@link dev.quota.jooq.internal.ChangeListener}, {@link dev.quota.jooq.internal.PgChangeListener},
 *       {@link dev.quota.jooq.internal.ConnectionSource}, and {@link dev.quota.jooq.internal.HostPlans} (tiers from
 *       the host's own table).</li>
 * </ul>
 *
 * <p>The jOOQ code in {@code dev.quota.jooq.internal.generated} is generated from the migration scripts.
 */
package dev.quota.jooq.internal;
