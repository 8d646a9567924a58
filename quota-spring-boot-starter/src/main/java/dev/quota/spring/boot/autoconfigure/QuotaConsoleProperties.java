package dev.quota.spring.boot.autoconfigure;

import dev.quota.admin.web.QuotaConsole;
import java.time.ZoneId;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The operator console's settings ({@code quota.console.*}): off unless {@code quota.console.enabled=true}.
 *
 * @param enabled whether the console is mounted; default {@code false}
 * @param path where it answers in the application, e.g. {@code /quota} (the default); the servlet context path, if
 *     any, comes before it
 * @param viewerRole the host's role (a Spring Security authority, with or without {@code ROLE_}) that may read;
 *     default {@code viewer}
 * @param operatorRole the host's role that may change and read; default {@code operator}
 * @param loopbackOnly answer only requests from this machine (127.0.0.1, ::1), 403 to every other; required when
 *     Spring Security is not on the class path; default {@code false}
 * @param zone the operator's zone: times are shown in it; default UTC
 */
@ConfigurationProperties("quota.console")
public record QuotaConsoleProperties(@DefaultValue("false") boolean enabled, @DefaultValue("/quota") String path,
    @DefaultValue("viewer") String viewerRole, @DefaultValue("operator") String operatorRole,
    @DefaultValue("false") boolean loopbackOnly, @DefaultValue("UTC") ZoneId zone) {

  /** Fills the defaults of the settings left out (when built in code rather than bound). */
  public QuotaConsoleProperties {
    path = path == null ? QuotaConsole.DEFAULT_BASE_PATH : path;
    viewerRole = viewerRole == null ? QuotaConsole.DEFAULT_VIEWER_ROLE : viewerRole;
    operatorRole = operatorRole == null ? QuotaConsole.DEFAULT_OPERATOR_ROLE : operatorRole;
    zone = zone == null ? ZoneId.of("UTC") : zone;
  }
}
