package dev.quota.examples;

import dev.quota.Decision;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.QuotaGuard;
import dev.quota.RecordResult;
import dev.quota.Reservation;
import dev.quota.ReserveResult;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.UsageReport;
import dev.quota.admin.Actor;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.Grant;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ResetResult;
import dev.quota.admin.Verification;
import dev.quota.alert.NotificationDispatcher;
import dev.quota.notify.EmailChannel;
import dev.quota.notify.SmtpSecurity;
import dev.quota.alert.ThresholdAlert;
import dev.quota.spi.QuotaStore;
import dev.quota.testkit.TestClock;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The AI-planner story, told on any {@link QuotaStore}: a pro tenant spends its month's tokens through
 * reservations, alerts fire at 80, 90 and 100 percent, the guard blocks it at the limit, it buys a top-up pack (a
 * one-time credit) and goes on until that is spent too, an operator unblocks it without deleting anything, a temporary tier override expires by itself, and the audit log
 * and the ledger show what happened.
 *
 * <p>Time is a {@link TestClock}: the scenario moves it forwards to show expiries without waiting. The
 * model is a {@link SimulatedModel} with a fixed seed, so every run prints the same text.
 */
final class PlannerScenario {
  /** When the story starts: a Monday morning early in November, in simulated time. */
  static final Instant START = Instant.parse("2026-11-02T09:00:00Z");
  /** The tenant the story follows. */
  static final TenantId ACME = TenantId.of("acme");
  /** What a planner call reserves: its prompt plus its longest answer, in tokens. */
  static final long CALL_BUDGET = SimulatedModel.MAX_TOKENS;
  /** The share of its quota, in percent, at which the first stretch of planner work stops. */
  static final double FIRST_STRETCH_PERCENT = 85.0;
  /** The tokens of the top-up pack the planner buys when blocked: given once, not every month. */
  static final long TOP_UP_PACK = 50_000;
  /** How long a top-up pack can be drawn on. */
  static final Duration TOP_UP_VALIDITY = Duration.ofDays(90);

  private static final long MODEL_SEED = 20_261_102L;
  private static final TenantId GLOBEX = TenantId.of("globex");
  private static final TenantId INITECH = TenantId.of("initech");
  private static final Meter TOKENS = Meter.AI_TOKENS;
  /** Long enough for one model call; a hold nobody ends stops counting after it. */
  private static final Duration RESERVATION_TTL = Duration.ofMinutes(5);
  /** How long one model call takes, in simulated time. */
  private static final Duration CALL_DURATION = Duration.ofMinutes(2);
  private static final int PROGRESS_EVERY_CALLS = 10;
  private static final Actor BILLING = Actor.of("billing-service");
  private static final Actor OPERATOR = Actor.of("ops:dana");

  private final QuotaStore store;
  private final String storeName;
  private final TestClock clock;
  private final PrintStream out;
  private final LocalMailSink mailSink;
  private final SimulatedModel model = new SimulatedModel(MODEL_SEED);
  private final List<ThresholdAlert> alerts = new ArrayList<>();
  private NotificationDispatcher dispatcher;
  private int calls;
  private boolean alertSinceLastLine;
  private int progressShownFor;

  /**
   * Prepares the scenario.
   *
   * @param store an empty store
   * @param storeName what the store is, for the reader, such as {@code in-memory store}
   * @param clock the simulated time, set to {@link #START}; the scenario moves it forwards
   * @param out where the story is printed
   * @param mailSink the local SMTP server the alert e-mails are sent to, empty
   */
  PlannerScenario(QuotaStore store, String storeName, TestClock clock, PrintStream out, LocalMailSink mailSink) {
    this.store = store;
    this.storeName = storeName;
    this.clock = clock;
    this.out = out;
    this.mailSink = mailSink;
  }

  /**
   * Tells the story.
   *
   * @return what happened at each turn, for checks
   */
  Outcome run() {
    out.println("quota demo: an AI planner metered per tenant, blocked at its limit, unblocked by an operator");
    // ---- 1. set-up
    section(1, "Set-up: quota over the " + storeName + ", simulated time");
    Quota quota = Quota.builder()
        .store(store)
        .catalogue(TierCatalogue.defaults())
        .clock(clock)
        .alertListener(this::onAlert)
        .notificationChannel(alertEmails())
        // delivered at fixed points of the story (after each call), so that it prints the same text on every run
        .dispatchManually()
        .leaveStoreOpen()
        .build();
    dispatcher = quota.dispatcher().orElseThrow();
    QuotaGuard guard = quota.guard();
    QuotaAdmin admin = quota.admin();
    say("Quota.builder().store(" + storeName + ").catalogue(TierCatalogue.defaults()).clock(simulated time)");
    say("    .alertListener(print the alert).notificationChannel(e-mail to " + mailSink.address() + ").build()");
    say("Tiers: free 100,000, pro 1,000,000, enterprise 10,000,000 ai-tokens per calendar month (UTC).");
    say("Alerts at 80%, 90% and 100% of each tenant's limit + grants, printed as they fire and e-mailed to the");
    say("tenant's billing contact through a local SMTP sink (blocks and unblocks too).");
    say("Time is simulated: it starts at " + clock.instant() + " and the demo moves it forwards to show");
    say("reservations, grants and overrides expiring, without waiting for them.");

    // ---- 2. the tenant's plan
    section(2, "Tenant acme subscribes to pro");
    admin.setPlan(ACME, Plan.of(Tier.PRO), BILLING, "order 2026-1187: acme upgrades to pro");
    say("admin.setPlan(acme, pro) by " + BILLING + ": audited.");
    // Two other tenants, so that the operator has a list to search in step 6.
    admin.setPlan(GLOBEX, Plan.of(Tier.FREE), BILLING, "sign-up: globex starts on free");
    admin.setPlan(INITECH, Plan.of(Tier.ENTERPRISE), BILLING, "contract 88-I: initech on enterprise");
    guard.record(UsageEvent.of(GLOBEX, TOKENS, 61_500, UsageKey.of("globex-batch-0001")));
    guard.record(UsageEvent.of(INITECH, TOKENS, 2_300_000, UsageKey.of("initech-batch-0001")));
    say("Other tenants on the same store: globex (free), initech (enterprise), with some usage already.");
    report(guard.usage(ACME));

    // ---- 3. planner calls, each through a reservation
    section(3, "The AI planner at work");
    say("Each planner call reserves " + UsageFormat.units(CALL_BUDGET)
        + " tokens (its prompt plus its longest answer), calls the model,");
    say("then commits the tokens the model really spent, keyed by the call's session id: a retried");
    say("commit with the same session id counts once.");
    while (guard.usage(ACME).percentUsed() < FIRST_STRETCH_PERCENT) {
      plannerCall(guard);
    }
    progressLine(guard);
    report(guard.usage(ACME));

    // ---- 4. a call that fails half-way
    section(4, "A call that fails half-way: its tokens are still committed");
    RecordResult halfFailed = halfFailedCall(guard);

    // ---- 5. on to the limit
    section(5, "The planner runs into the limit");
    say("The planner goes on while guard.canProceed(acme) is true. When less than a call's budget is left,");
    say("it caps the answer at what remains, so usage lands exactly on the limit, which blocks.");
    while (guard.canProceed(ACME)) {
      plannerCall(guard);
    }
    progressLine(guard);
    UsageReport atLimit = guard.usage(ACME);
    report(atLimit);
    boolean canProceedWhenBlocked = guard.canProceed(ACME);
    say("guard.canProceed(acme) = " + canProceedWhenBlocked);
    say("The next planner call asks to reserve " + UsageFormat.units(CALL_BUDGET) + " tokens:");
    ReserveResult refused = guard.reserve(ACME, TOKENS, CALL_BUDGET, RESERVATION_TTL);
    deliverAlerts();
    Decision denial = refused.decision();
    out.println(UsageFormat.decision(denial));
    say(refused.granted() ? "The reservation was granted." : "No reservation was made; the model was not called.");

    // ---- 6. a top-up pack
    section(6, "Blocked, the planner buys a top-up pack and goes on");
    say("The planner's billing sells a " + UsageFormat.units(TOP_UP_PACK) + "-token top-up pack: a one-time credit,");
    say("drawn on only beyond the month's limit and carried into later months until it expires; it is not given");
    say("again each month, unlike a grant.");
    Instant packEnd = clock.instant().plus(TOP_UP_VALIDITY);
    OneTimeCredit topUp = admin.grantOneTimeCredit(ACME, TOKENS, TOP_UP_PACK, clock.instant(), packEnd, BILLING,
        "order 2026-1203: acme buys a 50,000-token top-up pack");
    deliverAlerts();
    say("admin.grantOneTimeCredit(acme, " + UsageFormat.units(TOP_UP_PACK) + ", until " + packEnd + ") by " + BILLING
        + ": audited.");
    boolean canProceedAfterTopUp = guard.canProceed(ACME);
    say("guard.canProceed(acme) = " + canProceedAfterTopUp + "; the planner goes on until the pack is spent too.");
    while (guard.canProceed(ACME)) {
      plannerCall(guard);
    }
    progressLine(guard);
    UsageReport blockedAgain = guard.usage(ACME);
    report(blockedAgain);

    // ---- 7. the operator's runbook
    section(7, "Operator runbook: find the tenant, check usage, unblock, verify");
    clock.advance(Duration.ofMinutes(35));
    say("Simulated time " + clock.instant() + ": support ticket SUP-1423, \"acme's planner says quota exceeded"
        + " again, right after its top-up\".");
    say("Step 1, find the tenant: admin.listUsage(first page), most utilized first");
    Page<UsageReport> dashboard = admin.listUsage(PageRequest.first(5));
    dashboard.items().forEach(r -> out.println(UsageFormat.dashboardRow(r)));
    say("Step 2, check its usage: guard.usage(acme)");
    report(guard.usage(ACME));
    say("Step 3, unblock: admin.resetUsage(acme, " + OPERATOR + ", reason). The period's usage is granted back");
    say("until the period ends, and the report keeps showing the real usage: no usage deleted or back-dated,");
    say("no tier edited, no global switch turned off.");
    ResetResult reset = admin.resetUsage(ACME, OPERATOR, "SUP-1423: unblock acme; usage reviewed, legitimate");
    deliverAlerts();
    for (Grant grant : reset.grants()) {
      say("  granted " + UsageFormat.units(grant.amount()) + " " + grant.meter() + " until " + grant.validUntil()
          + " (audit entry " + reset.audit().operation() + ")");
    }
    UsageReport afterReset = guard.usage(ACME);
    report(afterReset);
    boolean canProceedAfterReset = guard.canProceed(ACME);
    say("Step 4, verify: guard.canProceed(acme) = " + canProceedAfterReset);

    // ---- 8. a temporary tier override
    section(8, "A temporary enterprise override that reverts by itself");
    clock.advance(Duration.ofMinutes(20));
    say("Simulated time " + clock.instant() + ": sales asks for enterprise headroom for acme's board demo (SUP-1431).");
    Instant until = clock.instant().plus(Duration.ofDays(2));
    admin.overrideTier(ACME, Tier.ENTERPRISE, until, OPERATOR,
        "SUP-1431: board demo on Wednesday, enterprise headroom for two days");
    say("admin.overrideTier(acme, enterprise, until " + until + "): audited, no reminder needed.");
    UsageReport duringOverride = guard.usage(ACME);
    report(duringOverride);
    clock.advance(Duration.ofDays(3));
    say("Simulated time moves 3 days forward, to " + clock.instant() + ". The override ended at " + until + ";");
    say("nobody touched the tenant since, and its plan's tier applies again:");
    UsageReport afterOverride = guard.usage(ACME);
    report(afterOverride);

    // ---- 9. the record
    section(9, "Audit log and ledger check");
    say("admin.audit(acme, first 20), newest first:");
    Page<AuditEntry> audit = admin.audit(ACME, PageRequest.first(20));
    audit.items().forEach(entry -> out.println(UsageFormat.audit(entry)));
    say("admin.verify(acme): every counter compared with the ledger entries it sums");
    Verification verification = admin.verify(ACME);
    for (CounterCheck check : verification.checks()) {
      out.println(UsageFormat.check(check));
    }
    say(verification.consistent() ? "Ledger and counters agree: no usage was deleted or rewritten."
        : "DRIFT between ledger and counters: " + verification.drifts());

    // ---- 10. the e-mails
    section(10, "The alert e-mails");
    deliverAlerts();
    List<String> mails = mailSink.summaries();
    say(String.format(Locale.ROOT, "%d alert e-mails delivered to the local SMTP sink at %s (GreenMail, in this",
        mails.size(), mailSink.address()));
    say("process; it stops with the demo). Each is plain text and HTML, with the usage, the limit, the reset time");
    say("and the upgrade link; to: subject, in the order they arrived:");
    mails.forEach(line -> say("  " + line));
    out.println();
    say(String.format(Locale.ROOT, "Done: %d planner calls, %d alerts, %d e-mails, simulated time now %s.", calls,
        alerts.size(), mails.size(), clock.instant()));
    quota.close();
    out.flush();

    return new Outcome(List.copyOf(alerts), mails, calls, halfFailed, atLimit, canProceedWhenBlocked, denial,
        refused.granted(), topUp, canProceedAfterTopUp, blockedAgain, reset, afterReset, canProceedAfterReset, duringOverride, afterOverride, audit.items(),
        verification);
  }

  /**
   * One planner step: reserve, call the model, commit what it spent.
   *
   * @param guard the guard
   */
  private void plannerCall(QuotaGuard guard) {
    int call = ++calls;
    UsageKey session = sessionId(call);
    long left = guard.usage(ACME).remaining();
    long budget = Math.min(CALL_BUDGET, left);
    ReserveResult reserved = guard.reserve(ACME, TOKENS, budget, RESERVATION_TTL);
    if (!reserved.granted()) {
      // cannot happen while this scenario is the tenant's only caller: the budget fits what is left
      throw new IllegalStateException("reservation of " + budget + " tokens denied: " + reserved.decision());
    }
    Reservation hold = reserved.reservation();
    long spent = model.answer(budget);
    clock.advance(CALL_DURATION);
    if (budget < CALL_BUDGET) {
      out.println(String.format(Locale.ROOT, "    call %3d  only %s tokens left: reserves that, caps the answer at it,"
          + " spends %s", call, UsageFormat.units(budget), UsageFormat.units(spent)));
    }
    hold.commit(spent, session);
    deliverAlerts();
    if (call % PROGRESS_EVERY_CALLS == 0 || alertSinceLastLine) {
      progressLine(guard);
    }
  }

  /**
   * A call whose model fails after spending tokens. The spend already happened (the provider bills it),
   * so the planner commits it instead of releasing the hold.
   *
   * @param guard the guard
   * @return what the commit recorded
   */
  private RecordResult halfFailedCall(QuotaGuard guard) {
    int call = ++calls;
    UsageKey session = sessionId(call);
    Reservation hold = guard.reserve(ACME, TOKENS, CALL_BUDGET, RESERVATION_TTL).reservation();
    say("Call " + call + " reserves " + UsageFormat.units(hold.amount()) + " tokens under session " + session
        + "; the hold counts until " + hold.expiresAt() + ":");
    report(guard.usage(ACME));
    model.failNextCallHalfWay();
    long spent;
    try {
      spent = model.answer(hold.amount());
    } catch (SimulatedModel.CallFailedException e) {
      say("The model fails: " + e.getMessage() + ".");
      spent = e.tokensSpent();
    }
    clock.advance(CALL_DURATION);
    RecordResult recorded = hold.commit(spent, session);
    deliverAlerts();
    say("reservation.commit(" + UsageFormat.units(spent) + ", " + session + "): the spent tokens count, the rest"
        + " of the hold is freed.");
    report(guard.usage(ACME));
    return recorded;
  }

  /** The e-mail channel: every alert to the tenant's billing contact, through the local sink. */
  private EmailChannel alertEmails() {
    return EmailChannel.builder()
        .host("127.0.0.1")
        .port(mailSink.port())
        // a sink on the loopback address: no TLS; a real server gets STARTTLS, the default
        .security(SmtpSecurity.NONE)
        .from("Planner quota <quota@planner.example>")
        .recipients(tenant -> List.of("billing@" + tenant.value() + ".example"))
        .link(URI.create("https://planner.example/billing/upgrade"))
        .clock(clock)
        .build();
  }

  /** Delivers the alerts the last call queued in the outbox, now, on this thread. */
  private void deliverAlerts() {
    while (dispatcher.runOnce() > 0) {
      // one batch per run; go on until nothing is due
    }
  }

  private void onAlert(ThresholdAlert alert) {
    alerts.add(alert);
    alertSinceLastLine = true;
    out.println(UsageFormat.alert(alert));
  }

  private void progressLine(QuotaGuard guard) {
    if (progressShownFor == calls) {
      return;
    }
    out.println(UsageFormat.progress(calls, guard.usage(ACME)));
    progressShownFor = calls;
    alertSinceLastLine = false;
  }

  private void report(UsageReport report) {
    out.println(UsageFormat.report(report));
  }

  private void section(int number, String title) {
    out.println(UsageFormat.section(number, title));
  }

  private void say(String line) {
    out.println("  " + line);
  }

  private static UsageKey sessionId(int call) {
    return UsageKey.of(String.format(Locale.ROOT, "planner-session-%04d", call));
  }

  /**
   * What happened at each turn of the story.
   *
   * @param alerts the threshold alerts, in the order they fired
   * @param emails the e-mails the sink received, as {@code to: subject}, in the order they arrived
   * @param plannerCalls how many model calls the planner made
   * @param halfFailedCommit what the commit of the call that failed half-way recorded
   * @param atLimit the report when the planner stopped
   * @param canProceedWhenBlocked {@code canProceed} at that moment
   * @param denial the decision on the next reservation
   * @param deniedCallReserved whether that reservation was made anyway
   * @param topUp the top-up pack the planner bought when blocked
   * @param canProceedAfterTopUp {@code canProceed} right after it
   * @param blockedAgain the report when the planner stopped again, the pack spent
   * @param reset what the operator's reset did
   * @param afterReset the report right after the reset
   * @param canProceedAfterReset {@code canProceed} right after the reset
   * @param duringOverride the report while the enterprise override was active
   * @param afterOverride the report after it expired
   * @param audit the tenant's audit entries, newest first
   * @param verification the ledger check at the end
   */
  record Outcome(List<ThresholdAlert> alerts, List<String> emails, int plannerCalls, RecordResult halfFailedCommit,
      UsageReport atLimit,
      boolean canProceedWhenBlocked, Decision denial, boolean deniedCallReserved, OneTimeCredit topUp,
      boolean canProceedAfterTopUp, UsageReport blockedAgain, ResetResult reset,
      UsageReport afterReset, boolean canProceedAfterReset, UsageReport duringOverride, UsageReport afterOverride,
      List<AuditEntry> audit, Verification verification) {}
}
