package dev.quota.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.quota.Meter;
import dev.quota.QuotaGuard;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.jooq.testsupport.PostgresDatabase;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The operator console of the running planner, on PostgreSQL, in Debian's headless Chromium: the demo users sign in
 * through Spring Security's form login. A missing Chromium fails these tests, saying how to install it; they never
 * skip. Screenshots of every page are written under {@code target/screenshots}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConsoleBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
  private static final String APP_SCHEMA = "qe_console_" + SUFFIX;

  @LocalServerPort
  int port;

  @Autowired
  QuotaGuard guard;

  @Autowired
  QuotaAdmin admin;

  private ChromeDriver browser;
  private Path profile;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", PostgresDatabase::url);
    registry.add("planner.schema", () -> APP_SCHEMA);
  }

  @AfterAll
  static void dropSchemas() throws SQLException {
    try (Connection c = DriverManager.getConnection(PostgresDatabase.url()); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS \"" + APP_SCHEMA + "\" CASCADE");
      s.execute("DROP SCHEMA IF EXISTS \"" + APP_SCHEMA + "_quota\" CASCADE");
    }
  }

  @BeforeEach
  void startBrowser() throws IOException {
    assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
        .as("the browser tests need Debian's Chromium and chromedriver: apt-get install -y chromium chromium-driver")
        .isTrue();
    profile = Files.createTempDirectory("planner-console-chromium");
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
  void stopBrowser() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private void screenshot(String name) throws IOException {
    Files.write(SCREENSHOTS.resolve("spring-" + name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  private WebDriverWait waiting() {
    return new WebDriverWait(browser, Duration.ofSeconds(15));
  }

  /** Opens the console, which sends the browser to the form login, and signs in. */
  private void signIn(String user, String password) throws IOException {
    browser.get(url("/quota/"));
    waiting().until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    screenshot("login");
    browser.findElement(By.name("username")).sendKeys(user);
    browser.findElement(By.name("password")).sendKeys(password);
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    waiting().until(ExpectedConditions.titleContains("Tenants"));
  }

  /** A tenant on the default (free) tier that has spent its month's 100,000 tokens. */
  private TenantId blockedTenant(String prefix) {
    TenantId tenant = TenantId.of(prefix + "-" + UUID.randomUUID().toString().substring(0, 6));
    guard.tryConsume(tenant, Meter.AI_TOKENS, 100_000, UsageKey.random());
    assertThat(guard.canProceed(tenant)).isFalse();
    return tenant;
  }

  private long resets(TenantId tenant) {
    return admin.audit(AuditQuery.of(tenant).operations(AdminOperation.RESET_USAGE), PageRequest.first(10)).items()
        .size();
  }

  @Test
  void theViewerSeesTheListAndCannotChangeAnything() throws IOException {
    TenantId tenant = blockedTenant("viewed");
    signIn(ConsoleSecurity.VIEWER, ConsoleSecurity.VIEWER_PASSWORD);
    screenshot("viewer-tenants");
    assertThat(browser.findElement(By.tagName("caption")).getText()).contains("most utilized first");
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("Signed in as vera");

    browser.findElement(By.linkText(tenant.value())).click();
    waiting().until(ExpectedConditions.titleContains("Tenant " + tenant.value()));
    screenshot("viewer-tenant");
    assertThat(browser.findElements(By.cssSelector("form[method=post]"))).isEmpty();
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("viewer, read only");
    assertThat(guard.canProceed(tenant)).isFalse();
  }

  @Test
  void theOperatorFindsABlockedTenantResetsItAndFindsTheResetInTheAuditLog() throws IOException {
    TenantId tenant = blockedTenant("blocked");
    signIn(ConsoleSecurity.OPERATOR, ConsoleSecurity.OPERATOR_PASSWORD);

    browser.findElement(By.cssSelector("input[name=status][value=blocked]")).click();
    browser.findElement(By.cssSelector("form.filters button[type=submit]")).click();
    waiting().until(ExpectedConditions.urlContains("status=blocked"));
    screenshot("operator-blocked-tenants");
    browser.findElement(By.linkText(tenant.value())).click();

    waiting().until(ExpectedConditions.titleContains("Tenant " + tenant.value()));
    screenshot("operator-tenant");
    browser.findElement(By.id("reset-reason")).sendKeys("SUPPORT-42: customer demo");
    browser.findElement(By.xpath("//button[normalize-space()='Reset usage…']")).click();

    waiting().until(ExpectedConditions.titleContains("Confirm"));
    screenshot("operator-confirm-reset");
    assertThat(browser.findElement(By.className("summary")).getText()).contains(tenant.value() + ": reset usage");
    assertThat(guard.canProceed(tenant)).as("nothing changed before the confirmation").isFalse();
    browser.findElement(By.xpath("//button[normalize-space()='Confirm']")).click();

    waiting().until(ExpectedConditions.titleContains("Tenant " + tenant.value()));
    screenshot("operator-tenant-after-reset");
    assertThat(browser.findElement(By.cssSelector("[role=status]")).getText()).contains("Done.");
    assertThat(guard.canProceed(tenant)).isTrue();

    browser.findElement(By.linkText("Audit log")).click();
    waiting().until(ExpectedConditions.titleContains("Audit log"));
    screenshot("operator-audit");
    assertThat(browser.findElement(By.tagName("tbody")).getText())
        .contains(tenant.value(), "otto", "reset usage", "SUPPORT-42: customer demo");
    assertThat(admin.audit(AuditQuery.of(tenant).operations(AdminOperation.RESET_USAGE), PageRequest.first(5))
        .items()).singleElement().satisfies(e -> assertThat(e.actor().id()).isEqualTo("otto"));
  }

  @Test
  void aFormPostedFromAnotherSiteIsRefused() throws IOException {
    TenantId tenant = blockedTenant("targeted");
    signIn(ConsoleSecurity.OPERATOR, ConsoleSecurity.OPERATOR_PASSWORD);
    // another origin on the same host (another port): the browser sends the session cookie, as same-site
    HttpServer attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] page = ("<!DOCTYPE html><title>prize</title><form method=post action=\"" + url("/quota/tenant/apply")
        + "\"><input type=hidden name=tenant value=\"" + tenant.value() + "\">"
        + "<input type=hidden name=action value=reset-usage><input type=hidden name=reason value=pwned>"
        + "<button id=go>Claim</button></form>").getBytes(StandardCharsets.UTF_8);
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
      waiting().until(ExpectedConditions.not(ExpectedConditions.titleIs("prize")));
      screenshot("cross-site-refused");
      assertThat(browser.getCurrentUrl()).startsWith(url("/"));
      assertThat(browser.findElement(By.tagName("body")).getText()).containsAnyOf("403", "Forbidden");
    } finally {
      attacker.stop(0);
    }
    assertThat(guard.canProceed(tenant)).isFalse();
    assertThat(resets(tenant)).isZero();
  }
}
