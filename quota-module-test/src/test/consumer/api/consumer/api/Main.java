package consumer.api;

import dev.quota.ConsumeResult;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.UsageKey;
import dev.quota.admin.web.ConsoleRequest;
import dev.quota.admin.web.ConsoleResponse;
import dev.quota.admin.web.QuotaConsole;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import dev.quota.jooq.PostgresQuotaStore;
import dev.quota.micrometer.QuotaMetrics;
import dev.quota.notify.EmailChannel;
import dev.quota.notify.SmtpSecurity;
import dev.quota.notify.WebhookSignature;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Runs on the module path and prints what it saw, one fact per line, for the test that launched it to check.
 * Arguments: none, or a JDBC URL and a schema for the PostgreSQL store.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    System.out.println("module " + Main.class.getModule().getName() + ", quota-core is "
        + (Quota.class.getModule().getDescriptor().isAutomatic() ? "an automatic" : "an explicit") + " module "
        + Quota.class.getModule().getName());
    inMemory();
    console();
    internalsAreClosedToReflection();
    notifyChannels();
    contractSuite();
    if (args.length == 2) {
      postgres(args[0], args[1]);
    }
  }

  /** The free tier (100,000 tokens a month): 60,000 fit, 50,000 more do not. */
  private static void inMemory() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    QuotaMetrics metrics = QuotaMetrics.builder(registry).build();
    Quota quota = Quota.builder()
        .store(metrics.timed(new InMemoryQuotaStore()))
        .observer(metrics.observer())
        .clock(TestClock.at("2026-11-15T12:00:00Z"))
        .build();
    QuotaGuard guard = quota.guard();
    TenantId tenant = TenantId.of("acme");
    ConsumeResult first = guard.tryConsume(tenant, Meter.AI_TOKENS, 60_000, UsageKey.of("first"));
    ConsumeResult second = guard.tryConsume(tenant, Meter.AI_TOKENS, 50_000, UsageKey.of("second"));
    System.out.println("in-memory: first " + first.decision().reason() + ", second " + second.decision().reason()
        + ", used " + guard.usage(tenant).used() + ", remaining " + guard.usage(tenant).remaining());
    System.out.println("metrics: " + registry.getMeters().size() + " meters registered");
  }

  /**
   * The operator console on the module path: its templates, compiled into a package of its own and opened to the
   * template engine only, render a page, escaping what they show.
   */
  private static void console() {
    Quota quota = Quota.builder().store(new InMemoryQuotaStore()).build();
    TenantId tenant = TenantId.of("<b>bold</b>");
    quota.guard().tryConsume(tenant, Meter.AI_TOKENS, 10, UsageKey.of("one"));
    QuotaConsole console = QuotaConsole.builder().quota(quota).build();
    ConsoleResponse page = console.handle(ConsoleRequest.builder("GET", "/quota/tenants")
        .principal("vera", Set.of(QuotaConsole.DEFAULT_VIEWER_ROLE)).build());
    System.out.println("console: tenants page " + page.status() + ", escaped "
        + (page.bodyText().contains("&lt;b&gt;bold&lt;/b&gt;") && !page.bodyText().contains("<b>bold")));
  }

  /** Loading an internal class works (it is in the module); using it reflectively does not. */
  private static void internalsAreClosedToReflection() throws ClassNotFoundException {
    Class<?> checks = Class.forName("dev.quota.internal.Checks");
    try {
      checks.getMethod("notNull", String.class, Object.class).invoke(null, "field", "value");
      System.out.println("reflection into dev.quota.internal: allowed");
    } catch (IllegalAccessException e) {
      System.out.println("reflection into dev.quota.internal: " + e.getClass().getSimpleName());
    } catch (ReflectiveOperationException e) {
      System.out.println("reflection into dev.quota.internal: " + e);
    }
  }

  /**
   * quota-notify on the module path: the webhook signature round trip, and an e-mail sent to a port nobody listens
   * on, which gets as far as the SMTP connection only if Jakarta Mail finds Angus's SMTP provider from its module.
   */
  private static void notifyChannels() throws Exception {
    String secret = "module-path-secret-0123456789";
    String body = "{\"id\":\"1\"}";
    WebhookSignature.verify(secret, WebhookSignature.sign(secret, 1_764_929_730L, body), body, Duration.ofMinutes(5),
        Instant.ofEpochSecond(1_764_929_730L));
    int closedPort;
    try (ServerSocket free = new ServerSocket(0)) {
      closedPort = free.getLocalPort();
    }
    EmailChannel email = EmailChannel.builder().host("127.0.0.1").port(closedPort).security(SmtpSecurity.NONE)
        .from("quota@service.test").recipients(tenant -> List.of("ops@acme.test"))
        .link(URI.create("https://example.com/upgrade")).connectTimeout(Duration.ofSeconds(5)).build();
    Notification notification = new Notification(UUID.randomUUID(), NotificationKind.THRESHOLD_CROSSED,
        TenantId.of("acme"), Meter.AI_TOKENS, new Period(Instant.parse("2026-12-01T00:00:00Z"),
        Instant.parse("2027-01-01T00:00:00Z")), 80, 80, 100, Instant.parse("2026-12-05T10:00:00Z"), "");
    try {
      email.deliver(notification);
      System.out.println("notify: e-mail to a closed port delivered");
    } catch (DeliveryException e) {
      System.out.println("notify: signature verified, e-mail to a closed port retryable " + e.retryable());
      if (!e.retryable()) {
        e.printStackTrace();
      }
    }
  }

  /** What a build tool does with a user's test class: discover it through JUnit and run it. */
  private static void contractSuite() {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClass(InMemoryStoreContractTest.class))
        .build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    summary.getFailures().forEach(failure -> failure.getException().printStackTrace());
    System.out.println("contract suite: " + summary.getTestsFoundCount() + " found, "
        + summary.getTestsSucceededCount() + " succeeded, " + summary.getTestsFailedCount() + " failed");
  }

  /**
   * The PostgreSQL store on the module path: its migration scripts are read from its module, and jOOQ, in its
   * own module, makes the generated record of a reservation when the hold is committed.
   */
  private static void postgres(String jdbcUrl, String schema) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(jdbcUrl);
    boolean created = PostgresQuotaStore.createSchema(dataSource, schema);
    try (PostgresQuotaStore store = PostgresQuotaStore.builder().dataSource(dataSource).schema(schema).build()) {
      QuotaGuard guard = Quota.builder().store(store).build().guard();
      TenantId tenant = TenantId.of("globex");
      ReserveResult hold = guard.reserve(tenant, Meter.AI_TOKENS, 1_000, Duration.ofMinutes(1));
      guard.commit(tenant, hold.reservationIfGranted().orElseThrow().id(), Meter.AI_TOKENS, 700,
          UsageKey.of("committed"));
      System.out.println("postgres: schema created " + created + ", used " + guard.usage(tenant).used());
    }
  }
}
