package dev.quota.admin.web;

import static dev.quota.admin.web.ConsoleFixture.OPERATOR;
import static dev.quota.admin.web.ConsoleFixture.VIEWER;
import static dev.quota.admin.web.ConsoleFixture.get;
import static dev.quota.admin.web.ConsoleFixture.postJson;
import static dev.quota.admin.web.ConsoleFixture.tenantWithUsage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.PageRequest;
import dev.quota.admin.UsageReportView;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console's core against the in-memory store: pages, API, and the security rules that need no server. */
class QuotaConsoleTest {
  private final TestClock clock = TestClock.at("2026-12-05T10:00:00Z");
  private Quota quota;
  private QuotaConsole console;

  @BeforeEach
  void setUp() {
    quota = Quota.builder().store(new InMemoryQuotaStore()).clock(clock).build();
    console = QuotaConsole.builder().quota(quota).rateLimit(3, 5, Duration.ofMinutes(1)).build();
  }

  @AfterEach
  void tearDown() {
    quota.close();
  }

  private int changes(TenantId tenant) {
    return quota.admin().audit(AuditQuery.of(tenant).operations(AdminOperation.RESET_USAGE, AdminOperation.GRANT_CREDIT,
        AdminOperation.BYPASS, AdminOperation.OVERRIDE_TIER, AdminOperation.GRANT_ONE_TIME_CREDIT,
        AdminOperation.OVERRIDE_LIMIT, AdminOperation.REVOKE, AdminOperation.SET_PARENT), PageRequest.first(100))
        .items().size();
  }

  @Test
  void tenantsPageListsTheMostUtilizedFirstWithPercentAsText() {
    tenantWithUsage(quota, "calm", 10_000);
    tenantWithUsage(quota, "busy", 100_000);

    ConsoleResponse response = console.handle(get("/quota/tenants", "vera", VIEWER));

    assertThat(response.status()).isEqualTo(200);
    String html = response.bodyText();
    assertThat(html.indexOf(">busy<")).isPositive().isLessThan(html.indexOf(">calm<"));
    assertThat(html).contains("100.0%", "10.0%", "blocked", "free (plan)", "<caption>", "scope=\"col\"",
        "role=\"status\"", "Skip to content");
  }

  @Test
  void tenantsPageFiltersBlockedTenantsAndSearchesByPrefix() {
    tenantWithUsage(quota, "acme-a", 100_000);
    tenantWithUsage(quota, "acme-b", 10);
    tenantWithUsage(quota, "other", 100_000);

    String html = console.handle(get("/quota/tenants?prefix=acme-&status=blocked", "vera", VIEWER)).bodyText();

    assertThat(html).contains(">acme-a<").doesNotContain(">acme-b<").doesNotContain(">other<");
  }

  @Test
  void viewerSeesNoChangeControls() {
    tenantWithUsage(quota, "acme", 5);

    String viewer = console.handle(get("/quota/tenant?tenant=acme", "vera", VIEWER)).bodyText();
    String operator = console.handle(get("/quota/tenant?tenant=acme", "otto", OPERATOR)).bodyText();

    assertThat(viewer).doesNotContain("<form method=\"post\"").doesNotContain("Reset usage…")
        .doesNotContain("Give credit…").doesNotContain("Override limit…").doesNotContain("Set parent…");
    assertThat(operator).contains("<form method=\"post\"", "Reset usage…", "Grant…", "Give credit…", "Override…",
        "Override limit…", "Bypass…", "Set plan…", "Set parent…");
  }

  @Test
  void noPrincipalIsUnauthorized() {
    ConsoleResponse response = console.handle(ConsoleRequest.builder("GET", "/quota/api/tenants").build());

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("Content-Type")).contains("application/problem+json");
  }

  @Test
  void principalWithoutEitherRoleIsForbidden() {
    ConsoleResponse response = console.handle(get("/quota/tenants", "mallory", java.util.Set.of("user")));

    assertThat(response.status()).isEqualTo(403);
  }

  @Test
  void viewerGetsForbiddenOnEveryChangeAndNothingIsWritten() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);

    for (String action : java.util.List.of("reset-usage", "grants", "credits", "overrides", "limits", "bypasses",
        "revoke", "plan", "parent")) {
      ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/" + action,
          "{\"reason\":\"try\"}", "vera", VIEWER));
      assertThat(response.status()).as(action).isEqualTo(403);
    }
    assertThat(changes(tenant)).isZero();
  }

  @Test
  void resetThroughTheApiUnblocksAndAuditsThePrincipalNotABodyField() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);

    ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/reset-usage",
        "{\"reason\":\"JIRA-1\",\"actor\":\"someone-else\"}", "otto", OPERATOR));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).contains("\"operation\":\"RESET_USAGE\"");
    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(quota.admin().audit(AuditQuery.of(tenant).operations(AdminOperation.RESET_USAGE), PageRequest.first(5))
        .items()).singleElement().satisfies(e -> assertThat(e.actor().id()).isEqualTo("otto"));
  }

  @Test
  void badInputIsAProblemNamingTheFieldAndWritesNothing() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);

    ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/grants",
        "{\"meter\":\"ai-tokens\",\"amount\":\"-5\",\"until\":\"2026-12-10\",\"reason\":\"x\"}", "otto", OPERATOR));

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.header("Content-Type")).contains("application/problem+json");
    assertThat(response.bodyText()).contains("\"field\":\"amount\"", "\"status\":400");
    assertThat(changes(tenant)).isZero();
  }

  @Test
  void aReasonOfTenThousandCharactersIsRefusedNamingTheReason() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);

    ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/reset-usage",
        "{\"reason\":\"" + "<b>".repeat(3334) + "\"}", "otto", OPERATOR));

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.bodyText()).contains("\"field\":\"reason\"");
    assertThat(changes(tenant)).isZero();
  }

  @Test
  void tenantIdsWithSlashAndPercentWorkInAnEncodedSegmentAndInTheQuery() {
    TenantId tenant = tenantWithUsage(quota, "team/a%b", 100_000);

    ConsoleResponse bySegment = console.handle(get("/quota/api/tenants/team%2Fa%25b", "vera", VIEWER));
    ConsoleResponse byQuery = console.handle(get("/quota/api/tenant?tenant=team%2Fa%25b", "vera", VIEWER));
    ConsoleResponse reset = console.handle(postJson("/quota/api/tenants/team%2Fa%25b/reset-usage",
        "{\"reason\":\"slash\"}", "otto", OPERATOR));

    assertThat(bySegment.bodyText()).contains("\"tenant\":\"team/a%b\"", "\"known\":true");
    assertThat(byQuery.bodyText()).contains("\"tenant\":\"team/a%b\"");
    assertThat(reset.status()).isEqualTo(200);
    assertThat(quota.guard().canProceed(tenant)).isTrue();
  }

  @Test
  void aTokenTheHostChecksIsPutIntoFormsAndNotComparedAgain() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    ConsoleResponse page = console.handle(ConsoleRequest.builder("GET", "/quota/tenant").query("tenant=acme")
        .principal("otto", OPERATOR).hostCheckedCsrfToken("masked-1").build());
    assertThat(page.bodyText()).contains("name=\"_csrf\" value=\"masked-1\"");

    // the host's token changes with every request (Spring Security masks it): the host has checked this one
    ConsoleResponse applied = console.handle(ConsoleRequest.builder("POST", "/quota/tenant/apply")
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/x-www-form-urlencoded")
        .body("tenant=acme&action=reset-usage&reason=JIRA-2&_csrf=masked-1")
        .principal("otto", OPERATOR).hostCheckedCsrfToken("masked-2").build());
    assertThat(applied.status()).isEqualTo(303);
    assertThat(quota.guard().canProceed(tenant)).isTrue();

    ConsoleResponse crossSite = console.handle(ConsoleRequest.builder("POST", "/quota/tenant/apply")
        .header("Sec-Fetch-Site", "cross-site").header("Content-Type", "application/x-www-form-urlencoded")
        .body("tenant=acme&action=reset-usage&reason=JIRA-3&_csrf=masked-2")
        .principal("otto", OPERATOR).hostCheckedCsrfToken("masked-3").build());
    assertThat(crossSite.status()).as("the console's own cross-site check still applies").isEqualTo(403);
  }

  @Test
  void aRepeatedIdempotencyKeyReturnsTheFirstAnswerAndWritesOnce() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);
    String body = "{\"meter\":\"ai-tokens\",\"amount\":1000,\"until\":\"2026-12-10T00:00:00Z\",\"reason\":\"once\"}";
    ConsoleRequest request = ConsoleRequest.builder("POST", "/quota/api/tenants/acme/grants")
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/json")
        .header("Idempotency-Key", "k-1").body(body).principal("otto", OPERATOR).build();

    ConsoleResponse first = console.handle(request);
    ConsoleResponse second = console.handle(request);

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.bodyText()).isEqualTo(first.bodyText());
    assertThat(quota.admin().entitlements(tenant)).hasSize(1);
  }

  @Test
  void changesBeyondTheActorsRateAreRefusedWithRetryAfter() {
    tenantWithUsage(quota, "acme", 100);
    for (int i = 0; i < 3; i++) {
      assertThat(console.handle(postJson("/quota/api/tenants/acme/bypasses",
          "{\"until\":\"2026-12-06T00:00:00Z\",\"reason\":\"r" + i + "\"}", "otto", OPERATOR)).status())
          .isEqualTo(200);
    }

    ConsoleResponse refused = console.handle(postJson("/quota/api/tenants/acme/bypasses",
        "{\"until\":\"2026-12-06T00:00:00Z\",\"reason\":\"r4\"}", "otto", OPERATOR));

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.header("Retry-After")).contains("60");
    clock.advance(Duration.ofMinutes(1));
    assertThat(console.handle(postJson("/quota/api/tenants/acme/bypasses",
        "{\"until\":\"2026-12-06T00:00:00Z\",\"reason\":\"r5\"}", "otto", OPERATOR)).status()).isEqualTo(200);
  }

  @Test
  void theGlobalCapRefusesEveryActorOnceReached() {
    tenantWithUsage(quota, "acme", 100);
    int permitted = 0;
    for (String actor : java.util.List.of("a1", "a2", "a3")) {
      for (int i = 0; i < 2; i++) {
        if (console.handle(postJson("/quota/api/tenants/acme/bypasses",
            "{\"until\":\"2026-12-06T00:00:00Z\",\"reason\":\"r\"}", actor, OPERATOR)).status() == 200) {
          permitted++;
        }
      }
    }
    assertThat(permitted).isEqualTo(5);
  }

  @Test
  void crossSiteChangesAreRefused() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    ConsoleRequest crossSite = ConsoleRequest.builder("POST", "/quota/api/tenants/acme/reset-usage")
        .header("Sec-Fetch-Site", "cross-site").header("Content-Type", "application/json")
        .body("{\"reason\":\"x\"}").principal("otto", OPERATOR).build();
    ConsoleRequest foreignOrigin = ConsoleRequest.builder("POST", "/quota/api/tenants/acme/reset-usage")
        .header("Origin", "https://evil.example").header("Host", "console.example")
        .header("Content-Type", "application/json").body("{\"reason\":\"x\"}").principal("otto", OPERATOR).build();
    ConsoleRequest sameOrigin = ConsoleRequest.builder("POST", "/quota/api/tenants/acme/reset-usage")
        .header("Origin", "https://console.example").header("Host", "console.example")
        .header("Content-Type", "application/json").body("{\"reason\":\"x\"}").principal("otto", OPERATOR).build();

    assertThat(console.handle(crossSite).status()).isEqualTo(403);
    assertThat(console.handle(foreignOrigin).status()).isEqualTo(403);
    assertThat(changes(tenant)).isZero();
    assertThat(console.handle(sameOrigin).status()).isEqualTo(200);
  }

  @Test
  void everyResponseCarriesTheSecurityHeaders() {
    for (ConsoleResponse response : java.util.List.of(console.handle(get("/quota/tenants", "vera", VIEWER)),
        console.handle(ConsoleRequest.builder("GET", "/quota/tenants").build()),
        console.handle(get("/quota/api/audit", "vera", VIEWER)))) {
      assertThat(response.header("Content-Security-Policy")).contains("default-src 'none'; style-src 'self'; "
          + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      assertThat(response.header("Cache-Control")).contains("no-store");
      assertThat(response.header("X-Content-Type-Options")).contains("nosniff");
      assertThat(response.header("Referrer-Policy")).contains("same-origin");
    }
  }

  @Test
  void hostileTenantIdsAndReasonsAreShownEscaped() {
    String hostile = "<script>alert('x')</script>\"onmouseover=\"x";
    TenantId tenant = tenantWithUsage(quota, hostile, 100_000);
    ConsoleRequest reset = ConsoleRequest.builder("POST", "/quota/api/tenant/reset-usage")
        .query("tenant=" + java.net.URLEncoder.encode(hostile, java.nio.charset.StandardCharsets.UTF_8))
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/json")
        .body("{\"reason\":\"<img src=x onerror=alert(1)>\\n'quoted' \\\"double\\\"\"}")
        .principal("otto", OPERATOR).build();
    assertThat(console.handle(reset).status()).isEqualTo(200);

    for (String page : java.util.List.of("/quota/tenants", "/quota/audit", "/quota/tenant?tenant="
        + java.net.URLEncoder.encode(hostile, java.nio.charset.StandardCharsets.UTF_8))) {
      String html = console.handle(get(page, "otto", OPERATOR)).bodyText();
      // a quote is harmless in text; in an attribute value (the forms' hidden tenant field) it must be escaped
      assertThat(html).as(page).doesNotContain("<script>", "</script>", "<img src=x", "value=\"<");
    }
    String tenantPage = console.handle(get("/quota/tenant?tenant=" + java.net.URLEncoder.encode(hostile,
        java.nio.charset.StandardCharsets.UTF_8), "otto", OPERATOR)).bodyText();
    assertThat(tenantPage).contains("&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;")
        .doesNotContain("</script>\"onmouseover=\"x\"");
    assertThat(tenantPage.contains("&#34;onmouseover=&#34;x") || tenantPage.contains("&quot;onmouseover=&quot;x"))
        .as("the quote escaped in the hidden field's value").isTrue();
    assertThat(quota.guard().canProceed(tenant)).isTrue();
  }

  @Test
  void theFormFlowConfirmsThenAppliesOnceAndRedirectsWithAStatusMessage() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    ConsoleRequest confirm = form("/quota/tenant/confirm",
        "tenant=acme&action=grants&meter=ai-tokens&amount=1000000&until=2027-01-01T00%3A00&reason=demo");

    ConsoleResponse confirmation = console.handle(confirm);

    assertThat(confirmation.status()).isEqualTo(200);
    assertThat(confirmation.bodyText()).contains("acme: grant 1,000,000 ai-tokens per period until 2027-01-01 00:00 UTC;"
        + " history kept");
    assertThat(quota.admin().entitlements(tenant)).isEmpty();

    String key = confirmation.bodyText().replaceAll("(?s).*name=\"idempotencyKey\" value=\"([0-9a-f]+)\".*", "$1");
    String apply = "tenant=acme&action=grants&meter=ai-tokens&amount=1000000&until=2027-01-01T00%3A00%3A00Z"
        + "&reason=demo&idempotencyKey=" + key;
    ConsoleResponse applied = console.handle(form("/quota/tenant/apply", apply));
    ConsoleResponse again = console.handle(form("/quota/tenant/apply", apply));

    assertThat(applied.status()).isEqualTo(303);
    assertThat(again.header("Location")).isEqualTo(applied.header("Location"));
    assertThat(quota.admin().entitlements(tenant)).hasSize(1);
    String location = applied.header("Location").orElseThrow();
    String page = console.handle(get(location, "otto", OPERATOR)).bodyText();
    assertThat(page).contains("role=\"status\"", "Done. acme: grant 1,000,000");
  }

  @Test
  void auditPageFiltersByOperationAndActor() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);
    quota.admin().resetUsage(tenant, dev.quota.admin.Actor.of("otto"), "reset by otto");
    quota.admin().bypass(tenant, clock.instant().plus(Duration.ofDays(1)), dev.quota.admin.Actor.of("olga"),
        "bypass by olga");

    String resets = console.handle(get("/quota/audit?operation=RESET_USAGE", "vera", VIEWER)).bodyText();
    String olga = console.handle(get("/quota/api/audit?actor=olga", "vera", VIEWER)).bodyText();

    assertThat(resets).contains("reset by otto").doesNotContain("bypass by olga");
    assertThat(olga).contains("bypass by olga").doesNotContain("reset by otto");
  }

  @Test
  void theApiShowsAReportInTheShapeTheCommandLineAndTheActuatorUse() {
    TenantId tenant = tenantWithUsage(quota, "acme", 1_000);

    String api = console.handle(get("/quota/api/tenants", "vera", VIEWER)).bodyText();

    UsageReportView view = UsageReportView.of(quota.guard().usage(tenant, Meter.AI_TOKENS));
    for (var component : UsageReportView.class.getRecordComponents()) {
      assertThat(api).as("field %s", component.getName()).contains("\"" + component.getName() + "\":");
    }
    assertThat(api).contains("\"used\":" + view.used(), "\"ceiling\":" + view.ceiling(),
        "\"resetsAt\":\"" + view.resetsAt() + "\"", "\"statuses\":[");
  }

  @Test
  void theTenantsLatestLedgerEntriesAreShownAndPagedInTheApi() {
    TenantId tenant = tenantWithUsage(quota, "acme", 0);
    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1234, dev.quota.UsageKey.of("req-1"));
    clock.advance(Duration.ofMinutes(1));
    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 5, dev.quota.UsageKey.of("req-2"));

    String page = console.handle(get("/quota/tenant?tenant=acme", "vera", VIEWER)).bodyText();
    String api = console.handle(get("/quota/api/tenants/acme/ledger?size=1", "vera", VIEWER)).bodyText();

    assertThat(page).contains("Latest recorded usage", "req-1", "1,234", "req-2");
    assertThat(page.indexOf("req-2")).isLessThan(page.indexOf("req-1"));
    assertThat(api).contains("\"key\":\"req-2\"", "\"hasMore\":true").doesNotContain("req-1");
  }

  @Test
  void everyChangeAndEveryRefusalIsOneLogLineNamingActorOperationTenantAndOutcome() {
    tenantWithUsage(quota, "acme", 100_000);
    try (ConsoleLogs logs = new ConsoleLogs()) {
      console.handle(postJson("/quota/api/tenants/acme/reset-usage", "{\"reason\":\"ok\"}", "otto", OPERATOR));
      console.handle(postJson("/quota/api/tenants/acme/reset-usage", "{\"reason\":\"no\"}", "vera", VIEWER));
      console.handle(postJson("/quota/api/tenants/acme/reset-usage", "{}", "otto", OPERATOR));

      assertThat(logs.lines()).hasSize(3);
      assertThat(logs.lines().get(0)).contains("actor=\"otto\"", "operation=RESET_USAGE", "tenant=\"acme\"",
          "outcome=\"done\"");
      assertThat(logs.lines().get(1)).contains("actor=\"vera\"", "acme", "outcome=403");
      assertThat(logs.lines().get(2)).contains("actor=\"otto\"", "acme", "outcome=400", "reason");
    }
  }

  @Test
  void anUnknownTenantsPageSaysSoAndSuggestsKnownIds() {
    tenantWithUsage(quota, "acme", 10);

    String page = console.handle(get("/quota/tenant?tenant=acmee", "vera", VIEWER)).bodyText();

    assertThat(page).contains("role=\"alert\"", "is unknown", "did you mean 'acme'?");
  }

  @Test
  void theStylesheetIsServedByTheModule() {
    ConsoleResponse css = console.handle(ConsoleRequest.builder("GET", "/quota/console.css").build());

    assertThat(css.status()).isEqualTo(200);
    assertThat(css.header("Content-Type")).contains("text/css; charset=utf-8");
    assertThat(css.body().length).isBetween(500, 8 * 1024);
  }

  @Test
  void meterNamesAreCheckedAgainstTheCatalogue() {
    ConsoleResponse response = console.handle(get("/quota/api/tenants?meter=nope", "vera", VIEWER));

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.bodyText()).contains("\"field\":\"meter\"");
    assertThat(Meter.AI_TOKENS.name()).isEqualTo("ai-tokens");
  }

  @Test
  void aOneTimeCreditThroughTheApiUnblocksIsAuditedAndIsShownWithWhatWasDrawn() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100_000);

    ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/credits",
        "{\"meter\":\"ai-tokens\",\"amount\":\"5000\",\"until\":\"2027-03-01T00:00:00Z\","
            + "\"reason\":\"order 42: top-up pack\"}", "otto", OPERATOR));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).contains("\"operation\":\"GRANT_ONE_TIME_CREDIT\"",
        "\"kind\":\"one-time-credit\"", "\"amount\":5000", "\"drawn\":0", "\"createdBy\":\"otto\"");
    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(quota.admin().audit(AuditQuery.of(tenant).operations(AdminOperation.GRANT_ONE_TIME_CREDIT),
        PageRequest.first(5)).items()).singleElement().satisfies(e -> {
          assertThat(e.actor().id()).isEqualTo("otto");
          assertThat(e.reason()).isEqualTo("order 42: top-up pack");
        });

    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1_200, dev.quota.UsageKey.random());
    String page = console.handle(get("/quota/tenant?tenant=acme", "vera", VIEWER)).bodyText();

    assertThat(page).contains("<caption>One-time credits, newest first</caption>", "3,800 one-time credit left");
    assertThat(page.replaceAll("\\s+", " ")).contains("<th scope=\"row\">ai-tokens</th><td class=\"num\">5,000</td>"
        + "<td class=\"num\">1,200</td> <td class=\"num\">3,800</td><td>2027-03-01 00:00 UTC</td><td>otto</td>"
        + "<td class=\"reason\">order 42: top-up pack</td> <td>active</td>");
  }

  @Test
  void badCreditInputIsAProblemNamingTheFieldAndWritesNothing() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);
    java.util.Map<String, String> bodies = java.util.Map.of(
        "amount", "{\"meter\":\"ai-tokens\",\"amount\":\"0\",\"until\":\"2027-01-01\",\"reason\":\"x\"}",
        "until", "{\"meter\":\"ai-tokens\",\"amount\":\"10\",\"until\":\"2026-12-01\",\"reason\":\"x\"}",
        "meter", "{\"meter\":\"gpu\",\"amount\":\"10\",\"until\":\"2027-01-01\",\"reason\":\"x\"}",
        "reason", "{\"meter\":\"ai-tokens\",\"amount\":\"10\",\"until\":\"2027-01-01\"}");

    bodies.forEach((field, body) -> {
      ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/credits", body, "otto", OPERATOR));
      assertThat(response.status()).as(field).isEqualTo(400);
      assertThat(response.header("Content-Type")).as(field).contains("application/problem+json");
      assertThat(response.bodyText()).as(field).contains("\"field\":\"" + field + "\"");
    });
    assertThat(quota.admin().entitlements(tenant)).isEmpty();
    assertThat(changes(tenant)).isZero();
  }

  @Test
  void aLimitOverrideIsShownAsTheLimitsSourceAndRevokedThroughTheApi() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);

    ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/limits",
        "{\"meter\":\"ai-tokens\",\"limit\":\"50\",\"reason\":\"abuse ticket 7\"}", "otto", OPERATOR));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).contains("\"operation\":\"OVERRIDE_LIMIT\"", "\"kind\":\"limit-override\"",
        "\"limit\":50", "\"validUntil\":\"9999-12-31T00:00:00Z\"");
    assertThat(quota.guard().canProceed(tenant)).as("a lower limit blocks at once").isFalse();
    String page = console.handle(get("/quota/tenant?tenant=acme", "vera", VIEWER)).bodyText();
    assertThat(page).contains("own limit by otto, until revoked: abuse ticket 7", "<td>until revoked</td>");

    String id = response.bodyText().replaceAll("(?s).*\"entitlement\":\\{\"id\":\"([^\"]+)\".*", "$1");
    ConsoleResponse revoked = console.handle(postJson("/quota/api/tenants/acme/revoke",
        "{\"entitlement\":\"" + id + "\",\"reason\":\"ticket closed\"}", "otto", OPERATOR));

    assertThat(revoked.status()).isEqualTo(200);
    assertThat(quota.guard().canProceed(tenant)).isTrue();
    assertThat(console.handle(get("/quota/tenant?tenant=acme", "vera", VIEWER)).bodyText())
        .doesNotContain("own limit by otto").contains("revoked 2026-12-05 10:00 UTC by otto: ticket closed");
  }

  @Test
  void badLimitInputIsAProblemNamingTheFieldAndWritesNothing() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);
    java.util.Map<String, String> bodies = java.util.Map.of(
        "limit", "{\"meter\":\"ai-tokens\",\"limit\":\"-1\",\"reason\":\"x\"}",
        "until", "{\"meter\":\"ai-tokens\",\"limit\":\"5\",\"until\":\"next week\",\"reason\":\"x\"}",
        "meter", "{\"limit\":\"5\",\"reason\":\"x\"}");

    bodies.forEach((field, body) -> {
      ConsoleResponse response = console.handle(postJson("/quota/api/tenants/acme/limits", body, "otto", OPERATOR));
      assertThat(response.status()).as(field).isEqualTo(400);
      assertThat(response.bodyText()).as(field).contains("\"field\":\"" + field + "\"");
    });
    ConsoleResponse words = console.handle(postJson("/quota/api/tenants/acme/limits",
        "{\"meter\":\"ai-tokens\",\"limit\":\"lots\",\"reason\":\"x\"}", "otto", OPERATOR));
    assertThat(words.bodyText()).contains("\"field\":\"limit\"", "must be a whole number or 'unlimited'");
    assertThat(quota.admin().entitlements(tenant)).isEmpty();
    assertThat(changes(tenant)).isZero();
  }

  @Test
  void aRepeatedIdempotencyKeyGivesACreditOnce() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);
    ConsoleRequest request = ConsoleRequest.builder("POST", "/quota/api/tenants/acme/credits")
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42")
        .body("{\"meter\":\"ai-tokens\",\"amount\":5000,\"until\":\"2027-01-01T00:00:00Z\",\"reason\":\"pack\"}")
        .principal("otto", OPERATOR).build();

    ConsoleResponse first = console.handle(request);
    ConsoleResponse second = console.handle(request);

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.bodyText()).isEqualTo(first.bodyText());
    assertThat(quota.admin().entitlements(tenant)).hasSize(1);
  }

  @Test
  void theLimitFormConfirmsThenAppliesOnceUntilTheTypedTime() {
    TenantId tenant = tenantWithUsage(quota, "acme", 100);
    ConsoleResponse confirmation = console.handle(form("/quota/tenant/confirm",
        "tenant=acme&action=limits&meter=ai-tokens&limit=2_000_000&until=2027-01-01T00%3A00&reason=contract+9"));

    assertThat(confirmation.status()).isEqualTo(200);
    assertThat(confirmation.bodyText()).contains("acme: limit ai-tokens to 2,000,000 per period in place of its tier"
        + "'s limit, until 2027-01-01 00:00 UTC");
    assertThat(quota.admin().entitlements(tenant)).isEmpty();

    String key = confirmation.bodyText().replaceAll("(?s).*name=\"idempotencyKey\" value=\"([0-9a-f]+)\".*", "$1");
    String apply = "tenant=acme&action=limits&meter=ai-tokens&limit=2000000&until=2027-01-01T00%3A00%3A00Z"
        + "&reason=contract+9&idempotencyKey=" + key;
    ConsoleResponse applied = console.handle(form("/quota/tenant/apply", apply));
    ConsoleResponse again = console.handle(form("/quota/tenant/apply", apply));

    assertThat(applied.status()).isEqualTo(303);
    assertThat(again.header("Location")).isEqualTo(applied.header("Location"));
    assertThat(quota.admin().entitlements(tenant)).singleElement().satisfies(e -> {
      assertThat(e).isInstanceOf(dev.quota.admin.LimitOverride.class);
      assertThat(((dev.quota.admin.LimitOverride) e).limit()).isEqualTo(2_000_000);
      assertThat(e.validUntil()).isEqualTo(java.time.Instant.parse("2027-01-01T00:00:00Z"));
    });
    assertThat(quota.guard().usage(tenant, Meter.AI_TOKENS).limit()).isEqualTo(2_000_000);
  }

  @Test
  void theTenantPageShowsUsagePerDayAsATableWithNumbersBesideTheBars() {
    TenantId tenant = tenantWithUsage(quota, "acme", 3_000);
    clock.advance(Duration.ofDays(1));
    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 1_500, dev.quota.UsageKey.random());

    String page = console.handle(get("/quota/tenant?tenant=acme", "vera", VIEWER)).bodyText();

    assertThat(page).contains("<caption>Usage of ai-tokens per day, last 14 days (days in UTC, total 4,500)</caption>",
        "<th scope=\"row\">2026-11-23</th><td class=\"num\">0</td>",
        "<th scope=\"row\">2026-12-05</th><td class=\"num\">3,000</td><td><meter min=\"0\" max=\"100\" value=\"100.0\"",
        "<th scope=\"row\">2026-12-06</th><td class=\"num\">1,500</td><td><meter min=\"0\" max=\"100\" value=\"50.0\"")
        .doesNotContain("2026-11-22").doesNotContain("<script");
  }

  private static ConsoleRequest form(String path, String body) {
    return ConsoleRequest.builder("POST", path).header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/x-www-form-urlencoded").body(body).principal("otto", OPERATOR).build();
  }
}
