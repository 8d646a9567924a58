package dev.quota.spring.boot.autoconfigure;

import dev.quota.Quota;
import dev.quota.admin.web.QuotaConsole;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

/**
 * Mounts the operator console ({@code quota-admin-web}) in the host's Spring MVC under {@code quota.console.path},
 * only when {@code quota.console.enabled=true} and the console is on the class path.
 *
 * <p>Behind Spring Security, the signed-in principal is the audit actor, its authorities name the roles
 * ({@code quota.console.viewer-role}, {@code quota.console.operator-role}) and the host's CSRF token goes into the
 * console's forms. Without Spring Security on the class path the application does not start, unless
 * {@code quota.console.loopback-only=true} restricts the console to requests from this machine (the servlet
 * container's principal, if any, is then the actor).
 */
@AutoConfiguration(after = QuotaAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.quota.admin.web.QuotaConsole",
    "org.springframework.web.servlet.handler.SimpleUrlHandlerMapping", "jakarta.servlet.http.HttpServletRequest"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "quota.console", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(QuotaConsoleProperties.class)
public class QuotaConsoleAutoConfiguration {
  private static final String SPRING_SECURITY = "org.springframework.security.core.context.SecurityContextHolder";
  private static final String SPRING_SECURITY_WEB = "org.springframework.security.web.csrf.CsrfToken";

  /** Created by Spring. */
  public QuotaConsoleAutoConfiguration() {}

  /**
   * @param quota the application's quota
   * @param properties {@code quota.console.*}
   * @param contextPath the servlet context path, which comes before the console's path in its links
   * @return the console
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(Quota.class)
  public QuotaConsole quotaConsole(Quota quota, QuotaConsoleProperties properties,
      @Value("${server.servlet.context-path:}") String contextPath) {
    String base = (contextPath.equals("/") ? "" : contextPath) + properties.path();
    try {
      return QuotaConsole.builder().quota(quota).basePath(base)
          .roles(properties.viewerRole(), properties.operatorRole()).zone(properties.zone()).build();
    } catch (IllegalArgumentException e) {
      throw new QuotaStartupException("quota.console: " + e.getMessage() + ".",
          "Set quota.console.path (and the roles) to valid values, e.g. quota.console.path=/quota.");
    }
  }

  /**
   * @param console the console
   * @param properties {@code quota.console.*}
   * @param context the application, whose class loader tells whether Spring Security is there
   * @return the mapping of the console's path (and everything below it) to the console
   */
  @Bean
  @ConditionalOnBean(QuotaConsole.class)
  public SimpleUrlHandlerMapping quotaConsoleHandlerMapping(QuotaConsole console, QuotaConsoleProperties properties,
      ApplicationContext context) {
    ConsolePrincipals principals;
    // the application's class loader: what the application has, not what this jar was compiled with
    ClassLoader loader = context.getClassLoader();
    if (ClassUtils.isPresent(SPRING_SECURITY, loader) && ClassUtils.isPresent(SPRING_SECURITY_WEB, loader)) {
      principals = ConsolePrincipals.springSecurity(properties.viewerRole(), properties.operatorRole());
    } else if (properties.loopbackOnly()) {
      principals = ConsolePrincipals.servlet(properties.viewerRole(), properties.operatorRole());
    } else {
      throw new QuotaStartupException("quota.console.enabled=true, but Spring Security is not on the class path: "
          + "the operator console would change quotas for anyone who can reach the application.",
          "Secure it: add spring-boot-starter-security and give the console's users the roles '"
              + properties.viewerRole() + "' (reads) and '" + properties.operatorRole() + "' (changes); or set "
              + "quota.console.loopback-only=true to answer only requests from this machine; or set "
              + "quota.console.enabled=false.");
    }
    ConsoleRequestHandler handler = new ConsoleRequestHandler(console, principals, properties.loopbackOnly());
    String path = properties.path();
    SimpleUrlHandlerMapping mapping = new SimpleUrlHandlerMapping(Map.of(path, handler, path + "/**", handler));
    // ahead of the application's static resources ("/**"), after its own controllers
    mapping.setOrder(Ordered.LOWEST_PRECEDENCE - 10);
    return mapping;
  }
}
