/**
 * The {@code quota} command line: the operator's runbook (find a blocked tenant, check its usage, unblock it
 * without deleting history, verify) over {@link dev.quota.admin.QuotaAdmin} on quota-jooq's PostgreSQL store.
 *
 * <p>{@link dev.quota.cli.QuotaCli} is the entry point; everything else is package-private. Each command is a
 * picocli class that opens the session (and so the database connection) only when it runs, so that bad usage is
 * reported without waiting for a database. Results have a human form ({@code TextView}: aligned tables, usage
 * bars, times in the operator's zone) and a JSON form ({@code JsonView}, written by the small {@code Json}
 * writer); failures become one line and an exit code ({@code Failures}, {@code ExitCode}).
 */
package dev.quota.cli;
