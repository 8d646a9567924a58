package dev.quota.jooq;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.ReservationId;
import dev.quota.TenantId;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.CounterCheck;
import dev.quota.admin.CreditCheck;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.Page;
import dev.quota.admin.PageRequest;
import dev.quota.admin.PlanSource;
import dev.quota.admin.PurgeSummary;
import dev.quota.admin.Revocation;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.jooq.internal.AdminWrites;
import dev.quota.jooq.internal.BatchWrites;
import dev.quota.jooq.internal.BatchWrites.AppendRequest;
import dev.quota.jooq.internal.BatchWrites.ConsumeKey;
import dev.quota.jooq.internal.BatchWrites.ConsumeRequest;
import dev.quota.jooq.internal.Batcher;
import dev.quota.jooq.internal.ChangeChannel;
import dev.quota.jooq.internal.ChangeListener;
import dev.quota.jooq.internal.CounterRules;
import dev.quota.jooq.internal.CreditWrites;
import dev.quota.jooq.internal.Counters;
import dev.quota.jooq.internal.CreditWrites;
import dev.quota.jooq.internal.Db;
import dev.quota.jooq.internal.HostPlans;
import dev.quota.jooq.internal.ServiceRecords;
import dev.quota.jooq.internal.JooqStartupMessages;
import dev.quota.jooq.internal.KnownTenants;
import dev.quota.jooq.internal.LedgerReads;
import dev.quota.jooq.internal.Maintenance;
import dev.quota.jooq.internal.TenantTree;
import dev.quota.jooq.internal.Migrations;
import dev.quota.jooq.internal.Outbox;
import dev.quota.jooq.internal.PathBatches;
import dev.quota.jooq.internal.PathWrites;
import dev.quota.jooq.internal.SchemaCheck;
import dev.quota.jooq.internal.StateCache;
import dev.quota.jooq.internal.StateReads;
import dev.quota.jooq.internal.HoldWrites;
import dev.quota.jooq.internal.HoldWrites.CommitRequest;
import dev.quota.jooq.internal.HoldWrites.HoldKey;
import dev.quota.jooq.internal.HoldWrites.ReserveRequest;
import dev.quota.jooq.internal.UsageHistoryQuery;
import dev.quota.jooq.internal.UsageWrites;
import dev.quota.jooq.internal.WindowCompactor;
import dev.quota.spi.CommitOutcome;
import dev.quota.spi.LedgerEntry;
import dev.quota.spi.ParentOutcome;
import dev.quota.spi.PathOutcome;
import dev.quota.spi.PathWrite;
import dev.quota.spi.QuotaStore;
import dev.quota.spi.ReleaseOutcome;
import dev.quota.spi.RevokeOutcome;
import dev.quota.spi.StoreUnavailableException;
import dev.quota.spi.StoredReservation;
import dev.quota.spi.StoredServiceConfiguration;
import dev.quota.spi.TenantState;
import dev.quota.spi.UsageListing;
import dev.quota.spi.WriteOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.SQLDialect;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.RenderMapping;
import org.jooq.conf.Settings;
import org.jooq.conf.SettingsTools;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL {@link QuotaStore}: every primitive as type-safe jOOQ SQL, atomic in one READ COMMITTED
 * transaction and exact under concurrency across threads and JVM instances, with a Caffeine cache in front of
 * reads.
 *
 * {@snippet :
 * PostgresQuotaStore store = PostgresQuotaStore.builder()
 *     .dataSource(dataSource)            // the host's pool
 *     .schema("quota")                   // where the migration scripts were applied
 *     .cacheTtl(Duration.ofSeconds(1))   // the most a check may lag behind other instances' usage
 *     .build();
 * Quota quota = Quota.builder().store(store).build();
 * }
 *
 * <p><b>Schema.</b> The tables come from the Flyway scripts in the jar at {@value #MIGRATION_LOCATION}; add that
 * location to the host's Flyway (with the target schema), or call {@link #createSchema(DataSource, String)} once.
 * {@link Builder#build()} checks that they are there and fails with a {@link QuotaSchemaException} saying what to
 * run when they are not.
 *
 * <p><b>Cache.</b> {@link dev.quota.QuotaGuard#canProceed} and {@code usage} read a per-tenant-and-meter state that
 * is at most {@link Builder#cacheTtl the TTL} old; this instance's own writes update it at once (refused ones too, with
 * the counter they were refused on), and admin changes invalidate it here and, through {@code NOTIFY} on a channel
 * named after the schema, on every other instance, which {@code LISTEN}s on a dedicated connection (re-established by
 * itself after a drop). Consumes, reserves and
 * commits are always decided by the database: a cached state only ever makes a write come back {@code Stale},
 * and the guard then reads again, past the cache. {@link Builder#strict()} turns the cache off.
 *
 * <p><b>Hot paths.</b> A cached check allocates nothing in the store and touches no database. An uncached read of a
 * tenant's state is one statement and one round trip, rendered once at start-up, whatever the size of the ledger
 * (counters are kept per period). Concurrent {@code tryConsume}s of one tenant are combined into one statement
 * ({@link Builder#combineConsumes}), and concurrent records are group-committed ({@link Builder#groupCommitRecords}):
 * one transaction, one durable commit per batch, each caller with its own exact outcome, returning only once its usage
 * is committed. A {@code reserve} and a {@code commit} are one statement and one round trip each. All of them run
 * through functions of the schema (the batch functions of migrations V2 and V3, {@code quota_reserve} and
 * {@code quota_commit} of V6), which, like the functions of the rules every write applies (V3), the role needs
 * {@code EXECUTE} on (PostgreSQL grants it to everyone by default).
 *
 * <p><b>Failures.</b> Lost connections, administrator terminations, statement timeouts, too many connections and
 * pool timeouts become {@link dev.quota.spi.StoreUnavailableException} after the transaction rolled back, so the
 * guard's {@link dev.quota.FailurePolicy} applies; {@link #lastKnown} serves
 * {@link dev.quota.FailurePolicy#lastKnownState}. So does every other failure of the database to run a statement
 * (quota's tables dropped at runtime, a column or function missing, a privilege revoked): its message says what is
 * missing. Bad input is refused with an {@link dev.quota.InvalidRequestException} before any statement, including a
 * tenant id that the id column of a {@linkplain Builder#plansFromHostTable host plan table} cannot hold (not a
 * {@code bigint}, say). No raw jOOQ or JDBC exception leaves the store.
 *
 * <p><b>jOOQ's start-up messages.</b> Loading this class sets jOOQ's {@code org.jooq.no-logo} and
 * {@code org.jooq.no-tips} to {@code true} unless the application set them, so jOOQ's logo and tip of the day stay
 * out of the application's logs.
 *
 * <p><b>Archival.</b> {@link #archiveUsage(Instant)} moves old ledger rows to an archive table in small batches;
 * balances and verification are unchanged, but a usage key is recognised as a duplicate only until its row is
 * archived.
 *
 * <p>The store holds one connection for its listener; {@link #close()} releases it.
 */
public final class PostgresQuotaStore implements QuotaStore, AutoCloseable {
  static {
    // Before this class or its parts first render SQL: jOOQ's logo and tip of the day stay out of the host's logs,
    // unless the host asked for them (org.jooq.no-logo / org.jooq.no-tips set to false).
    JooqStartupMessages.quietUnlessSet();
  }

  /** The class-path location of the migration scripts, in Flyway's notation. */
  public static final String MIGRATION_LOCATION = "classpath:" + Migrations.LOCATION;

  private static final Logger LOG = LoggerFactory.getLogger(PostgresQuotaStore.class);

  private static final Pattern SCHEMA_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final Pattern IDENTIFIER = Pattern.compile("[^\\u0000]{1,63}");
  /** The one lane of appends: a batch takes appends of any tenants. */
  private static final Object ALL_APPENDS = new Object();

  private final String schema;
  private final ChangeChannel changes;
  private final Db db;
  private final StateCache cache;
  private final StateReads reads;
  private final UsageWrites usage;
  private final CreditWrites credits;
  private final HoldWrites holds;
  private final BatchWrites batches;
  private final PathWrites paths;
  private final @Nullable Batcher<PathBatches.RootKey, PathBatches.Request, PathOutcome> pathConsumes;
  private final AdminWrites admin;
  private final Maintenance maintenance;
  private final TenantTree tree;
  private final Outbox outbox;
  private final UsageHistoryQuery history;
  private final KnownTenants known;
  private final ServiceRecords serviceRecords;
  private final PlanSource planSource;
  private final @Nullable Batcher<ConsumeKey, ConsumeRequest, WriteOutcome> consumes;
  private final @Nullable Batcher<Object, AppendRequest, WriteOutcome> appends;
  private final @Nullable Batcher<HoldKey, ReserveRequest, WriteOutcome> reserves;
  private final @Nullable Batcher<HoldKey, CommitRequest, CommitOutcome> commits;
  private final ChangeListener listener;

  private PostgresQuotaStore(Builder b) {
    this.schema = b.schema;
    this.changes = new ChangeChannel(b.schema);
    Settings settings = SettingsTools.clone(b.dsl != null ? b.dsl.settings() : new Settings())
        .withRenderMapping(new RenderMapping().withSchemata(new MappedSchema().withInput("").withOutput(b.schema)))
        .withExecuteLogging(false);
    DSLContext dsl = b.dsl != null ? b.dsl.configuration().derive(settings).dsl()
        : DSL.using(Objects.requireNonNull(b.dataSource), SQLDialect.POSTGRES, settings); // build() checked
    this.db = new Db(dsl);
    checkSchema(db, b.schema);
    this.cache = new StateCache(b.strict ? null : b.cacheTtl, b.cacheMaximumSize);
    CounterRules rules = new CounterRules(b.schema);
    Counters counters = new Counters(db, rules);
    this.reads = new StateReads(db, rules, b.hostPlans);
    this.usage = new UsageWrites(db, counters, b.reservationRetention, cache);
    this.credits = new CreditWrites(db, counters, rules, usage, cache);
    this.holds = new HoldWrites(db, b.schema, counters, usage, cache);
    this.batches = new BatchWrites(db, b.schema, counters, usage, cache);
    this.admin = new AdminWrites(db, b.hostPlans, changes, cache);
    this.maintenance = new Maintenance(db, admin, cache, b.archiveBatchSize);
    // ended short windows are compacted as new ones begin
    this.paths = new PathWrites(db, b.schema, usage, cache, new WindowCompactor(maintenance::compactWindows));
    PathBatches pathBatches = new PathBatches(db, b.schema, paths, usage, cache);
    // the members of one organisation share its counters: their path consumes are combined per root and meter
    this.pathConsumes = b.combineConsumes ? new Batcher<>(b.maxBatchSize, pathBatches::consumeBatch) : null;
    this.tree = new TenantTree(db, admin, cache, b.schema);
    this.outbox = new Outbox(db);
    this.history = new UsageHistoryQuery(db);
    this.known = new KnownTenants(db, b.hostPlans);
    this.serviceRecords = new ServiceRecords(db);
    this.planSource = b.hostPlans != null ? b.hostPlans.source() : PlanSource.QUOTA_TABLE;
    this.consumes = b.combineConsumes ? new Batcher<>(b.maxBatchSize, batches::consumeBatch) : null;
    this.reserves = b.combineConsumes ? new Batcher<>(b.maxBatchSize, holds::reserveBatch) : null;
    this.commits = b.combineConsumes ? new Batcher<>(b.maxBatchSize, holds::commitBatch) : null;
    // two append batches at a time: one flushes its commit while the next runs its statement (see Batcher)
    this.appends = b.groupCommitAppends ? new Batcher<>(b.maxBatchSize, 2, batches::appendBatch) : null;
    this.listener = b.listen && cache.caching()
        ? changes.listen(dsl.configuration().connectionProvider(), cache, b.listenerMaxBackoff)
        : ChangeListener.disabled();
  }

  /**
   * Fails fast on a schema the store cannot work with, before the listener starts: the database answers, but quota's
   * tables or functions are not there. A database that does not answer is no reason to refuse to start (the guard's
   * failure policy decides while it is down), so then the check is only logged as skipped.
   */
  private static void checkSchema(Db db, String schema) {
    List<String> missing;
    try {
      missing = db.read(dsl -> SchemaCheck.missing(dsl, schema));
    } catch (StoreUnavailableException e) {
      LOG.warn("could not check quota's tables in schema {} while building the store; the failure policy decides "
          + "until the database answers: {}", schema, e.getMessage());
      return;
    }
    if (!missing.isEmpty()) {
      throw new QuotaSchemaException(schema, missing);
    }
  }

  /** @return a builder; a {@link Builder#dataSource} or a {@link Builder#dsl} is required */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates or upgrades quota's tables in a schema (creating the schema too) from the scripts shipped in the jar:
   * the one-call setup for hosts without a migration tool. It runs, in order and in one transaction, the scripts
   * not run before, noting each in the schema's table {@code quota_schema_scripts}; so calling it at every
   * start-up is safe, and a newer jar's scripts are applied by the same call. Hosts with Flyway add
   * {@value #MIGRATION_LOCATION} to its locations instead (and should not mix the two on one schema).
   *
   * @param dataSource the database, with a role allowed to create the schema and tables
   * @param schema the schema's name: ASCII letters, digits and underscores, at most 63, not starting with a digit
   * @return {@code true} if a script ran, {@code false} if the schema was up to date
   * @throws InvalidRequestException if the schema name breaks the rule above
   * @throws dev.quota.spi.StoreUnavailableException if the database cannot be reached
   */
  public static boolean createSchema(DataSource dataSource, String schema) {
    Objects.requireNonNull(dataSource, "dataSource");
    return Migrations.createSchema(dataSource, checkSchema(schema));
  }

  /** @return the schema the store's tables live in */
  public String schema() {
    return schema;
  }

  /** @return the notification channel of admin changes, derived from the schema name */
  public String channel() {
    return changes.name();
  }

  /**
   * Tells whether the change listener is connected and listening right now: false while it reconnects, when the
   * cache is off, or when the JDBC driver's API is missing. Useful for a health check.
   *
   * @return whether other instances' admin changes reach this instance's cache at once
   */
  public boolean isListening() {
    return listener.isListening();
  }

  // --- QuotaStore -------------------------------------------------------------------------------------------

  @Override
  public TenantState read(TenantId tenant, Meter meter, Instant now) {
    TenantState cached = cache.cached(tenant, meter, now);
    if (cached != null) {
      return cached; // the hot path: no allocation, no database
    }
    return cache.read(tenant, meter, now, () -> reads.read(tenant, meter, now));
  }

  @Override
  public TenantState readLatest(TenantId tenant, Meter meter, Instant now) {
    return cache.readLatest(tenant, meter, now, () -> reads.read(tenant, meter, now));
  }

  @Override
  public Page<UsageListing.Row> listUsage(UsageListing listing) {
    return reads.listUsage(listing);
  }

  @Override
  public WriteOutcome consume(LedgerEntry entry, long ceiling, long expectedVersion) {
    ConsumeKey key = new ConsumeKey(entry.tenant(), entry.meter(), entry.period(), expectedVersion);
    ConsumeRequest request = new ConsumeRequest(entry, ceiling);
    if (consumes == null) {
      return alone(batches.consumeBatch(key, List.of(request))); // the same statement, one request per transaction
    }
    return consumes.submit(key, request);
  }

  @Override
  public WriteOutcome writeDrawingCredits(LedgerEntry entry, long allowance, boolean conditional,
      long expectedVersion) {
    return credits.write(entry, allowance, conditional, expectedVersion);
  }

  @Override
  public WriteOutcome append(LedgerEntry entry, long expectedVersion) {
    AppendRequest request = new AppendRequest(entry, expectedVersion);
    if (appends == null) {
      return alone(batches.appendBatch(ALL_APPENDS, List.of(request))); // one transaction per record
    }
    return appends.submit(ALL_APPENDS, request);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement and one transaction for all the entries: all of them are written, or (on a failure) none.
   */
  @Override
  public List<WriteOutcome> appendAll(List<LedgerEntry> entries, long expectedVersion) {
    if (entries.isEmpty()) {
      return List.of();
    }
    return batches.appendAll(entries, expectedVersion);
  }

  @Override
  public WriteOutcome reserve(StoredReservation reservation, long ceiling, long expectedVersion, Instant now) {
    HoldKey key = new HoldKey(reservation.tenant(), reservation.meter(), reservation.period(), expectedVersion);
    ReserveRequest request = new ReserveRequest(reservation, ceiling, now);
    if (reserves == null) {
      return alone(holds.reserveBatch(key, List.of(request)));
    }
    return reserves.submit(key, request);
  }

  @Override
  public CommitOutcome commit(TenantId tenant, ReservationId id, LedgerEntry entry, long expectedVersion, Instant now) {
    HoldKey key = new HoldKey(tenant, entry.meter(), entry.period(), expectedVersion);
    CommitRequest request = new CommitRequest(id, entry, now);
    if (commits == null) {
      return alone(holds.commitBatch(key, List.of(request)));
    }
    return commits.submit(key, request);
  }

  @Override
  public CommitOutcome commitDrawingCredits(TenantId tenant, ReservationId id, LedgerEntry entry, long allowance,
      long expectedVersion, Instant now) {
    return credits.commit(tenant, id, entry, allowance, expectedVersion, now);
  }

  @Override
  public ReleaseOutcome release(TenantId tenant, ReservationId id, Instant now) {
    return usage.release(tenant, id, now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One call of a database function, in auto-commit (more only to create missing counter rows or sweep expired
   * holds first). Unless combining is off, concurrent calls on paths of one root and meter share one call, which
   * decides them in arrival order.
   */
  @Override
  public PathOutcome consumePath(LedgerEntry entry, PathWrite write, boolean conditional) {
    requireWritable(entry.tenant(), write);
    if (pathConsumes == null) {
      return paths.consume(entry, write, conditional);
    }
    return pathConsumes.submit(PathBatches.RootKey.of(write, entry.meter()),
        new PathBatches.Request(entry, write, conditional));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One call of a database function, in auto-commit (more only to create missing counter rows or sweep expired
   * holds first).
   */
  @Override
  public PathOutcome reservePath(StoredReservation reservation, PathWrite write, boolean conditional, Instant now) {
    requireWritable(reservation.tenant(), write);
    return paths.reserve(reservation, write, conditional, now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One call of a database function, in auto-commit (more only to create missing counter rows).
   */
  @Override
  public CommitOutcome commitPath(TenantId tenant, ReservationId id, LedgerEntry entry, PathWrite write,
      Instant now) {
    requireWritable(tenant, write);
    return paths.commit(tenant, id, entry, write, now);
  }

  private static void requireWritable(TenantId tenant, PathWrite write) {
    if (!write.tenant().equals(tenant)) {
      throw new InvalidRequestException("write", "must start at the writing tenant '" + tenant + "', started at '"
          + write.tenant() + "'");
    }
    if (write.counters().isEmpty()) {
      throw new InvalidRequestException("counters", "must name at least one counter");
    }
  }

  @Override
  public void addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit) {
    admin.addEntitlements(tenant, entitlements, audit, -1);
  }

  @Override
  public boolean addEntitlements(TenantId tenant, List<? extends Entitlement> entitlements, AuditEntry audit,
      long expectedVersion) {
    return admin.addEntitlements(tenant, entitlements, audit, expectedVersion);
  }

  @Override
  public boolean addRollover(Grant rollover, AuditEntry audit) {
    return admin.addRollover(rollover, audit);
  }

  @Override
  public Optional<Entitlement> findEntitlement(EntitlementId id) {
    return admin.findEntitlement(id);
  }

  @Override
  public RevokeOutcome revoke(TenantId tenant, EntitlementId id, Revocation revocation, AuditEntry audit) {
    return admin.revoke(tenant, id, revocation, audit);
  }

  @Override
  public List<Entitlement> entitlements(TenantId tenant) {
    return admin.entitlements(tenant);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if plans come from the host's table ({@link Builder#plansFromHostTable}):
   *     change the tier there
   */
  @Override
  public void setPlan(TenantId tenant, Plan plan, Map<Meter, Period> currentPeriods, AuditEntry audit) {
    admin.setPlan(tenant, plan, currentPeriods, audit);
  }

  @Override
  public Page<AuditEntry> audit(AuditQuery query, PageRequest page) {
    return admin.audit(query, page);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement of index probes; with plans in the host's table, a row there makes the tenant known too.
   */
  @Override
  public Page<LedgerEntry> ledger(TenantId tenant, PageRequest page) {
    return LedgerReads.page(db, tenant, page);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Under a transaction-scoped advisory lock that every change of a parent in the schema takes; the path up and the
   * subtree's height are each one recursive statement on the tenant table.
   */
  @Override
  public ParentOutcome setParent(TenantId tenant, Optional<TenantId> parent, int maxDepth, AuditEntry audit) {
    return tree.setParent(tenant, parent, maxDepth, audit);
  }

  @Override
  public Page<TenantId> children(TenantId tenant, PageRequest page) {
    return tree.children(tenant, page);
  }

  @Override
  public boolean knowsTenant(TenantId tenant) {
    return known.knows(tenant);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads the ids of quota's tenant table, the audit log and the host's plan table whose length could match (a
   * scan, on the path of a refused change only), and checks the closest.
   */
  @Override
  public List<TenantId> knownTenantsLike(TenantId tenant, int limit) {
    return known.like(tenant, limit);
  }

  @Override
  public PlanSource planSource() {
    return planSource;
  }

  @Override
  public Optional<StoredServiceConfiguration> latestServiceConfiguration() {
    return serviceRecords.latest();
  }

  @Override
  public boolean appendServiceConfiguration(StoredServiceConfiguration next) {
    Objects.requireNonNull(next, "next");
    return serviceRecords.append(next);
  }

  @Override
  public PurgeSummary previewPurge(TenantId tenant, Instant since) {
    return maintenance.previewPurge(tenant, since);
  }

  @Override
  public PurgeSummary purge(TenantId tenant, Instant since, Function<PurgeSummary, AuditEntry> audit) {
    return maintenance.purge(tenant, since, audit);
  }

  @Override
  public boolean markAlertFired(Notification notification, Collection<String> channels) {
    return outbox.markFired(notification, channels);
  }

  @Override
  public boolean rearmAlerts(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents,
      @Nullable Notification unblocked, Collection<String> channels) {
    return outbox.rearm(tenant, meter, period, thresholdPercents, unblocked, channels);
  }

  @Override
  public List<Delivery> claimDeliveries(Collection<String> channels, String claimer, Instant now, Duration lease,
      int max) {
    return outbox.claim(channels, claimer, now, lease, max);
  }

  @Override
  public boolean recordDelivered(UUID notificationId, String channel, String claimer, Instant now) {
    return outbox.delivered(notificationId, channel, claimer, now);
  }

  @Override
  public boolean recordFailure(UUID notificationId, String channel, String claimer, Instant now, String error,
      @Nullable Instant retryAt) {
    return outbox.failed(notificationId, channel, claimer, now, error, retryAt);
  }

  @Override
  public List<Delivery> deliveries(DeliveryState state, int max) {
    return outbox.list(state, max);
  }

  @Override
  public Optional<Delivery> delivery(UUID notificationId, String channel) {
    return outbox.find(notificationId, channel);
  }

  @Override
  public long countDeliveries(DeliveryState state) {
    return outbox.count(state);
  }

  @Override
  public boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy, String reason) {
    return outbox.requeue(notificationId, channel, now, requeuedBy, reason);
  }

  @Override
  public int purgeDelivered(Instant before, int max) {
    return outbox.purgeDelivered(before, max);
  }


  /**
   * Sums the entries per bucket: closed UTC days from the roll-up (summed from the ledger and the archive, and stored,
   * by the first read that covers them), the rest of the range from the ledger and the archive.
   */
  @Override
  public List<Long> usageHistory(TenantId tenant, Meter meter, List<Instant> edges) {
    return history.sums(tenant, meter, edges);
  }

  /** Compares each counter with the sum of its period's entries in the ledger and the archive. */
  @Override
  public List<CounterCheck> verify(TenantId tenant) {
    return maintenance.verify(tenant);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement: the ended short-window counters, chosen by the index on their end, locked in the counters' lock
   * order, deleted with the holds taken in them.
   */
  @Override
  public int compactWindows(Instant endedBefore, int max) {
    return maintenance.compactWindows(endedBefore, max);
  }

  @Override
  public List<CreditCheck> verifyCredits(TenantId tenant) {
    return maintenance.verifyCredits(tenant);
  }

  @Override
  public Optional<KnownState> lastKnown(TenantId tenant, Meter meter) {
    return cache.lastKnown(tenant, meter);
  }

  // --- beyond the SPI -----------------------------------------------------------------------------------------

  /**
   * Tells every store instance that a tenant's plan changed outside quota (in the host's plan table), so that
   * cached states are dropped now rather than when their TTL ends.
   *
   * @param tenant the tenant
   */
  public void tenantChanged(TenantId tenant) {
    Objects.requireNonNull(tenant, "tenant");
    cache.tenantChanged(tenant);
    db.read(dsl -> {
      changes.notifyChange(dsl, tenant);
      return null;
    });
  }

  /**
   * Moves every tenant's ledger rows that occurred before a cut-off to the archive table, in batches of
   * {@link Builder#archiveBatchSize} rows, each in its own short transaction. Balances do not change (counters
   * keep counting the rows, verification adds the archive), and rows a writer holds are skipped, so the hot path
   * never waits. After archival a retried usage key is no longer recognised as a duplicate: choose a cut-off well
   * beyond any retry window (months, not minutes).
   *
   * @param cutoff rows that occurred before it move
   * @return how many rows moved
   */
  public long archiveUsage(Instant cutoff) {
    Objects.requireNonNull(cutoff, "cutoff");
    return maintenance.archive(cutoff);
  }

  /**
   * Moves one tenant's ledger rows that occurred before a cut-off to the archive table, in batches.
   *
   * @param tenant the tenant
   * @param cutoff rows that occurred before it move
   * @return how many rows moved
   * @see #archiveUsage(Instant)
   */
  public long archiveUsage(TenantId tenant, Instant cutoff) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(cutoff, "cutoff");
    return maintenance.archive(tenant, cutoff);
  }

  /**
   * Stops the change listener, which gives its connection back within a quarter of a second. The data source is
   * the host's and stays open.
   */
  @Override
  public void close() {
    listener.close();
  }

  @Override
  public String toString() {
    return "PostgresQuotaStore[schema=" + schema + ", cache=" + (cache.caching() ? "on" : "strict") + "]";
  }

  @SuppressWarnings("unchecked")
  private static <T> T alone(List<Object> results) {
    Object result = results.get(0);
    if (result instanceof RuntimeException failure) {
      throw failure;
    }
    return (T) result;
  }

  /** @return the batched writes, for tests of their decisions */
  BatchWrites batches() {
    return batches;
  }

  private static String checkSchema(String schema) {
    if (schema == null) {
      throw new InvalidRequestException("schema", "must not be null");
    }
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new InvalidRequestException("schema", "must be 1 to 63 ASCII letters, digits and underscores, not "
          + "starting with a digit, was '" + schema + "'");
    }
    return schema;
  }

  private static String checkIdentifier(String field, String value) {
    if (value == null || value.isBlank() || !IDENTIFIER.matcher(value).matches()) {
      throw new InvalidRequestException(field, "must be a non-blank SQL identifier of at most 63 characters, was "
          + (value == null ? "null" : "'" + value + "'"));
    }
    return value;
  }

  /**
   * Builds a {@link PostgresQuotaStore}. Every setter checks its argument at once and names what it refuses.
   *
   * <p>Defaults: schema {@value #DEFAULT_SCHEMA}; cache TTL 1 second; at most 100,000 cached tenant states per
   * meter; change listener on; listener reconnection backoff up to 5 seconds; ended reservations kept 1 day;
   * archival batches of 1,000 rows; plans in quota's own tenant table; concurrent consumptions of one tenant
   * combined and concurrent records group-committed, at most 256 requests per statement.
   */
  public static final class Builder {
    /** The default schema. */
    public static final String DEFAULT_SCHEMA = "quota";
    /** The default cache TTL. */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(1);
    /** The default most cached states per meter. */
    public static final long DEFAULT_CACHE_MAXIMUM_SIZE = 100_000;
    /** The default most requests combined into one statement. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 256;

    private @Nullable DataSource dataSource;
    private @Nullable DSLContext dsl;
    private String schema = DEFAULT_SCHEMA;
    private Duration cacheTtl = DEFAULT_CACHE_TTL;
    private long cacheMaximumSize = DEFAULT_CACHE_MAXIMUM_SIZE;
    private boolean strict;
    private boolean listen = true;
    private Duration listenerMaxBackoff = Duration.ofSeconds(5);
    private Duration reservationRetention = Duration.ofDays(1);
    private int archiveBatchSize = 1_000;
    private @Nullable HostPlans hostPlans;
    private boolean combineConsumes = true;
    private boolean groupCommitAppends = true;
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;

    private Builder() {}

    /**
     * Uses a data source, typically the host's connection pool. The store runs its own short transactions on it
     * (do not hand it a data source bound to the host's transactions) and holds one connection for the change
     * listener.
     *
     * @param dataSource the data source of a PostgreSQL database
     * @return this builder
     */
    public Builder dataSource(DataSource dataSource) {
      if (dsl != null) {
        throw new InvalidRequestException("data source", "cannot be set: a DSLContext was already set");
      }
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * Uses a jOOQ context of the host; its settings are kept, with the store's schema mapping added.
     *
     * @param dsl a context of the {@link SQLDialect#POSTGRES} family with a connection provider
     * @return this builder
     */
    public Builder dsl(DSLContext dsl) {
      if (dataSource != null) {
        throw new InvalidRequestException("dsl", "cannot be set: a data source was already set");
      }
      Objects.requireNonNull(dsl, "dsl");
      if (dsl.dialect().family() != SQLDialect.POSTGRES) {
        throw new InvalidRequestException("dsl", "must use the POSTGRES dialect, was " + dsl.dialect());
      }
      this.dsl = dsl;
      return this;
    }

    /**
     * Sets the schema of quota's tables; default {@value #DEFAULT_SCHEMA}. The channel of change notifications is
     * named after it, so instances sharing a schema hear each other.
     *
     * @param schema ASCII letters, digits and underscores, at most 63, not starting with a digit
     * @return this builder
     */
    public Builder schema(String schema) {
      this.schema = checkSchema(schema);
      return this;
    }

    /**
     * Sets how long a state read for {@code canProceed} and {@code usage} may be served from memory; default 1
     * second, measured on the guard's clock (the instants it passes to the store), so that a test clock governs it
     * too and a hit reads no clock of its own. It bounds how far a check lags behind other instances' usage (admin changes arrive faster, by
     * notification), and how long a missed notification matters.
     *
     * @param ttl positive, at most 1 hour
     * @return this builder
     */
    public Builder cacheTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isZero() || ttl.isNegative() || ttl.compareTo(Duration.ofHours(1)) > 0) {
        throw new InvalidRequestException("cache ttl", "must be positive and at most 1 hour, was " + ttl);
      }
      this.cacheTtl = ttl;
      return this;
    }

    /**
     * Sets the most tenant states kept in memory per meter; default 100,000.
     *
     * @param maximumSize at least 1
     * @return this builder
     */
    public Builder cacheMaximumSize(long maximumSize) {
      if (maximumSize < 1) {
        throw new InvalidRequestException("cache maximum size", "must be at least 1, was " + maximumSize);
      }
      this.cacheMaximumSize = maximumSize;
      return this;
    }

    /**
     * Turns the cache off: every check reads the database. The last known states are still kept for
     * {@link dev.quota.FailurePolicy#lastKnownState}.
     *
     * @return this builder
     */
    public Builder strict() {
      this.strict = true;
      return this;
    }

    /**
     * Turns the change listener on or off; default on. Off, other instances' admin changes reach this
     * instance's cache only when its entries expire.
     *
     * @param listen whether to listen
     * @return this builder
     */
    public Builder listenForChanges(boolean listen) {
      this.listen = listen;
      return this;
    }

    /**
     * Sets the longest wait between the listener's reconnection attempts; default 5 seconds.
     *
     * @param maxBackoff from 50 milliseconds to 5 minutes
     * @return this builder
     */
    public Builder listenerMaxBackoff(Duration maxBackoff) {
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (maxBackoff.compareTo(Duration.ofMillis(50)) < 0 || maxBackoff.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new InvalidRequestException("listener max backoff", "must be from 50 ms to 5 minutes, was " + maxBackoff);
      }
      this.listenerMaxBackoff = maxBackoff;
      return this;
    }

    /**
     * Sets how long after expiry an ended reservation is remembered, so that a late commit or release is told
     * apart from an unknown one; default 1 day.
     *
     * @param retention positive, at most 366 days
     * @return this builder
     */
    public Builder reservationRetention(Duration retention) {
      Objects.requireNonNull(retention, "retention");
      if (retention.isZero() || retention.isNegative() || retention.compareTo(Duration.ofDays(366)) > 0) {
        throw new InvalidRequestException("reservation retention", "must be positive and at most 366 days, was "
            + retention);
      }
      this.reservationRetention = retention;
      return this;
    }

    /**
     * Sets how many ledger rows one archival transaction moves; default 1,000.
     *
     * @param rows from 1 to 100,000
     * @return this builder
     */
    public Builder archiveBatchSize(int rows) {
      if (rows < 1 || rows > 100_000) {
        throw new InvalidRequestException("archive batch size", "must be from 1 to 100000, was " + rows);
      }
      this.archiveBatchSize = rows;
      return this;
    }

    /**
     * Takes tenants' tiers from the host's own table, whose id column holds tenant ids as text; quota's
     * {@code setPlan} is then refused. See {@link #plansFromHostTable(String, String, String, String, DataType)}.
     *
     * @param schema the table's schema, such as {@code public}
     * @param table the table, such as {@code user}
     * @param idColumn the column holding the tenant id
     * @param tierColumn the column holding the tier's name
     * @return this builder
     */
    public Builder plansFromHostTable(String schema, String table, String idColumn, String tierColumn) {
      return plansFromHostTable(schema, table, idColumn, tierColumn, SQLDataType.VARCHAR);
    }

    /**
     * Takes tenants' tiers from the host's own table; quota's {@code setPlan} is then refused with an
     * {@link IllegalStateException}, and a change of a tier in that table reaches cached states when they expire,
     * or at once if the host calls {@link PostgresQuotaStore#tenantChanged}. A tenant without a row, or with a null
     * tier, has no plan. The names are quoted as given (case-sensitive), so reserved words such as {@code user}
     * work.
     *
     * @param schema the table's schema, such as {@code public}
     * @param table the table, such as {@code user}
     * @param idColumn the column holding the tenant id
     * @param tierColumn the column holding the tier's name
     * @param idType the id column's type, such as {@link SQLDataType#BIGINT} or {@link SQLDataType#UUID}: the
     *     tenant id is cast to it, so the column's index serves the lookup
     * @return this builder
     */
    public Builder plansFromHostTable(String schema, String table, String idColumn, String tierColumn,
        DataType<?> idType) {
      Objects.requireNonNull(idType, "idType");
      this.hostPlans = new HostPlans(checkIdentifier("host plan schema", schema),
          checkIdentifier("host plan table", table), checkIdentifier("host plan id column", idColumn),
          checkIdentifier("host plan tier column", tierColumn), idType);
      return this;
    }

    /**
     * Combines the concurrent consumptions ({@code tryConsume}) of this instance that hit the same tenant, meter and
     * period into one statement and one transaction; default on. Concurrent reserves, and concurrent commits, of one
     * tenant, meter and period are combined the same way, each in arrival order. Each caller still gets its own exact decision, as
     * if the requests had run one after another in arrival order: a request is accepted if and only if {@code used +
     * reserved}, plus the amounts accepted before it, plus its amount, stay within its ceiling. A hot tenant then
     * pays one row lock and one durable commit per batch instead of per request. A lone request is not delayed. Off,
     * each request runs alone through the same statement, in a transaction of its own.
     *
     * @param combine whether to combine
     * @return this builder
     */
    public Builder combineConsumes(boolean combine) {
      this.combineConsumes = combine;
      return this;
    }

    /**
     * Group commit of usage records ({@code record}): the concurrent appends of this instance, of any tenants, share
     * one statement and one transaction; default on. Each call returns only after the transaction holding its usage
     * committed, with its own outcome; a batch that fails fails every call in it and writes nothing (a failure other
     * than the database's unavailability makes its calls run again one by one). A lone call is not delayed. Two
     * batches run at once, so that one's durable commit overlaps the next one's statement. Off, each record runs alone
     * through the same statement, in a transaction of its own.
     *
     * @param groupCommit whether to group appends
     * @return this builder
     */
    public Builder groupCommitRecords(boolean groupCommit) {
      this.groupCommitAppends = groupCommit;
      return this;
    }

    /**
     * Sets the most requests one combined consumption or group commit takes; default
     * {@value #DEFAULT_MAX_BATCH_SIZE}. Requests beyond it wait for the next batch.
     *
     * @param requests from 1 to 10,000
     * @return this builder
     */
    public Builder maxBatchSize(int requests) {
      if (requests < 1 || requests > 10_000) {
        throw new InvalidRequestException("max batch size", "must be from 1 to 10000, was " + requests);
      }
      this.maxBatchSize = requests;
      return this;
    }

    /**
     * Builds the store and starts its change listener (unless the cache or the listener is off). Checks first that
     * the schema has quota's tables and functions, when the database answers.
     *
     * @return the store
     * @throws InvalidRequestException if neither a data source nor a DSLContext was set
     * @throws QuotaSchemaException if the database answers and the schema lacks quota's tables or functions: the
     *     message names them and says how to create them
     */
    public PostgresQuotaStore build() {
      if (dataSource == null && dsl == null) {
        throw new InvalidRequestException("data source", "must be set (or a DSLContext)");
      }
      return new PostgresQuotaStore(this);
    }
  }
}
