package dev.quota.admin.web;

import static dev.quota.admin.web.ConsoleFixture.OPERATOR;
import static dev.quota.admin.web.ConsoleFixture.VIEWER;
import static dev.quota.admin.web.ConsoleFixture.get;
import static dev.quota.admin.web.ConsoleFixture.postJson;
import static dev.quota.admin.web.ConsoleFixture.tenantWithUsage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.jooq.testsupport.PostgresDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The console on PostgreSQL: the listing is paged and filtered in the database, changes are audited there. */
class PostgresConsoleTest {
  @RegisterExtension
  static final PostgresDatabase database = new PostgresDatabase();

  private Quota quota;
  private QuotaConsole console;

  @BeforeEach
  void setUp() {
    PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(database.dataSource())
        .schema(database.schema()).build();
    quota = Quota.builder().store(store).build();
    console = QuotaConsole.builder().quota(quota).build();
  }

  @AfterEach
  void tearDown() {
    quota.close();
  }

  @Test
  void theTenantsPageListsBlockedTenantsFirstAndFiltersInTheDatabase() {
    tenantWithUsage(quota, "pg-calm", 1_000);
    tenantWithUsage(quota, "pg-full", 100_000);

    String all = console.handle(get("/quota/tenants?prefix=pg-", "vera", VIEWER)).bodyText();
    String blocked = console.handle(get("/quota/api/tenants?prefix=pg-&status=blocked", "vera", VIEWER)).bodyText();

    assertThat(all.indexOf(">pg-full<")).isPositive().isLessThan(all.indexOf(">pg-calm<"));
    assertThat(blocked).contains("\"tenant\":\"pg-full\"").doesNotContain("pg-calm");
  }

  @Test
  void aResetThroughTheApiUnblocksAndShowsInTheAuditLogUnderThePrincipal() {
    TenantId tenant = tenantWithUsage(quota, "pg-reset/1", 100_000);

    ConsoleResponse reset = console.handle(postJson("/quota/api/tenants/pg-reset%2F1/reset-usage",
        "{\"reason\":\"JIRA-7\"}", "otto", OPERATOR));
    String audit = console.handle(get("/quota/api/audit?operation=RESET_USAGE&actor=otto", "vera", VIEWER))
        .bodyText();

    assertThat(reset.status()).isEqualTo(200);
    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(audit).contains("\"tenant\":\"pg-reset/1\"", "\"actor\":\"otto\"", "\"reason\":\"JIRA-7\"");
  }

  @Test
  void aTenantsPathChildrenAndWindowsAreReadFromTheDatabase() {
    tenantWithUsage(quota, "pg-root", 4_000);

    String page = console.handle(get("/quota/tenant?tenant=pg-root", "vera", VIEWER)).bodyText();
    String api = console.handle(get("/quota/api/tenants/pg-root", "vera", VIEWER)).bodyText();
    String children = console.handle(get("/quota/api/tenants/pg-root/children", "vera", VIEWER)).bodyText();

    assertThat(page).contains("Parent: none (a root)", "<p>No children.</p>",
        "<a href=\"/quota/tenant?tenant=pg-root\">pg-root</a> (this tenant)</th>");
    assertThat(api).contains("\"parent\":null", "\"path\":[\"pg-root\"]",
        "{\"meter\":\"ai-tokens\",\"level\":\"pg-root\",\"levelsUp\":0,\"window\":\"period\",\"used\":4000,");
    assertThat(children).contains("\"items\":[]", "\"hasMore\":false");
  }

  @Test
  void anUnknownTenantIsRefusedNamingTheTenantAndNothingIsWritten() {
    ConsoleResponse response = console.handle(postJson("/quota/api/tenants/pg-nobody/bypasses",
        "{\"until\":\"" + java.time.Instant.now().plus(java.time.Duration.ofDays(1)) + "\",\"reason\":\"r\"}",
        "otto", OPERATOR));

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.bodyText()).contains("\"field\":\"tenant\"");
    assertThat(quota.admin().entitlements(TenantId.of("pg-nobody"))).isEmpty();
  }
}
