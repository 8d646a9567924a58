package dev.quota.admin.web;

import static dev.quota.admin.web.ConsoleFixture.OPERATOR;
import static dev.quota.admin.web.ConsoleFixture.VIEWER;
import static dev.quota.admin.web.ConsoleFixture.tenantWithUsage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.PageRequest;
import dev.quota.testkit.InMemoryQuotaStore;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Debian's headless Chromium through its chromedriver, against the JDK server entry
 * point. A missing Chromium fails these tests, saying how to install it; they never skip. Screenshots of every page
 * are written under {@code target/screenshots}.
 */
class BrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private Quota quota;
  private ConsoleServer server;
  private WebDriver browser;
  private Path profile;

  @BeforeEach
  void setUp() throws IOException {
    assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
        .as("the browser tests need Debian's Chromium and chromedriver: apt-get install -y chromium chromium-driver")
        .isTrue();
    quota = Quota.builder().store(new InMemoryQuotaStore()).build();
    server = ConsoleServer.builder(QuotaConsole.builder().quota(quota).build()).build();
    profile = Files.createTempDirectory("quota-console-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
        "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterEach
  void tearDown() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (quota != null) {
      quota.close();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  /**
   * Writes a screenshot of the page and runs axe-core's accessibility rules on it: no serious or critical violation
   * may remain.
   */
  private void screenshot(String name) throws IOException {
    byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    Results results = new AxeBuilder().analyze(browser);
    assertThat(results.isErrored()).as("axe-core ran on %s: %s", name, results.getErrorMessage()).isFalse();
    List<String> violations = results.getViolations().stream()
        .filter(rule -> "serious".equals(rule.getImpact()) || "critical".equals(rule.getImpact()))
        .map(rule -> rule.getImpact() + " " + rule.getId() + ": " + rule.getHelp() + " at " + rule.getNodes().stream()
            .map(node -> String.valueOf(node.getTarget())).toList())
        .toList();
    assertThat(violations).as("serious or critical accessibility violations on page %s", name).isEmpty();
    assertThat(results.getPasses()).as("axe-core checked rules on %s", name).isNotEmpty();
  }

  private WebDriverWait waiting() {
    return new WebDriverWait(browser, Duration.ofSeconds(10));
  }

  @Test
  void aViewerSeesTheListAndNoChangeControls() throws IOException {
    tenantWithUsage(quota, "acme", 100_000);
    browser.get(server.loginUrl("vera", VIEWER).toString());

    waiting().until(ExpectedConditions.titleContains("Tenants"));
    screenshot("viewer-tenants");
    assertThat(browser.findElement(By.tagName("caption")).getText()).contains("most utilized first");
    browser.findElement(By.linkText("acme")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme"));
    screenshot("viewer-tenant");
    assertThat(browser.findElements(By.cssSelector("form[method=post]"))).isEmpty();
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("viewer, read only");
  }

  @Test
  void anOperatorResetsABlockedTenantAndFindsTheResetInTheAuditLog() throws IOException {
    TenantId acme = tenantWithUsage(quota, "acme", 100_000);
    tenantWithUsage(quota, "calm", 10);
    browser.get(server.loginUrl("otto", OPERATOR).toString());
    waiting().until(ExpectedConditions.titleContains("Tenants"));

    browser.findElement(By.cssSelector("input[name=status][value=blocked]")).click();
    browser.findElement(By.cssSelector("form.filters button[type=submit]")).click();
    waiting().until(ExpectedConditions.urlContains("status=blocked"));
    screenshot("operator-blocked-tenants");
    assertThat(browser.findElements(By.linkText("calm"))).isEmpty();
    browser.findElement(By.linkText("acme")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme"));
    screenshot("operator-tenant");
    browser.findElement(By.id("reset-reason")).sendKeys("JIRA-123: demo tomorrow");
    browser.findElement(By.xpath("//button[normalize-space()='Reset usage…']")).click();

    waiting().until(ExpectedConditions.titleContains("Confirm"));
    screenshot("operator-confirm-reset");
    assertThat(browser.findElement(By.className("summary")).getText())
        .contains("acme: reset usage on every meter", "history kept");
    assertThat(quota.guard().canProceed(acme)).as("nothing changed before the confirmation").isFalse();
    browser.findElement(By.xpath("//button[normalize-space()='Confirm']")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme"));
    WebElement status = browser.findElement(By.cssSelector("[role=status]"));
    assertThat(status.getText()).contains("Done. acme: reset usage");
    screenshot("operator-tenant-after-reset");
    assertThat(quota.guard().canProceed(acme)).isTrue();

    browser.findElement(By.linkText("Audit log")).click();
    waiting().until(ExpectedConditions.titleContains("Audit log"));
    screenshot("operator-audit");
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains("otto", "reset usage",
        "JIRA-123: demo tomorrow");
    assertThat(quota.admin().audit(AuditQuery.of(acme).operations(AdminOperation.RESET_USAGE), PageRequest.first(5))
        .items()).singleElement().satisfies(e -> assertThat(e.actor().id()).isEqualTo("otto"));
  }

  @Test
  void anOperatorGivesABlockedTenantAOneTimeCreditAndSeesItDrawnOn() throws IOException {
    TenantId acme = tenantWithUsage(quota, "acme", 100_000);
    browser.get(server.loginUrl("otto", OPERATOR).toString());
    waiting().until(ExpectedConditions.titleContains("Tenants"));
    browser.findElement(By.linkText("acme")).click();
    waiting().until(ExpectedConditions.titleContains("Tenant acme"));

    browser.findElement(By.id("credit-amount")).sendKeys("5000");
    browser.findElement(By.id("credit-reason")).sendKeys("order 42: top-up pack");
    browser.findElement(By.xpath("//button[normalize-space()='Give credit…']")).click();

    waiting().until(ExpectedConditions.titleContains("Confirm"));
    screenshot("operator-confirm-credit");
    assertThat(browser.findElement(By.className("summary")).getText())
        .contains("acme: give a one-time credit of 5,000 ai-tokens in total", "not given again each period");
    assertThat(quota.admin().entitlements(acme)).as("nothing changed before the confirmation").isEmpty();
    browser.findElement(By.xpath("//button[normalize-space()='Confirm']")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme"));
    assertThat(browser.findElement(By.cssSelector("[role=status]")).getText())
        .contains("Done. acme: give a one-time credit of 5,000 ai-tokens");
    assertThat(quota.guard().canProceed(acme)).isTrue();
    quota.guard().tryConsume(acme, dev.quota.Meter.AI_TOKENS, 1_000, dev.quota.UsageKey.random());
    browser.navigate().refresh();
    waiting().until(ExpectedConditions.titleContains("Tenant acme"));
    screenshot("operator-tenant-with-credit");
    WebElement credits = browser.findElement(By.xpath("//table[caption[starts-with(normalize-space(),"
        + "'One-time credits')]]/tbody"));
    assertThat(credits.getText()).contains("ai-tokens 5,000 1,000 4,000", "otto", "order 42: top-up pack", "active");
    assertThat(quota.admin().audit(AuditQuery.of(acme).operations(AdminOperation.GRANT_ONE_TIME_CREDIT),
        PageRequest.first(5)).items()).singleElement().satisfies(e -> assertThat(e.actor().id()).isEqualTo("otto"));
  }

  @Test
  void anOperatorMovesATenantUnderAParentAndSeesItAmongTheParentsChildren() throws IOException {
    TenantId acme = tenantWithUsage(quota, "acme", 2_000);
    TenantId research = tenantWithUsage(quota, "acme-research", 500);
    browser.get(server.loginUrl("otto", OPERATOR).toString());
    waiting().until(ExpectedConditions.titleContains("Tenants"));
    browser.findElement(By.linkText("acme-research")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme-research"));
    assertThat(browser.findElement(By.className("parent")).getText()).isEqualTo("Parent: none (a root)");
    browser.findElement(By.id("parent-parent")).sendKeys("acme");
    browser.findElement(By.id("parent-reason")).sendKeys("reorg 12: research joins acme");
    browser.findElement(By.xpath("//button[normalize-space()='Set parent…']")).click();

    waiting().until(ExpectedConditions.titleContains("Confirm"));
    screenshot("operator-confirm-parent");
    assertThat(browser.findElement(By.className("summary")).getText()).isEqualTo("acme-research: move under acme "
        + "(was: none); usage already recorded stays where it was counted, new usage counts under acme.");
    assertThat(quota.admin().parentOf(research)).as("nothing changed before the confirmation").isEmpty();
    browser.findElement(By.xpath("//button[normalize-space()='Confirm']")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme-research"));
    assertThat(browser.findElement(By.cssSelector("[role=status]")).getText())
        .contains("Done. acme-research: move under acme (was: none)");
    assertThat(browser.findElement(By.cssSelector("nav.path")).getText()).contains("acme", "acme-research");
    screenshot("operator-tenant-with-parent");
    assertThat(quota.admin().parentOf(research)).contains(acme);
    browser.findElement(By.cssSelector(".parent a")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant acme"));
    screenshot("operator-parent-with-children");
    WebElement children = browser.findElement(By.xpath("//table[caption[starts-with(normalize-space(),"
        + "'Children')]]/tbody"));
    assertThat(children.getText()).contains("acme-research free (plan) 500 100,000 99,500");
    WebElement windows = browser.findElement(By.xpath("//table[caption[starts-with(normalize-space(),"
        + "'Standing at every level')]]/tbody"));
    assertThat(windows.getText()).contains("acme (this tenant) period 2,000");
    children.findElement(By.linkText("acme-research")).click();
    waiting().until(ExpectedConditions.titleContains("Tenant acme-research"));
    assertThat(quota.admin().audit(AuditQuery.of(research).operations(AdminOperation.SET_PARENT),
        PageRequest.first(5)).items()).singleElement().satisfies(e -> {
          assertThat(e.actor().id()).isEqualTo("otto");
          assertThat(e.reason()).isEqualTo("reorg 12: research joins acme");
        });
  }

  @Test
  void aFormPostedFromAnotherOriginIsRefused() throws IOException {
    TenantId acme = tenantWithUsage(quota, "acme", 100_000);
    browser.get(server.loginUrl("otto", OPERATOR).toString());
    waiting().until(ExpectedConditions.titleContains("Tenants"));
    // another origin on the same host (another port): the browser sends the session cookie, as same-site
    HttpServer attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String action = server.baseUrl().resolve("tenant/apply").toString();
    byte[] page = ("<!DOCTYPE html><title>prize</title><form method=post action=\"" + action + "\">"
        + "<input type=hidden name=tenant value=acme><input type=hidden name=action value=reset-usage>"
        + "<input type=hidden name=reason value=pwned><button id=go>Claim</button></form>")
        .getBytes(StandardCharsets.UTF_8);
    attacker.createContext("/", exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, page.length);
      try (var out = exchange.getResponseBody()) {
        out.write(page);
      }
    });
    attacker.start();
    try {
      browser.get("http://127.0.0.1:" + attacker.getAddress().getPort() + "/");
      browser.findElement(By.id("go")).click();
      waiting().until(ExpectedConditions.titleContains("403"));
      screenshot("cross-site-refused");
      assertThat(browser.findElement(By.tagName("body")).getText()).contains("cross-site request refused");
    } finally {
      attacker.stop(0);
    }
    assertThat(quota.guard().canProceed(acme)).isFalse();
    assertThat(quota.admin().audit(AuditQuery.of(acme).operations(AdminOperation.RESET_USAGE), PageRequest.first(5))
        .items()).isEmpty();
  }

  @Test
  void hostileTenantIdsAndReasonsAreShownAsText() throws IOException {
    String hostile = "<img src=x onerror=alert(1)>\"'<script>alert(2)</script>";
    TenantId tenant = tenantWithUsage(quota, hostile, 100_000);
    quota.admin().resetUsage(tenant, dev.quota.admin.Actor.of("otto"), "<script>alert(3)</script> & \"quotes\"\n"
        + "x".repeat(900));
    browser.get(server.loginUrl("otto", OPERATOR).toString());
    waiting().until(ExpectedConditions.titleContains("Tenants"));

    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains(hostile);
    browser.findElement(By.partialLinkText("<img src=x")).click();
    waiting().until(ExpectedConditions.titleContains("Tenant <img"));
    screenshot("hostile-tenant");

    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Tenant " + hostile);
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("<script>alert(3)</script> & \"quotes\"");
    assertThat(browser.findElements(By.tagName("script"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
    assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
  }
}
