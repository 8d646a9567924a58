package dev.quota.internal;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.AccessDeniedException;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminAuthorizer;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.UsageQuery;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.EntitlementStateException;
import dev.quota.admin.Grant;
import dev.quota.admin.HistoryGranularity;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PurgeConfirmation;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ResetResult;
import dev.quota.admin.ServiceConfiguration;
import dev.quota.admin.ServiceRecord;
import dev.quota.admin.TenantKey;
import dev.quota.admin.Revocation;
import dev.quota.admin.TenantLookup;
import dev.quota.admin.TierOverride;
import dev.quota.admin.UsageHistory;
import dev.quota.admin.Verification;
import dev.quota.admin.UsageEntry;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ParentOutcome;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.UsageListing;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.StoredServiceConfiguration;
import dev.quota.spi.TenantState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin port: validation, authorization, audit entries, and the store's atomic admin primitives. */
public final class DefaultAdmin implements QuotaAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultAdmin.class);
  /** The actor of a service's record of its configuration: the service itself. */
  static final String SERVICE_ACTOR_PREFIX = "service:";
  /** How often recording the configuration reads again after another instance wrote a version first. */
  private static final int MAX_RECORD_ATTEMPTS = 10;

  private final QuotaStore store;
  private final TierCatalogue catalogue;
  private final Clock clock;
  private final AdminAuthorizer authorizer;
  private final Duration maxEntitlementDuration;
  private final List<Integer> alertThresholds;
  private final @Nullable TenantKey tenantKey;
  private final Evaluator evaluator;
  private final Alerts alerts;
  /** A reset's grants cancel the usage it reads, so even its first read must not come from a cache. */
  private final StaleRetry retry;
  /** Whether changes may act on tenants the store does not know; see {@link #acceptingNewTenants()}. */
  private final boolean acceptNewTenants;
  /** The other of the pair: this admin with the opposite {@link #acceptNewTenants}, sharing everything else. */
  private final DefaultAdmin counterpart;

  /**
   * Creates the admin.
   *
   * @param settings the validated configuration
   * @param evaluator the policy shared with the guard
   * @param guard the guard, whose alerts admin changes re-arm
   */
  public DefaultAdmin(Settings settings, Evaluator evaluator, DefaultGuard guard) {
    this.store = settings.store();
    this.catalogue = settings.catalogue();
    this.clock = settings.clock();
    this.authorizer = settings.authorizer();
    this.maxEntitlementDuration = settings.maxEntitlementDuration();
    this.alertThresholds = settings.alertThresholds();
    this.tenantKey = settings.tenantKey();
    this.evaluator = evaluator;
    this.alerts = guard.alerts();
    this.retry = new StaleRetry(store::readLatest, store::readLatest);
    this.acceptNewTenants = false;
    this.counterpart = new DefaultAdmin(this);
  }

  /** The admin that accepts new tenants, sharing the refusing one's parts. */
  private DefaultAdmin(DefaultAdmin refusing) {
    this.store = refusing.store;
    this.catalogue = refusing.catalogue;
    this.clock = refusing.clock;
    this.authorizer = refusing.authorizer;
    this.maxEntitlementDuration = refusing.maxEntitlementDuration;
    this.alertThresholds = refusing.alertThresholds;
    this.tenantKey = refusing.tenantKey;
    this.evaluator = refusing.evaluator;
    this.alerts = refusing.alerts;
    this.retry = refusing.retry;
    this.acceptNewTenants = true;
    this.counterpart = refusing;
  }

  @Override
  public QuotaAdmin acceptingNewTenants() {
    return acceptNewTenants ? this : counterpart;
  }

  @Override
  public ServiceRecord recordServiceConfiguration(String service, String serviceVersion) {
    ServiceConfiguration configuration = new ServiceConfiguration(service, serviceVersion, catalogue, alertThresholds,
        store.planSource(), tenantKey);
    String content = configuration.toText();
    Actor actor = Actor.of(SERVICE_ACTOR_PREFIX + service);
    // Two instances starting together read the same latest version and only one writes the next: the other reads
    // again, and finds either the same content (nothing to write) or another to follow.
    for (int attempt = 1; attempt <= MAX_RECORD_ATTEMPTS; attempt++) {
      Optional<StoredServiceConfiguration> latest = store.latestServiceConfiguration();
      if (latest.isPresent() && latest.get().content().equals(content)) {
        // the same content: the record stays the one written, by the service version that wrote it
        StoredServiceConfiguration same = latest.get();
        return new ServiceRecord(same.version(), same.writtenAt(), same.actor(), same.reason(),
            new ServiceConfiguration(same.service(), same.serviceVersion(), catalogue, alertThresholds,
                configuration.plans(), tenantKey));
      }
      String reason = latest.map(l -> changeReason(l, content)).orElse("first record of the service's configuration");
      StoredServiceConfiguration next = new StoredServiceConfiguration(latest.map(l -> l.version() + 1).orElse(1L),
          clock.instant(), service, serviceVersion, actor, reason, content);
      if (store.appendServiceConfiguration(next)) {
        LOG.info("quota: recorded the configuration of {} {} as version {}: {}", service, serviceVersion,
            next.version(), reason);
        return new ServiceRecord(next.version(), next.writtenAt(), actor, reason, configuration);
      }
    }
    // versions only move forward, so this takes other instances writing ten versions during one start-up
    throw new IllegalStateException("the service configuration kept changing during " + MAX_RECORD_ATTEMPTS
        + " attempts to record it; gave up, nothing was written");
  }

  private static String changeReason(StoredServiceConfiguration latest, String content) {
    String reason = "configuration changed since version " + latest.version() + " (" + latest.service() + " "
        + latest.serviceVersion() + "): " + String.join("; ", ServiceConfiguration.differences(latest.content(),
            content));
    return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH - 3) + "...";
  }

  @Override
  public Optional<ServiceRecord> serviceConfiguration() {
    return store.latestServiceConfiguration().map(stored -> new ServiceRecord(stored.version(), stored.writtenAt(),
        stored.actor(), stored.reason(),
        ServiceConfiguration.fromText(stored.service(), stored.serviceVersion(), stored.content())));
  }

  @Override
  public TenantLookup lookUp(TenantId tenant) {
    Checks.notNull("tenant", tenant);
    if (store.knowsTenant(tenant)) {
      return new TenantLookup(tenant, true, List.of());
    }
    return new TenantLookup(tenant, false, store.knownTenantsLike(tenant, MAX_SUGGESTIONS));
  }

  @Override
  public ResetResult resetUsage(TenantId tenant, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    return reset(tenant, List.copyOf(catalogue.meters().keySet()), actor, reason);
  }

  @Override
  public ResetResult resetUsage(TenantId tenant, Meter meter, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    catalogue.requireMeter(meter);
    return reset(tenant, List.of(meter), actor, reason);
  }

  private ResetResult reset(TenantId tenant, List<Meter> meters, Actor actor, String reason) {
    authorize(actor, AdminOperation.RESET_USAGE, tenant);
    requireKnown(tenant);
    Instant now = clock.instant();
    // The grants cancel the usage read here, and earlier resets of the period are subtracted from it: written only
    // if no other admin change (such as a concurrent reset, on this instance or another) came in since the read,
    // or two resets would both cancel the same usage. Otherwise read again.
    ResetResult result = retry.run(tenant, reads -> resetOnce(tenant, meters, actor, reason, now, reads));
    afterChange(tenant, AdminOperation.RESET_USAGE);
    return result;
  }

  private Optional<ResetResult> resetOnce(TenantId tenant, List<Meter> meters, Actor actor, String reason, Instant now,
      StaleRetry.Reads reads) {
    Optional<Map<Meter, TenantState>> read = StaleRetry.readAll(reads, tenant, meters, now);
    if (read.isEmpty()) {
      return Optional.empty(); // an admin change came in between the meters' reads
    }
    List<Grant> grants = new ArrayList<>();
    Map<String, String> details = new LinkedHashMap<>();
    long version = 0;
    for (Map.Entry<Meter, TenantState> entry : read.get().entrySet()) {
      Meter meter = entry.getKey();
      TenantState state = entry.getValue();
      version = state.version();
      UsageReport report = evaluator.evaluate(tenant, meter, state, now);
      // Earlier resets of this period already cancelled part of the usage; cancel only the rest, so that
      // two resets never give more than one period's allowance back. Those include resets that start a little
      // after this one's instant: made by an instance whose clock is ahead, or by one that read its clock later.
      long cancelled = 0;
      for (Entitlement e : state.entitlements()) {
        if (e instanceof Grant g && g.kind() == Grant.Kind.RESET && g.meter().equals(meter)
            && g.validUntil().equals(report.period().end())
            && g.revocation().map(r -> r.at().isAfter(now)).orElse(true)) {
          cancelled = Checks.saturatedAdd(cancelled, g.amount());
        }
      }
      // Usage a one-time credit paid for is covered already (what was drawn stays in the period's ceiling): cancel
      // the rest, so that a reset leaves the tenant its limit to spend, as a fresh period would, and no more.
      long amount = report.used() - report.creditDrawn() - cancelled;
      details.put(meter + ".used", Long.toString(report.used()));
      if (amount > 0) {
        Grant grant = new Grant(EntitlementId.random(), tenant, Grant.Kind.RESET, meter, amount, now,
            report.period().end(), actor, reason, Optional.empty());
        grants.add(grant);
        details.put(meter + ".granted", Long.toString(amount));
        details.put(meter + ".grant", grant.id().toString());
        details.put(meter + ".until", grant.validUntil().toString());
      }
    }
    AuditEntry audit = audit(now, tenant, actor, AdminOperation.RESET_USAGE, reason, details);
    if (!store.addEntitlements(tenant, grants, audit, version)) {
      return Optional.empty();
    }
    return Optional.of(new ResetResult(grants, audit));
  }

  @Override
  public Grant raisePeriodCeiling(TenantId tenant, Meter meter, long amount, Instant expiresAt, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    catalogue.requireMeter(meter);
    Checks.positive("amount", amount);
    Instant now = clock.instant();
    checkExpiry("expires at", expiresAt, now);
    authorize(actor, AdminOperation.GRANT_CREDIT, tenant);
    requireKnown(tenant);
    Grant grant = new Grant(EntitlementId.random(), tenant, Grant.Kind.CREDIT, meter, amount, now, expiresAt, actor,
        reason, Optional.empty());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", grant.id().toString());
    details.put("meter", meter.name());
    details.put("amount", Long.toString(amount));
    details.put("until", expiresAt.toString());
    store.addEntitlements(tenant, List.of(grant), audit(now, tenant, actor, AdminOperation.GRANT_CREDIT, reason, details));
    afterChange(tenant, AdminOperation.GRANT_CREDIT);
    return grant;
  }

  @Override
  public TierOverride overrideTier(TenantId tenant, Tier tier, Instant until, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    catalogue.requireTier(tier);
    Instant now = clock.instant();
    checkExpiry("until", until, now);
    authorize(actor, AdminOperation.OVERRIDE_TIER, tenant);
    requireKnown(tenant);
    TierOverride override = new TierOverride(EntitlementId.random(), tenant, tier, now, until, actor, reason,
        Optional.empty());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", override.id().toString());
    details.put("tier", tier.name());
    details.put("until", until.toString());
    store.addEntitlements(tenant, List.of(override),
        audit(now, tenant, actor, AdminOperation.OVERRIDE_TIER, reason, details));
    afterChange(tenant, AdminOperation.OVERRIDE_TIER);
    return override;
  }

  @Override
  public OneTimeCredit grantOneTimeCredit(TenantId tenant, Meter meter, long amount, Instant validFrom,
      Instant validUntil, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    catalogue.requireMeter(meter);
    Checks.positive("amount", amount);
    Checks.notNull("valid from", validFrom);
    Checks.notNull("valid until", validUntil);
    Instant now = clock.instant();
    // Never back-dated: usage already recorded drew nothing, so a start in the past is a start now.
    Instant from = validFrom.isBefore(now) ? now : validFrom;
    if (!validUntil.isAfter(from)) {
      throw new InvalidRequestException("valid until", "must be after valid from (" + from + "), was "
          + validUntil);
    }
    if (validUntil.isAfter(now.plus(QuotaAdmin.MAX_CREDIT_VALIDITY))) {
      throw new InvalidRequestException("valid until", "must be at most " + Checks.readable(QuotaAdmin.MAX_CREDIT_VALIDITY)
          + " from now (" + now.plus(QuotaAdmin.MAX_CREDIT_VALIDITY) + "), was " + validUntil);
    }
    authorize(actor, AdminOperation.GRANT_ONE_TIME_CREDIT, tenant);
    requireKnown(tenant);
    OneTimeCredit credit = new OneTimeCredit(EntitlementId.random(), tenant, meter, amount, 0, from, validUntil,
        actor, reason, Optional.empty());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", credit.id().toString());
    details.put("meter", meter.name());
    details.put("amount", Long.toString(amount));
    details.put("from", from.toString());
    details.put("until", validUntil.toString());
    store.addEntitlements(tenant, List.of(credit),
        audit(now, tenant, actor, AdminOperation.GRANT_ONE_TIME_CREDIT, reason, details));
    afterChange(tenant, AdminOperation.GRANT_ONE_TIME_CREDIT);
    return credit;
  }

  @Override
  public LimitOverride overrideLimit(TenantId tenant, Meter meter, long limit, Instant until, Actor actor,
      String reason) {
    checkChange(tenant, actor, reason);
    catalogue.requireMeter(meter);
    Checks.notNegative("limit", limit);
    Instant now = clock.instant();
    checkExpiry("until", until, now);
    return addLimitOverride(tenant, meter, limit, now, until, actor, reason);
  }

  @Override
  public LimitOverride overrideLimit(TenantId tenant, Meter meter, long limit, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    catalogue.requireMeter(meter);
    Checks.notNegative("limit", limit);
    return addLimitOverride(tenant, meter, limit, clock.instant(), LimitOverride.OPEN_ENDED, actor, reason);
  }

  private LimitOverride addLimitOverride(TenantId tenant, Meter meter, long limit, Instant now, Instant until,
      Actor actor, String reason) {
    authorize(actor, AdminOperation.OVERRIDE_LIMIT, tenant);
    requireKnown(tenant);
    LimitOverride override = new LimitOverride(EntitlementId.random(), tenant, meter, limit, now, until, actor,
        reason, Optional.empty());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", override.id().toString());
    details.put("meter", meter.name());
    details.put("limit", Long.toString(limit));
    details.put("until", override.openEnded() ? "revoked" : until.toString());
    store.addEntitlements(tenant, List.of(override),
        audit(now, tenant, actor, AdminOperation.OVERRIDE_LIMIT, reason, details));
    afterChange(tenant, AdminOperation.OVERRIDE_LIMIT);
    return override;
  }

  @Override
  public Bypass bypass(TenantId tenant, Instant until, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    Instant now = clock.instant();
    checkExpiry("until", until, now);
    authorize(actor, AdminOperation.BYPASS, tenant);
    requireKnown(tenant);
    Bypass bypass = new Bypass(EntitlementId.random(), tenant, now, until, actor, reason, Optional.empty());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", bypass.id().toString());
    details.put("until", until.toString());
    store.addEntitlements(tenant, List.of(bypass), audit(now, tenant, actor, AdminOperation.BYPASS, reason, details));
    afterChange(tenant, AdminOperation.BYPASS);
    return bypass;
  }

  @Override
  public Entitlement revoke(EntitlementId entitlementId, Actor actor, String reason) {
    EntitlementId id = Checks.notNull("entitlement id", entitlementId);
    Checks.notNull("actor", actor);
    Checks.text("reason", reason, MAX_REASON_LENGTH);
    Entitlement existing = store.findEntitlement(id)
        .orElseThrow(() -> new EntitlementStateException("no grant, override or bypass has id " + id));
    TenantId tenant = existing.tenant();
    authorize(actor, AdminOperation.REVOKE, tenant);
    Instant now = clock.instant();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("entitlement", id.toString());
    details.put("kind", kindOf(existing));
    details.put("validUntil", existing.validUntil().toString());
    RevokeOutcome outcome = store.revoke(tenant, id, new Revocation(now, actor, reason),
        audit(now, tenant, actor, AdminOperation.REVOKE, reason, details));
    return switch (outcome) {
      case RevokeOutcome.Revoked r -> {
        afterChange(tenant, AdminOperation.REVOKE);
        yield r.entitlement();
      }
      case RevokeOutcome.AlreadyEnded a -> throw new EntitlementStateException(kindOf(a.entitlement()) + " " + id
          + " of tenant '" + tenant + "' already ended at " + a.entitlement().effectiveEnd());
      case RevokeOutcome.NotFound n -> throw new EntitlementStateException("no grant, override or bypass has id " + id);
    };
  }

  @Override
  public AuditEntry setPlan(TenantId tenant, Plan plan, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    Checks.notNull("plan", plan);
    catalogue.requireTier(plan.tier());
    authorize(actor, AdminOperation.SET_PLAN, tenant);
    Instant now = clock.instant();
    TenantState current = store.readLatest(tenant, catalogue.defaultMeter(), now);
    TenantState next = new TenantState(Optional.of(plan), current.entitlements(), current.version(), List.of());
    Map<Meter, Period> periods = new LinkedHashMap<>();
    for (Meter meter : catalogue.meters().keySet()) {
      periods.put(meter, evaluator.periodOf(next, meter, now));
    }
    Map<String, String> details = new LinkedHashMap<>();
    current.plan().ifPresent(p -> details.put("previousTier", p.tier().name()));
    details.put("tier", plan.tier().name());
    current.plan().flatMap(p -> p.billingDay().isPresent() ? Optional.of(p.billingDay().getAsInt()) : Optional.empty())
        .ifPresent(day -> details.put("previousBillingDay", Integer.toString(day)));
    if (plan.billingDay().isPresent()) {
      details.put("billingDay", Integer.toString(plan.billingDay().getAsInt()));
    }
    AuditEntry audit = audit(now, tenant, actor, AdminOperation.SET_PLAN, reason, details);
    store.setPlan(tenant, plan, periods, audit);
    afterChange(tenant, AdminOperation.SET_PLAN);
    return audit;
  }

  @Override
  public AuditEntry setParent(TenantId tenant, TenantId parent, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    Checks.notNull("parent", parent);
    if (parent.equals(tenant)) {
      throw new InvalidRequestException("parent", "must not be the tenant itself: '" + tenant.value()
          + "'. Nothing was changed");
    }
    authorize(actor, AdminOperation.SET_PARENT, tenant);
    // Hanging a tenant under a parent makes its usage count against the parent's limits: the actor must be allowed
    // to change the parent too.
    authorize(actor, AdminOperation.SET_PARENT, parent);
    return changeParent(tenant, Optional.of(parent), actor, reason);
  }

  @Override
  public AuditEntry clearParent(TenantId tenant, Actor actor, String reason) {
    checkChange(tenant, actor, reason);
    authorize(actor, AdminOperation.SET_PARENT, tenant);
    return changeParent(tenant, Optional.empty(), actor, reason);
  }

  private AuditEntry changeParent(TenantId tenant, Optional<TenantId> parent, Actor actor, String reason) {
    Instant now = clock.instant();
    TenantState current = store.readLatest(tenant, catalogue.defaultMeter(), now);
    Map<String, String> details = new LinkedHashMap<>();
    current.parent().ifPresent(p -> details.put("previousParent", p.value()));
    parent.ifPresent(p -> details.put("parent", p.value()));
    AuditEntry audit = audit(now, tenant, actor, AdminOperation.SET_PARENT, reason, details);
    ParentOutcome outcome = store.setParent(tenant, parent, MAX_TREE_DEPTH, audit);
    return switch (outcome) {
      case CHANGED -> audit;
      case WOULD_CYCLE -> throw new InvalidRequestException("parent", "would close a cycle: '" + tenant.value()
          + "' is an ancestor of '" + parent.map(TenantId::value).orElse("") + "'. Nothing was changed");
      case TOO_DEEP -> throw new InvalidRequestException("parent", "would make a path longer than "
          + "QuotaAdmin.MAX_TREE_DEPTH (" + MAX_TREE_DEPTH + " levels) with the tenant's subtree under '"
          + parent.map(TenantId::value).orElse("") + "'. Nothing was changed");
    };
  }

  @Override
  public Optional<TenantId> parentOf(TenantId tenant) {
    Checks.notNull("tenant", tenant);
    return store.readLatest(tenant, catalogue.defaultMeter(), clock.instant()).parent();
  }

  @Override
  public Page<TenantId> children(TenantId tenant, PageRequest page) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("page", page);
    return store.children(tenant, page);
  }

  @Override
  public List<Entitlement> entitlements(TenantId tenant) {
    Checks.notNull("tenant", tenant);
    return store.entitlements(tenant);
  }

  @Override
  public Page<UsageEntry> ledger(TenantId tenant, PageRequest page) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("page", page);
    Page<LedgerEntry> entries = store.ledger(tenant, page);
    List<UsageEntry> items = new ArrayList<>(entries.items().size());
    for (LedgerEntry e : entries.items()) {
      items.add(new UsageEntry(e.tenant(), e.meter(), e.amount(), e.key(), e.occurredAt(), e.period()));
    }
    return new Page<>(items, entries.request(), entries.hasMore());
  }

  @Override
  public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    Checks.notNull("query", query);
    Checks.notNull("page", page);
    return store.audit(query, page);
  }

  @Override
  public Page<UsageReport> listUsage(UsageQuery query, PageRequest page) {
    Checks.notNull("query", query);
    Checks.notNull("page", page);
    Meter meter = query.meterIfSet().map(catalogue::requireMeter).orElseGet(catalogue::defaultMeter);
    Instant now = clock.instant();
    Page<UsageListing.Row> rows = store.listUsage(evaluator.listing(query, meter, now, page));
    List<UsageReport> reports = new ArrayList<>(rows.items().size());
    for (UsageListing.Row row : rows.items()) {
      reports.add(evaluator.evaluate(row.tenant(), meter, row.state(), now));
    }
    return new Page<>(reports, page, rows.hasMore());
  }

  @Override
  public PurgeSummary previewPurge(TenantId tenant, Instant since) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("since", since);
    return store.previewPurge(tenant, since);
  }

  @Override
  public PurgeSummary purgeUsage(TenantId tenant, Instant since, PurgeConfirmation confirmation, Actor actor,
      String reason) {
    checkChange(tenant, actor, reason);
    Checks.notNull("since", since);
    Checks.notNull("confirmation", confirmation);
    Instant now = clock.instant();
    if (since.isAfter(now)) {
      throw new InvalidRequestException("since", "must not be in the future (now " + now + "), was " + since);
    }
    if (!confirmation.confirms(tenant)) {
      throw new InvalidRequestException("confirmation", "must repeat the tenant id '" + tenant
          + "' exactly, was '" + Checks.printable(confirmation.typedTenantId()) + "'");
    }
    authorize(actor, AdminOperation.PURGE_USAGE, tenant);
    requireKnown(tenant);
    PurgeSummary summary = store.purge(tenant, since, deleted -> {
      Map<String, String> details = new LinkedHashMap<>();
      details.put("since", since.toString());
      details.put("entries", Long.toString(deleted.entries()));
      deleted.amountByMeter().forEach((meter, amount) -> details.put(meter + ".amount", Long.toString(amount)));
      return audit(now, tenant, actor, AdminOperation.PURGE_USAGE, reason, details);
    });
    LOG.warn("actor '{}' purged {} usage entries of tenant '{}' since {}: {}", actor, summary.entries(), tenant,
        since, reason);
    afterChange(tenant, AdminOperation.PURGE_USAGE);
    return summary;
  }

  @Override
  public UsageHistory usageHistory(TenantId tenant, Meter meter, Instant from, Instant to,
      HistoryGranularity granularity) {
    Checks.notNull("tenant", tenant);
    catalogue.requireMeter(meter);
    Checks.notNull("from", from);
    Checks.notNull("to", to);
    Checks.notNull("granularity", granularity);
    if (!to.isAfter(from)) {
      throw new InvalidRequestException("to", "must be after from (" + from + "), was " + to);
    }
    ZoneId zone = catalogue.zone();
    List<Instant> edges = new ArrayList<>();
    ZonedDateTime edge = bucketStart(from.atZone(zone), granularity);
    edges.add(edge.toInstant());
    while (edges.get(edges.size() - 1).isBefore(to)) {
      if (edges.size() > granularity.maxBuckets()) {
        throw new InvalidRequestException("to", "must be at most " + granularity.maxBuckets() + " "
            + granularity.name().toLowerCase(Locale.ROOT) + "s after from (" + from + ") in zone " + zone
            + ", was " + to);
      }
      edge = granularity == HistoryGranularity.DAY
          ? edge.toLocalDate().plusDays(1).atStartOfDay(zone)
          : edge.plusHours(1);
      edges.add(edge.toInstant());
    }
    List<Long> sums = store.usageHistory(tenant, meter, List.copyOf(edges));
    List<UsageHistory.Bucket> buckets = new ArrayList<>(sums.size());
    for (int i = 0; i < sums.size(); i++) {
      buckets.add(new UsageHistory.Bucket(edges.get(i), edges.get(i + 1), sums.get(i)));
    }
    return new UsageHistory(tenant, meter, zone, granularity, buckets);
  }

  /** The local midnight (the first valid time after it, in a gap) or the whole hour at or before an instant. */
  private static ZonedDateTime bucketStart(ZonedDateTime at, HistoryGranularity granularity) {
    return granularity == HistoryGranularity.DAY
        ? at.toLocalDate().atStartOfDay(at.getZone())
        : at.truncatedTo(ChronoUnit.HOURS);
  }

  @Override
  public Verification verify(TenantId tenant) {
    Checks.notNull("tenant", tenant);
    return new Verification(tenant, store.verify(tenant), store.verifyCredits(tenant));
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private void checkChange(TenantId tenant, Actor actor, String reason) {
    Checks.notNull("tenant", tenant);
    Checks.notNull("actor", actor);
    Checks.text("reason", reason, MAX_REASON_LENGTH);
  }

  /**
   * Refuses a change to a tenant the store does not know, unless this admin accepts new tenants: after the
   * arguments are checked and the actor is authorized (a refused actor hears about the refusal, not about other
   * tenants), before anything is written.
   */
  private void requireKnown(TenantId tenant) {
    if (acceptNewTenants) {
      return;
    }
    TenantLookup lookup = lookUp(tenant);
    if (!lookup.known()) {
      throw new InvalidRequestException("tenant", lookup.describe() + (lookup.didYouMean().isPresent() ? " " : ". ")
          + "Nothing was changed (to act on a new tenant, make the change through QuotaAdmin.acceptingNewTenants())");
    }
  }

  private void checkExpiry(String field, Instant expiry, Instant now) {
    Checks.notNull(field, expiry);
    if (!expiry.isAfter(now)) {
      throw new InvalidRequestException(field, "must be in the future (now " + now + "), was " + expiry);
    }
    if (Duration.between(now, expiry).compareTo(maxEntitlementDuration) > 0) {
      throw new InvalidRequestException(field, "must be at most " + Checks.readable(maxEntitlementDuration)
          + " from now (" + now.plus(maxEntitlementDuration) + "), was " + expiry);
    }
  }

  private void authorize(Actor actor, AdminOperation operation, TenantId tenant) {
    if (!authorizer.permits(actor, operation, tenant)) {
      LOG.warn("refused {} for tenant '{}' by actor '{}': not permitted by the authorizer", operation, tenant, actor);
      throw new AccessDeniedException(actor, operation, tenant);
    }
  }

  private static AuditEntry audit(Instant now, TenantId tenant, Actor actor, AdminOperation operation, String reason,
      Map<String, String> details) {
    return new AuditEntry(UUID.randomUUID(), now, tenant, actor, operation, reason, details);
  }

  private static String kindOf(Entitlement e) {
    return switch (e) {
      case Grant g -> "grant";
      case TierOverride o -> "tier override";
      case Bypass b -> "bypass";
      case LimitOverride l -> "limit override";
      case OneTimeCredit c -> "one-time credit";
    };
  }

  /**
   * Admin changes move balances: re-arm alerts on every meter, and tell of a tenant the change unblocked. Failures
   * here do not undo the change.
   */
  private void afterChange(TenantId tenant, AdminOperation operation) {
    Instant now = clock.instant();
    try {
      for (Meter meter : catalogue.meters().keySet()) {
        TenantState state = store.read(tenant, meter, now);
        alerts.afterAdminChange(evaluator.evaluate(tenant, meter, state, now), operation, now);
      }
    } catch (StoreUnavailableException e) {
      LOG.warn("could not re-evaluate alerts of tenant '{}' after an admin change: {}", tenant, e.toString());
    }
  }
}
