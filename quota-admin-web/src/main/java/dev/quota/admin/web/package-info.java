/**
 * The operator console: the tenants list, a tenant's page with its actions, the audit log and a JSON API over
 * {@link dev.quota.admin.QuotaAdmin}, as one framework-neutral {@link dev.quota.admin.web.QuotaConsole} that any HTTP
 * stack adapts to ({@link dev.quota.admin.web.ConsoleRequest} in, {@link dev.quota.admin.web.ConsoleResponse} out),
 * and {@link dev.quota.admin.web.ConsoleServer}, which serves it on the JDK's HTTP server for one operator.
 */
@NullMarked
package dev.quota.admin.web;

import org.jspecify.annotations.NullMarked;
