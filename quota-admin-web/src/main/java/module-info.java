/**
 * The operator console: {@link dev.quota.admin.web.QuotaConsole} (framework-neutral, any HTTP stack adapts to it) and
 * {@link dev.quota.admin.web.ConsoleServer} (the JDK's HTTP server, for one operator on loopback).
 *
 * <p>Only {@code dev.quota.admin.web} is exported. The templates, compiled at build time into
 * {@code dev.quota.admin.web.internal.jte}, are opened to the template engine's runtime, which loads them by name.
 */
// jte's runtime ships an Automatic-Module-Name, not a descriptor: that name is stable, and the one to require
@SuppressWarnings("requires-automatic")
module dev.quota.admin.web {
  requires transitive dev.quota.core;
  requires gg.jte.runtime;
  requires jdk.httpserver;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.quota.admin.web;
  opens dev.quota.admin.web.internal.jte to gg.jte.runtime;
}
