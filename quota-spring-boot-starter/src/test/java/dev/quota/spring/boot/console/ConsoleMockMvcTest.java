package dev.quota.spring.boot.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.PageRequest;
import dev.quota.admin.web.QuotaConsole;
import dev.quota.spring.boot.autoconfigure.QuotaConsoleAutoConfiguration;
import dev.quota.testkit.InMemoryQuotaStore;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * The console mounted by the starter behind the host's Spring Security (CSRF on, as by default), in MockMvc: roles,
 * CSRF, cross-site refusals, the rate limit and idempotency, and the principal as the audit actor.
 */
class ConsoleMockMvcTest {
  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(QuotaConsoleAutoConfiguration.class))
      .withUserConfiguration(InMemoryQuota.class, HostSecurity.class)
      .withPropertyValues("quota.console.enabled=true", "quota.console.path=/admin/quota");

  @Configuration(proxyBeanMethods = false)
  static class InMemoryQuota {
    @Bean(destroyMethod = "close")
    Quota quota() {
      return Quota.builder().store(new InMemoryQuotaStore()).build();
    }
  }

  /** A host's security: every request may pass its filters (the console decides), CSRF as Spring's default. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebMvc
  @EnableWebSecurity
  static class HostSecurity {
    @Bean
    SecurityFilterChain hostChain(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
    }
  }

  private void withConsole(Consumer<Console> test) {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      test.accept(new Console(context));
    });
  }

  private record Console(AssertableWebApplicationContext context, MockMvc mvc, Quota quota) {
    Console(AssertableWebApplicationContext context) {
      this(context, MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build(),
          context.getBean(Quota.class));
    }

    MockHttpServletResponse perform(MockHttpServletRequestBuilder request) {
      try {
        return mvc.perform(request).andReturn().getResponse();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }

    TenantId blocked(String id) {
      TenantId tenant = TenantId.of(id);
      quota.admin().setPlan(tenant, Plan.of(Tier.FREE), Actor.of("billing"), "subscribed");
      quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 100_000, UsageKey.random());
      assertThat(quota.guard().canProceed(tenant)).isFalse();
      return tenant;
    }

    String contentOf(MockHttpServletResponse response) {
      try {
        return response.getContentAsString(java.nio.charset.StandardCharsets.UTF_8);
      } catch (java.io.UnsupportedEncodingException e) {
        throw new AssertionError(e);
      }
    }

    List<AuditEntry> resets(TenantId tenant) {
      return quota.admin().audit(AuditQuery.of(tenant).operations(AdminOperation.RESET_USAGE), PageRequest.first(50))
          .items();
    }
  }

  private static MockHttpServletRequestBuilder resetJson(String tenant) {
    return post("/admin/quota/api/tenants/" + tenant + "/reset-usage").contentType("application/json")
        .header("Sec-Fetch-Site", "same-origin").content("{\"reason\":\"JIRA-7\",\"actor\":\"mallory\"}");
  }

  @Test
  void withoutAPrincipalTheConsoleAnswers401() {
    withConsole(console -> {
      assertThat(console.perform(get("/admin/quota/tenants")).getStatus()).isEqualTo(401);
      assertThat(console.perform(get("/admin/quota/api/tenants")).getStatus()).isEqualTo(401);
    });
  }

  @Test
  void aViewerReadsSeesNoChangeControlsAndIsRefusedEveryChange() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      MockHttpServletResponse list = console.perform(get("/admin/quota/tenants").with(user("vera").roles("viewer")));
      assertThat(list.getStatus()).isEqualTo(200);
      assertThat(console.contentOf(list)).contains("acme");

      MockHttpServletResponse page = console.perform(get("/admin/quota/tenant?tenant=acme")
          .with(user("vera").roles("viewer")));
      assertThat(page.getStatus()).isEqualTo(200);
      assertThat(console.contentOf(page)).contains("viewer, read only").doesNotContain("method=\"post\"");

      MockHttpServletResponse change = console.perform(resetJson("acme").with(user("vera").roles("viewer"))
          .with(csrf()));
      assertThat(change.getStatus()).isEqualTo(403);
      assertThat(console.quota().guard().canProceed(acme)).isFalse();
    });
  }

  @Test
  void anOperatorResetsAndIsTheAuditActorWhateverTheBodySays() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      MockHttpServletResponse change = console.perform(resetJson("acme").with(user("otto").roles("operator"))
          .with(csrf()));
      assertThat(change.getStatus()).isEqualTo(200);
      assertThat(console.quota().guard().canProceed(acme)).isTrue();
      assertThat(console.resets(acme)).singleElement()
          .satisfies(entry -> assertThat(entry.actor().id()).isEqualTo("otto"));
    });
  }

  @Test
  void theOperatorsPageCarriesTheHostsCsrfTokenAndAFormPostWithItResets() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      MockHttpServletResponse page = console.perform(get("/admin/quota/tenant?tenant=acme")
          .with(user("otto").roles("operator")));
      assertThat(console.contentOf(page)).contains("method=\"post\"", "name=\"_csrf\"");

      MockHttpServletResponse applied = console.perform(post("/admin/quota/tenant/apply")
          .contentType("application/x-www-form-urlencoded").header("Sec-Fetch-Site", "same-origin")
          .param("tenant", "acme").param("action", "reset-usage").param("reason", "JIRA-8")
          .with(user("otto").roles("operator")).with(csrf()));
      assertThat(applied.getStatus()).isEqualTo(303);
      assertThat(console.quota().guard().canProceed(acme)).isTrue();
      assertThat(console.resets(acme)).singleElement()
          .satisfies(entry -> assertThat(entry.reason()).isEqualTo("JIRA-8"));
    });
  }

  @Test
  void withoutTheHostsCsrfTokenAChangeIsRefused() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      assertThat(console.perform(resetJson("acme").with(user("otto").roles("operator"))).getStatus())
          .isEqualTo(403);
      assertThat(console.perform(post("/admin/quota/tenant/apply").contentType("application/x-www-form-urlencoded")
          .header("Sec-Fetch-Site", "same-origin").param("tenant", "acme").param("action", "reset-usage")
          .param("reason", "x").with(user("otto").roles("operator")).with(csrf().useInvalidToken())).getStatus())
          .isEqualTo(403);
      assertThat(console.quota().guard().canProceed(acme)).isFalse();
      assertThat(console.resets(acme)).isEmpty();
    });
  }

  @Test
  void aCrossSiteRequestIsRefusedEvenWithTheHostsToken() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      MockHttpServletResponse refused = console.perform(post("/admin/quota/api/tenants/acme/reset-usage")
          .contentType("application/json").header("Sec-Fetch-Site", "cross-site").content("{\"reason\":\"x\"}")
          .with(user("otto").roles("operator")).with(csrf()));
      assertThat(refused.getStatus()).isEqualTo(403);
      assertThat(console.contentOf(refused)).contains("cross-site request refused");
      assertThat(console.quota().guard().canProceed(acme)).isFalse();
    });
  }

  @Test
  void changesBeyondTheRateLimitAre429WithRetryAfter() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      for (int i = 0; i < QuotaConsole.DEFAULT_CHANGES_PER_ACTOR; i++) {
        assertThat(console.perform(resetJson("acme").with(user("otto").roles("operator")).with(csrf()))
            .getStatus()).isEqualTo(200);
      }
      MockHttpServletResponse limited = console.perform(resetJson("acme").with(user("otto").roles("operator"))
          .with(csrf()));
      assertThat(limited.getStatus()).isEqualTo(429);
      assertThat(limited.getHeader("Retry-After")).matches("[1-9][0-9]*");
      assertThat(console.resets(acme)).hasSize(QuotaConsole.DEFAULT_CHANGES_PER_ACTOR);
      // another actor has a budget of their own
      assertThat(console.perform(resetJson("acme").with(user("olga").roles("operator")).with(csrf()))
          .getStatus()).isEqualTo(200);
    });
  }

  @Test
  void aRepeatedIdempotencyKeyReturnsTheFirstAnswerAndWritesOnce() {
    withConsole(console -> {
      TenantId acme = console.blocked("acme");
      MockHttpServletResponse first = console.perform(resetJson("acme").header("Idempotency-Key", "k-1")
          .with(user("otto").roles("operator")).with(csrf()));
      MockHttpServletResponse second = console.perform(resetJson("acme").header("Idempotency-Key", "k-1")
          .with(user("otto").roles("operator")).with(csrf()));
      assertThat(first.getStatus()).isEqualTo(200);
      assertThat(second.getStatus()).isEqualTo(200);
      assertThat(console.contentOf(second)).isEqualTo(console.contentOf(first));
      assertThat(console.resets(acme)).hasSize(1);
    });
  }

  @Test
  void responsesCarryTheConsolesSecurityHeaders() {
    withConsole(console -> {
      MockHttpServletResponse page = console.perform(get("/admin/quota/tenants").with(user("vera").roles("viewer")));
      assertThat(page.getHeader("Content-Security-Policy")).contains("frame-ancestors 'none'");
      assertThat(page.getHeader("Cache-Control")).isEqualTo("no-store");
      assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    });
  }
}
