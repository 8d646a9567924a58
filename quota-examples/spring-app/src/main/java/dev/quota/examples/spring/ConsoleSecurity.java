package dev.quota.examples.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The planner's security: the operator console under {@code /quota} (quota.console.* in application.yaml) needs a
 * signed-in user (Spring Security's form login at {@code /login}); the planner's own API and the actuator stay open,
 * as before the console.
 *
 * <p>Two demo users, in memory, with passwords written here for the demo only: {@code vera} / {@code vera-demo}
 * (role {@code viewer}: reads) and {@code otto} / {@code otto-demo} (role {@code operator}: reads and changes). A real
 * service signs its operators in through its own identity provider and gives them these roles.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurity {
  /** The demo viewer's user name. */
  static final String VIEWER = "vera";
  /** The demo viewer's password. */
  static final String VIEWER_PASSWORD = "vera-demo";
  /** The demo operator's user name. */
  static final String OPERATOR = "otto";
  /** The demo operator's password. */
  static final String OPERATOR_PASSWORD = "otto-demo";

  @Bean
  SecurityFilterChain plannerSecurity(HttpSecurity http) throws Exception {
    return http
        .authorizeHttpRequests(requests -> requests
            .requestMatchers("/quota", "/quota/**").authenticated()
            .anyRequest().permitAll())
        .formLogin(login -> login.defaultSuccessUrl("/quota/tenants"))
        .logout(Customizer.withDefaults())
        // the planner's API is called by services, not by a browser with a session: no CSRF token there. The console
        // keeps Spring Security's CSRF token (in its forms) and its own cross-site check.
        .csrf(csrf -> csrf.ignoringRequestMatchers("/tenants/**"))
        .build();
  }

  @Bean
  UserDetailsService demoUsers() {
    // {noop}: passwords stored as written, acceptable for demo users only
    return new InMemoryUserDetailsManager(
        User.withUsername(VIEWER).password("{noop}" + VIEWER_PASSWORD).roles("viewer").build(),
        User.withUsername(OPERATOR).password("{noop}" + OPERATOR_PASSWORD).roles("operator").build());
  }
}
