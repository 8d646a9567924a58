package dev.quota.spring.boot.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.quota.Quota;
import dev.quota.admin.web.QuotaConsole;
import dev.quota.spring.boot.autoconfigure.QuotaConsoleAutoConfiguration;
import dev.quota.testkit.InMemoryQuotaStore;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

/** When the starter mounts the console, and when it refuses to start. */
class ConsoleAutoConfigurationTest {
  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(QuotaConsoleAutoConfiguration.class))
      .withUserConfiguration(InMemoryQuota.class);

  @Configuration(proxyBeanMethods = false)
  @EnableWebMvc
  static class InMemoryQuota {
    @Bean(destroyMethod = "close")
    Quota quota() {
      return Quota.builder().store(new InMemoryQuotaStore()).build();
    }
  }

  private static MockHttpServletResponse perform(MockMvc mvc, MockHttpServletRequestBuilder request)
      throws Exception {
    return mvc.perform(request).andReturn().getResponse();
  }

  @Test
  void offUnlessEnabled() {
    runner.run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(QuotaConsole.class)
          .doesNotHaveBean("quotaConsoleHandlerMapping");
      MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
      assertThat(perform(mvc, get("/quota/tenants")).getStatus()).isEqualTo(404);
    });
    runner.withPropertyValues("quota.console.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(QuotaConsole.class));
  }

  @Test
  void enabledWithSpringSecurityItIsMountedUnderItsPath() {
    runner.withPropertyValues("quota.console.enabled=true", "quota.console.path=/ops/quota").run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(QuotaConsole.class);
      assertThat(context.getBean(QuotaConsole.class).basePath()).isEqualTo("/ops/quota");
      assertThat(context.getBean("quotaConsoleHandlerMapping")).isInstanceOf(SimpleUrlHandlerMapping.class);
      MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
      // no Spring Security filter in this context: nobody is signed in
      assertThat(perform(mvc, get("/ops/quota/tenants")).getStatus()).isEqualTo(401);
      assertThat(perform(mvc, get("/quota/tenants")).getStatus()).isEqualTo(404);
    });
  }

  @Test
  void enabledWithoutSpringSecurityStartUpFailsSayingHowToSecureIt() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withPropertyValues("quota.console.enabled=true").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("Spring Security is not on the class path")
              .hasMessageContaining("spring-boot-starter-security")
              .hasMessageContaining("quota.console.loopback-only=true");
        });
  }

  @Test
  void loopbackOnlyWithoutSpringSecurityAnswersOnlyThisMachine() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withPropertyValues("quota.console.enabled=true", "quota.console.loopback-only=true").run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(QuotaConsole.class);
          MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
          MockHttpServletResponse remote = perform(mvc, get("/quota/tenants").with(request -> {
            request.setRemoteAddr("192.0.2.7");
            return request;
          }));
          assertThat(remote.getStatus()).isEqualTo(403);
          MockHttpServletResponse local = perform(mvc, get("/quota/tenants").with(request -> {
            request.setRemoteAddr("127.0.0.1");
            return request;
          }));
          assertThat(local.getStatus()).as("nobody signed in to the servlet container").isEqualTo(401);
          MockHttpServletResponse signedIn = perform(mvc, get("/quota/tenants").with(request -> {
            request.setRemoteAddr("127.0.0.1");
            request.setUserPrincipal(() -> "vera");
            request.addUserRole("viewer");
            return request;
          }));
          assertThat(signedIn.getStatus()).isEqualTo(200);
        });
  }
}
