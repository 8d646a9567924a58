package dev.quota.admin.web;

import static dev.quota.admin.web.ConsoleFixture.OPERATOR;
import static dev.quota.admin.web.ConsoleFixture.VIEWER;
import static dev.quota.admin.web.ConsoleFixture.get;
import static dev.quota.admin.web.ConsoleFixture.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageKey;
import dev.quota.Window;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.PageRequest;
import dev.quota.period.PeriodPolicy;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console and trees of tenants: a tenant's parent, path, children and standing at every level and window on its
 * page and in the API, and the change of parent through the forms and the API, with the console's security rules.
 */
class ConsoleTreeTest {
  private static final Actor BILLING = Actor.of("billing");

  private final TestClock clock = TestClock.at("2026-12-05T10:00:20Z");
  private Quota quota;
  private QuotaConsole console;

  @BeforeEach
  void setUp() {
    // free: 100,000 a period and 1,000 a minute; pro: 1,000,000 a period and 10,000 a minute
    TierCatalogue catalogue = TierCatalogue.builder()
        .meter(Meter.AI_TOKENS, PeriodPolicy.calendarMonth())
        .tier(Tier.FREE, Map.of(Meter.AI_TOKENS, 100_000L))
        .tier(Tier.PRO, Map.of(Meter.AI_TOKENS, 1_000_000L))
        .limit(Tier.FREE, Meter.AI_TOKENS, Window.MINUTE, 1_000)
        .limit(Tier.PRO, Meter.AI_TOKENS, Window.MINUTE, 10_000)
        .defaultTier(Tier.FREE)
        .build();
    quota = Quota.builder().store(new InMemoryQuotaStore()).catalogue(catalogue).clock(clock).build();
    console = QuotaConsole.builder().quota(quota).build();
  }

  @AfterEach
  void tearDown() {
    quota.close();
  }

  private TenantId tenant(String id, Tier tier) {
    TenantId tenant = TenantId.of(id);
    quota.admin().setPlan(tenant, Plan.of(tier), BILLING, "subscribed");
    return tenant;
  }

  private TenantId child(String id, Tier tier, TenantId parent) {
    TenantId tenant = tenant(id, tier);
    quota.admin().setParent(tenant, parent, BILLING, "set up");
    return tenant;
  }

  private void consume(TenantId tenant, long amount) {
    assertThat(quota.guard().tryConsume(tenant, Meter.AI_TOKENS, amount, UsageKey.random()).allowed())
        .as("%s consumes %s", tenant, amount).isTrue();
  }

  private List<AuditEntry> parentChanges(TenantId tenant) {
    return quota.admin().audit(AuditQuery.of(tenant).operations(AdminOperation.SET_PARENT), PageRequest.first(100))
        .items();
  }

  private static String link(String tenant) {
    return "/quota/tenant?tenant=" + URLEncoder.encode(tenant, StandardCharsets.UTF_8);
  }

  private static ConsoleRequest form(String path, String body, String principal, java.util.Set<String> roles) {
    return ConsoleRequest.builder("POST", path).header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/x-www-form-urlencoded").body(body).principal(principal, roles).build();
  }

  private static ConsoleRequest form(String path, String body) {
    return form(path, body, "otto", OPERATOR);
  }

  private static String oneLine(String html) {
    return html.replaceAll("\\s+", " ");
  }

  // ---------------------------------------------------------------- pages

  @Test
  void theTenantPageShowsItsParentAsALinkAndItsPathFromTheRoot() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = child("acme-research", Tier.PRO, acme);
    child("acme-research/key-1", Tier.FREE, research);

    String page = oneLine(console.handle(get(link("acme-research/key-1"), "vera", VIEWER)).bodyText());
    String root = oneLine(console.handle(get(link("acme"), "vera", VIEWER)).bodyText());

    assertThat(page).contains("Parent: <a href=\"/quota/tenant?tenant=acme-research\">acme-research</a>",
        "<nav aria-label=\"Path from the root\" class=\"path\"> <ol><li><a href=\"/quota/tenant?tenant=acme\">acme</a>"
            + "</li><li><a href=\"/quota/tenant?tenant=acme-research\">acme-research</a></li>"
            + "<li><a href=\"/quota/tenant?tenant=acme-research%2Fkey-1\" aria-current=\"page\">acme-research/key-1"
            + "</a></li></ol>");
    assertThat(root).contains("Parent: none (a root)",
        "<ol><li><a href=\"/quota/tenant?tenant=acme\" aria-current=\"page\">acme</a></li></ol>");
  }

  @Test
  void theTenantPageListsItsChildrenWithTheirUsageAndPagesThem() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = child("acme-research", Tier.FREE, acme);
    TenantId ops = child("acme-ops", Tier.FREE, acme);
    consume(research, 900);
    clock.advance(Duration.ofMinutes(1));
    consume(research, 900);
    consume(ops, 500);
    for (int i = 0; i < 20; i++) {
      child("acme-z" + String.format("%02d", i), Tier.FREE, acme);
    }

    String page = oneLine(console.handle(get(link("acme"), "vera", VIEWER)).bodyText());

    assertThat(page).contains("<caption>Children, usage this period on ai-tokens: 1 to 20</caption>",
        "<th scope=\"row\"><a href=\"/quota/tenant?tenant=acme-research\">acme-research</a></th> <td>free (plan)</td>"
            + " <td class=\"num\">1,800</td> <td class=\"num\">100,000</td> <td class=\"num\">98,200</td>",
        "<span>1.8%</span>",
        "<th scope=\"row\"><a href=\"/quota/tenant?tenant=acme-ops\">acme-ops</a></th> <td>free (plan)</td>"
            + " <td class=\"num\">500</td>",
        "<a href=\"/quota/tenant?tenant=acme&amp;childrenOffset=20\" rel=\"next\">Next children</a>")
        .doesNotContain("acme-z19");
    assertThat(page.indexOf(">acme-ops<")).as("children by tenant id").isLessThan(page.indexOf(">acme-research<"));
    String next = oneLine(console.handle(get(link("acme") + "&childrenOffset=20", "vera", VIEWER)).bodyText());
    assertThat(next).contains("Children, usage this period on ai-tokens: 21 to 22", ">acme-z18<", ">acme-z19<",
        "rel=\"prev\">Previous children</a>").doesNotContain(">acme-ops<");
    String leaf = console.handle(get(link("acme-ops"), "vera", VIEWER)).bodyText();
    assertThat(leaf).contains("Children, usage this period on ai-tokens: none", "<p>No children.</p>");
    // the parent's own standing includes its children's usage
    assertThat(quota.guard().usage(acme, Meter.AI_TOKENS).used()).isEqualTo(2_300);
  }

  @Test
  void theWindowsTableShowsEveryLevelAndWindowAndWhichOneBlocks() {
    TenantId acme = tenant("acme", Tier.FREE);
    TenantId research = child("acme-research", Tier.PRO, acme);
    consume(research, 1_000);

    String page = oneLine(console.handle(get(link("acme-research"), "vera", VIEWER)).bodyText());

    assertThat(page).contains(
        "<caption>Standing at every level and in every window: a write must fit each row</caption>",
        "<th scope=\"row\"><a href=\"/quota/tenant?tenant=acme-research\">acme-research</a> (this tenant)</th>"
            + " <td>period</td> <td class=\"num\">1,000</td> <td class=\"num\">0</td> <td class=\"num\">1,000,000</td>"
            + " <td class=\"num\">999,000</td>",
        "<th scope=\"row\"><a href=\"/quota/tenant?tenant=acme-research\">acme-research</a> (this tenant)</th>"
            + " <td>minute</td> <td class=\"num\">1,000</td> <td class=\"num\">0</td> <td class=\"num\">10,000</td>"
            + " <td class=\"num\">9,000</td>",
        "<th scope=\"row\"><a href=\"/quota/tenant?tenant=acme\">acme</a> (parent)</th> <td>period</td>"
            + " <td class=\"num\">1,000</td> <td class=\"num\">0</td> <td class=\"num\">100,000</td>"
            + " <td class=\"num\">99,000</td>",
        "<th scope=\"row\"><a href=\"/quota/tenant?tenant=acme\">acme</a> (parent)</th> <td>minute</td>"
            + " <td class=\"num\">1,000</td> <td class=\"num\">0</td> <td class=\"num\">1,000</td>"
            + " <td class=\"num\">0</td>",
        "<td>2026-12-05 10:01 UTC</td> <td>blocked</td>",
        "aria-label=\"usage of acme per minute on ai-tokens\"");
    // the tenant first, the period before the minute, then the parent
    assertThat(page.indexOf("(this tenant)</th> <td>period")).isLessThan(page.indexOf("(this tenant)</th> <td>minute"));
    assertThat(page.indexOf("(this tenant)</th> <td>minute")).isLessThan(page.indexOf("(parent)</th> <td>period"));
    assertThat(quota.guard().canProceed(research)).as("the parent's minute blocks the child").isFalse();
  }

  @Test
  void treesAndWindowsOfHostileIdsAreShownEscaped() {
    String hostile = "<script>alert(1)</script>\"x";
    TenantId parent = tenant(hostile, Tier.PRO);
    child("<img src=x onerror=alert(2)>", Tier.FREE, parent);

    String parentPage = console.handle(get(link(hostile), "otto", OPERATOR)).bodyText();
    String childPage = console.handle(get(link("<img src=x onerror=alert(2)>"), "otto", OPERATOR)).bodyText();

    assertThat(parentPage).contains("&lt;img src=x onerror=alert(2)&gt;</a>").doesNotContain("<img src=x",
        "<script>alert");
    assertThat(childPage).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert",
        "<img src=x");
  }

  // ---------------------------------------------------------------- API reads

  @Test
  void theApiGivesParentPathAndWindowsOfATenant() {
    TenantId acme = tenant("acme", Tier.FREE);
    TenantId research = child("acme-research", Tier.PRO, acme);
    consume(research, 1_000);

    String child = console.handle(get("/quota/api/tenants/acme-research", "vera", VIEWER)).bodyText();
    String root = console.handle(get("/quota/api/tenants/acme", "vera", VIEWER)).bodyText();

    assertThat(child).contains("\"parent\":\"acme\"", "\"path\":[\"acme-research\",\"acme\"]",
        "{\"meter\":\"ai-tokens\",\"level\":\"acme-research\",\"levelsUp\":0,\"window\":\"period\",\"used\":1000,",
        "{\"meter\":\"ai-tokens\",\"level\":\"acme\",\"levelsUp\":1,\"window\":\"minute\",\"used\":1000,"
            + "\"reserved\":0,\"limit\":1000,\"ceiling\":1000,\"remaining\":0,\"percentUsed\":100.0,"
            + "\"start\":\"2026-12-05T10:00:00Z\",\"resetsAt\":\"2026-12-05T10:01:00Z\",\"blocked\":true}");
    assertThat(root).contains("\"parent\":null", "\"path\":[\"acme\"]", "\"levelsUp\":0,\"window\":\"minute\"")
        .doesNotContain("\"levelsUp\":1");
  }

  @Test
  void theApiPagesAParentsChildrenWithTheirUsage() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = child("acme-research", Tier.FREE, acme);
    child("acme-ops", Tier.FREE, acme);
    consume(research, 700);

    String first = console.handle(get("/quota/api/tenants/acme/children?size=1", "vera", VIEWER)).bodyText();
    String second = console.handle(get("/quota/api/tenants/acme/children?size=1&offset=1", "vera", VIEWER))
        .bodyText();
    String none = console.handle(get("/quota/api/tenants/acme-ops/children", "vera", VIEWER)).bodyText();

    assertThat(first).contains("\"tenant\":\"acme-ops\"", "\"used\":0", "\"hasMore\":true", "\"size\":1")
        .doesNotContain("acme-research");
    assertThat(second).contains("\"tenant\":\"acme-research\"", "\"used\":700", "\"hasMore\":false", "\"offset\":1");
    assertThat(none).isEqualTo("{\"items\":[],\"offset\":0,\"size\":50,\"hasMore\":false}");
    assertThat(console.handle(ConsoleRequest.builder("POST", "/quota/api/tenants/acme/children")
        .header("Sec-Fetch-Site", "same-origin").principal("otto", OPERATOR).build()).status()).isEqualTo(405);
  }

  // ---------------------------------------------------------------- API changes

  @Test
  void theApiSetsAndClearsAParentAuditedUnderThePrincipal() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = tenant("acme-research", Tier.PRO);
    consume(research, 300);

    ConsoleResponse set = console.handle(postJson("/quota/api/tenants/acme-research/parent",
        "{\"parent\":\"acme\",\"reason\":\"reorg 12\",\"actor\":\"someone-else\"}", "otto", OPERATOR));

    assertThat(set.status()).isEqualTo(200);
    assertThat(set.bodyText()).contains("\"tenant\":\"acme-research\"", "\"operation\":\"SET_PARENT\"",
        "\"parent\":\"acme\"", "\"previousParent\":null");
    assertThat(quota.admin().parentOf(research)).contains(acme);
    assertThat(parentChanges(research)).singleElement().satisfies(e -> {
      assertThat(e.actor().id()).isEqualTo("otto");
      assertThat(e.reason()).isEqualTo("reorg 12");
      assertThat(e.details()).containsEntry("parent", "acme");
    });
    // usage recorded before stays where it was counted; new usage counts at the parent too
    assertThat(quota.guard().usage(acme, Meter.AI_TOKENS).used()).isZero();
    consume(research, 200);
    assertThat(quota.guard().usage(acme, Meter.AI_TOKENS).used()).isEqualTo(200);

    ConsoleResponse cleared = console.handle(postJson("/quota/api/tenants/acme-research/parent",
        "{\"parent\":null,\"reason\":\"spun off\"}", "otto", OPERATOR));

    assertThat(cleared.status()).isEqualTo(200);
    assertThat(cleared.bodyText()).contains("\"parent\":null", "\"previousParent\":\"acme\"");
    assertThat(quota.admin().parentOf(research)).isEmpty();
    assertThat(parentChanges(research)).hasSize(2);
    consume(research, 100);
    assertThat(quota.guard().usage(acme, Meter.AI_TOKENS).used()).isEqualTo(200);

    assertThat(console.handle(postJson("/quota/api/tenants/acme-research/parent", "{\"parent\":\"acme\","
        + "\"reason\":\"back\"}", "otto", OPERATOR)).status()).isEqualTo(200);
    ConsoleResponse absent = console.handle(postJson("/quota/api/tenants/acme-research/parent",
        "{\"reason\":\"absent clears\"}", "otto", OPERATOR));
    assertThat(absent.status()).isEqualTo(200);
    assertThat(quota.admin().parentOf(research)).isEmpty();
  }

  @Test
  void refusedParentsAreProblemsNamingTheParentAndWriteNothing() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = child("acme-research", Tier.PRO, acme);
    // a chain of the most levels allowed: l1 > l2 > l3 > l4 > l5
    TenantId top = tenant("l1", Tier.PRO);
    TenantId below = top;
    for (int i = 2; i <= 5; i++) {
      below = child("l" + i, Tier.PRO, below);
    }
    TenantId other = tenant("other", Tier.PRO);
    Map<String, String> refusals = Map.of(
        "acme", "{\"parent\":\"acme\",\"reason\":\"self\"}",
        "acme/cycle", "{\"parent\":\"acme-research\",\"reason\":\"cycle\"}",
        "l1", "{\"parent\":\"other\",\"reason\":\"too deep\"}",
        "other", "{\"parent\":\"acmee\",\"reason\":\"typo\"}",
        "other/both", "{\"parent\":\"acme\",\"clear\":true,\"reason\":\"both\"}");
    Map<String, String> rules = Map.of("acme", "must not be the tenant itself", "acme/cycle", "would close a cycle",
        "l1", "MAX_TREE_DEPTH (5 levels)", "other", "'acmee' is unknown", "other/both", "must be empty");

    refusals.forEach((name, body) -> {
      String tenant = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
      ConsoleResponse response = console.handle(postJson("/quota/api/tenants/" + tenant + "/parent", body, "otto",
          OPERATOR));
      assertThat(response.status()).as(name).isEqualTo(400);
      assertThat(response.header("Content-Type")).as(name).contains("application/problem+json");
      assertThat(response.bodyText()).as(name).contains("\"field\":\"parent\"", rules.get(name));
    });
    ConsoleResponse badClear = console.handle(postJson("/quota/api/tenants/other/parent",
        "{\"clear\":\"maybe\",\"reason\":\"x\"}", "otto", OPERATOR));
    assertThat(badClear.bodyText()).contains("\"field\":\"clear\"");

    assertThat(quota.admin().parentOf(acme)).isEmpty();
    assertThat(quota.admin().parentOf(top)).isEmpty();
    assertThat(quota.admin().parentOf(other)).isEmpty();
    assertThat(parentChanges(acme)).isEmpty();
    assertThat(parentChanges(top)).isEmpty();
    assertThat(parentChanges(other)).isEmpty();
    assertThat(parentChanges(research)).hasSize(1);
  }

  @Test
  void onlyOperatorsFromTheSameOriginChangeAParent() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = tenant("acme-research", Tier.PRO);
    String body = "{\"parent\":\"acme\",\"reason\":\"r\"}";

    ConsoleResponse viewer = console.handle(postJson("/quota/api/tenants/acme-research/parent", body, "vera", VIEWER));
    ConsoleResponse crossSite = console.handle(ConsoleRequest.builder("POST", "/quota/api/tenants/acme-research/parent")
        .header("Sec-Fetch-Site", "cross-site").header("Content-Type", "application/json").body(body)
        .principal("otto", OPERATOR).build());
    ConsoleResponse viewerForm = console.handle(form("/quota/tenant/apply",
        "tenant=acme-research&action=parent&parent=acme&reason=r", "vera", VIEWER));
    ConsoleResponse withoutToken = console.handle(ConsoleRequest.builder("POST", "/quota/tenant/apply")
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/x-www-form-urlencoded")
        .body("tenant=acme-research&action=parent&parent=acme&reason=r").principal("otto", OPERATOR)
        .csrfToken("session-token").build());
    ConsoleResponse viewerPage = console.handle(get(link("acme-research"), "vera", VIEWER));

    assertThat(viewer.status()).isEqualTo(403);
    assertThat(crossSite.status()).isEqualTo(403);
    assertThat(viewerForm.status()).isEqualTo(403);
    assertThat(withoutToken.status()).isEqualTo(403);
    assertThat(withoutToken.bodyText()).contains("CSRF token");
    assertThat(viewerPage.bodyText()).doesNotContain("Set parent…");
    assertThat(quota.admin().parentOf(research)).isEmpty();
    assertThat(parentChanges(research)).isEmpty();

    ConsoleResponse withToken = console.handle(ConsoleRequest.builder("POST", "/quota/tenant/apply")
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/x-www-form-urlencoded")
        .body("tenant=acme-research&action=parent&parent=acme&reason=r&_csrf=session-token")
        .principal("otto", OPERATOR).csrfToken("session-token").build());
    assertThat(withToken.status()).isEqualTo(303);
    assertThat(quota.admin().parentOf(research)).contains(acme);
  }

  @Test
  void aRepeatedIdempotencyKeyMovesOnceAndTheRateLimitCountsParentChanges() {
    console = QuotaConsole.builder().quota(quota).rateLimit(3, 5, Duration.ofMinutes(1)).build();
    tenant("acme", Tier.PRO);
    TenantId research = tenant("acme-research", Tier.PRO);
    ConsoleRequest move = ConsoleRequest.builder("POST", "/quota/api/tenants/acme-research/parent")
        .header("Sec-Fetch-Site", "same-origin").header("Content-Type", "application/json")
        .header("Idempotency-Key", "move-1").body("{\"parent\":\"acme\",\"reason\":\"once\"}")
        .principal("otto", OPERATOR).build();

    ConsoleResponse first = console.handle(move);
    ConsoleResponse second = console.handle(move);

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.bodyText()).isEqualTo(first.bodyText());
    assertThat(parentChanges(research)).hasSize(1);

    for (int i = 0; i < 2; i++) {
      assertThat(console.handle(postJson("/quota/api/tenants/acme-research/parent",
          "{\"parent\":\"acme\",\"reason\":\"again " + i + "\"}", "otto", OPERATOR)).status()).isEqualTo(200);
    }
    ConsoleResponse limited = console.handle(postJson("/quota/api/tenants/acme-research/parent",
        "{\"reason\":\"one too many\"}", "otto", OPERATOR));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Retry-After")).isPresent();
    assertThat(quota.admin().parentOf(research)).isPresent();
    assertThat(parentChanges(research)).hasSize(3);
  }

  // ---------------------------------------------------------------- forms

  @Test
  void theParentFormConfirmsThenAppliesOnceAndRedirectsWithAStatusMessage() {
    TenantId acme = tenant("acme", Tier.PRO);
    TenantId research = tenant("acme-research", Tier.PRO);
    String operatorPage = console.handle(get(link("acme-research"), "otto", OPERATOR)).bodyText();
    assertThat(operatorPage).contains("<input type=\"hidden\" name=\"action\" value=\"parent\">",
        "<input id=\"parent-parent\" name=\"parent\"", "name=\"clear\" value=\"true\"", "Set parent…");

    ConsoleResponse confirmation = console.handle(form("/quota/tenant/confirm",
        "tenant=acme-research&action=parent&parent=acme&reason=reorg+12"));

    assertThat(confirmation.status()).isEqualTo(200);
    assertThat(confirmation.bodyText()).contains("<p class=\"summary\">acme-research: move under acme (was: none); "
        + "usage already recorded stays where it was counted, new usage counts under acme.</p>",
        "<input type=\"hidden\" name=\"parent\" value=\"acme\">");
    assertThat(quota.admin().parentOf(research)).as("nothing changed before the confirmation").isEmpty();

    String key = confirmation.bodyText().replaceAll("(?s).*name=\"idempotencyKey\" value=\"([0-9a-f]+)\".*", "$1");
    String apply = "tenant=acme-research&action=parent&parent=acme&reason=reorg+12&idempotencyKey=" + key;
    ConsoleResponse applied = console.handle(form("/quota/tenant/apply", apply));
    ConsoleResponse again = console.handle(form("/quota/tenant/apply", apply));

    assertThat(applied.status()).isEqualTo(303);
    assertThat(again.header("Location")).isEqualTo(applied.header("Location"));
    assertThat(quota.admin().parentOf(research)).contains(acme);
    assertThat(parentChanges(research)).singleElement()
        .satisfies(e -> assertThat(e.actor().id()).isEqualTo("otto"));
    String page = oneLine(console.handle(get(applied.header("Location").orElseThrow(), "otto", OPERATOR))
        .bodyText());
    assertThat(page).contains("role=\"status\"", "Done. acme-research: move under acme (was: none)",
        "Parent: <a href=\"/quota/tenant?tenant=acme\">acme</a>");
    String parentPage = console.handle(get(link("acme"), "vera", VIEWER)).bodyText();
    assertThat(parentPage).contains("<a href=\"/quota/tenant?tenant=acme-research\">acme-research</a>");

    ConsoleResponse clearing = console.handle(form("/quota/tenant/confirm",
        "tenant=acme-research&action=parent&parent=&clear=true&reason=spun+off"));
    assertThat(clearing.bodyText()).contains("acme-research: make it a root (was: acme); usage already recorded "
        + "stays where it was counted, new usage counts at acme-research only",
        "<input type=\"hidden\" name=\"clear\" value=\"true\">");
    assertThat(quota.admin().parentOf(research)).contains(acme);
  }

  @Test
  void aRefusedParentIsShownOnTheConfirmationAndNotDoneOnApply() {
    TenantId acme = tenant("acme", Tier.PRO);
    child("acme-research", Tier.PRO, acme);

    ConsoleResponse cycle = console.handle(form("/quota/tenant/confirm",
        "tenant=acme&action=parent&parent=acme-research&reason=oops"));
    ConsoleResponse self = console.handle(form("/quota/tenant/confirm",
        "tenant=acme&action=parent&parent=acme&reason=oops"));
    ConsoleResponse applied = console.handle(form("/quota/tenant/apply",
        "tenant=acme&action=parent&parent=acme-research&reason=oops"));

    assertThat(cycle.status()).isEqualTo(400);
    assertThat(cycle.bodyText()).contains("role=\"alert\"", "parent", "would close a cycle: 'acme' is an ancestor "
        + "of 'acme-research'");
    assertThat(self.status()).isEqualTo(400);
    assertThat(self.bodyText()).contains("must not be the tenant itself");
    assertThat(applied.status()).isEqualTo(303);
    String page = console.handle(get(applied.header("Location").orElseThrow(), "otto", OPERATOR)).bodyText();
    assertThat(page).contains("Not done: ", "would close a cycle");
    assertThat(quota.admin().parentOf(acme)).isEqualTo(Optional.empty());
    assertThat(parentChanges(acme)).isEmpty();
  }

  @Test
  void theAuditLogShowsParentChangesWithTheOldAndTheNewParent() {
    TenantId acme = tenant("acme", Tier.PRO);
    tenant("umbrella", Tier.PRO);
    TenantId research = child("acme-research", Tier.PRO, acme);
    assertThat(console.handle(postJson("/quota/api/tenants/acme-research/parent",
        "{\"parent\":\"umbrella\",\"reason\":\"acquired\"}", "otto", OPERATOR)).status()).isEqualTo(200);

    String audit = console.handle(get("/quota/audit?operation=SET_PARENT&actor=otto", "vera", VIEWER)).bodyText();

    assertThat(audit).contains("set parent", "acquired", "previousParent=acme, parent=umbrella");
    assertThat(quota.admin().parentOf(research)).contains(TenantId.of("umbrella"));
  }
}
