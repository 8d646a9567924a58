package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.ENTITLEMENT;
import static org.jooq.impl.DSL.val;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.Entitlement;
import dev.quota.admin.Page;
import dev.quota.spi.Counter;
import dev.quota.spi.TenantState;
import dev.quota.spi.UsageListing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads tenants' states: one tenant's for the guard (the hot path when the cache misses: one statement rendered once at
 * start-up, see {@link PreparedQuery}), every tenant's with a current counter for the admin's listing. Both run the
 * one {@link StateQuery} and fold its rows into states here, with {@link EntitlementRows} mapping the entitlements.
 */
public final class StateReads {
  private static final Logger LOG = LoggerFactory.getLogger(StateReads.class);

  private final Db db;
  private final CounterRules rules;
  private final HostPlans hostPlans;
  private final PreparedQuery oneTenant;
  private final UsageRanking ranking;
  private final Set<String> badHostTiersLogged = ConcurrentHashMap.newKeySet();

  /**
   * Renders the one-tenant read.
   *
   * @param db the statements' runner
   * @param rules the counter rules
   * @param hostPlans where plans come from when the host keeps them, or {@code null} for the tenant table
   */
  public StateReads(Db db, CounterRules rules, HostPlans hostPlans) {
    this.db = db;
    this.rules = rules;
    this.hostPlans = hostPlans;
    this.ranking = new UsageRanking(db, rules, hostPlans);
    Param<String> tenant = PreparedQuery.parameter(SQLDataType.VARCHAR);
    Param<String> meter = PreparedQuery.parameter(SQLDataType.VARCHAR);
    Param<Instant> at = PreparedQuery.parameter(SQLDataType.INSTANT);
    this.oneTenant = PreparedQuery.of(db.dsl(), StateQuery.oneTenant(rules, hostPlans, tenant, meter, at),
        tenant, meter, at);
  }

  /**
   * Reads plan, entitlements, version and the meter's current counters of one tenant in one statement.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param now the time of the read
   * @return the state, and until when it stays exact
   * @throws dev.quota.InvalidRequestException if plans come from the host's table and the tenant id is no value of
   *     its id column's type
   */
  public ReadResult read(TenantId tenant, Meter meter, Instant now) {
    if (hostPlans != null) {
      hostPlans.requireValidId(tenant);
    }
    Instant at = micros(now);
    TenantRows rows = new TenantRows(tenant);
    for (Record r : oneTenant.fetch(db, connection -> new Object[] {tenant.value(), meter.name(), at})) {
      rows.add(r);
    }
    return rows.state();
  }

  /**
   * Lists one page of the admin listing: ranked and cut by {@link UsageRanking}, then the page's states read in one
   * statement.
   *
   * @param listing what to list
   * @return the page
   */
  public Page<UsageListing.Row> listUsage(UsageListing listing) {
    Page<TenantId> ranked = ranking.rank(listing);
    if (ranked.items().isEmpty()) {
      return new Page<>(List.of(), ranked.request(), ranked.hasMore());
    }
    Instant at = micros(listing.now());
    List<String> ids = ranked.items().stream().map(TenantId::value).toList();
    Map<String, TenantRows> byTenant = new HashMap<>();
    for (Record r : db.read(dsl -> dsl.fetch(StateQuery.someTenants(rules, hostPlans, ids,
        val(listing.meter().name()), val(at, SQLDataType.INSTANT))))) {
      byTenant.computeIfAbsent(r.get(StateQuery.TENANT_ID), id -> new TenantRows(TenantId.of(id))).add(r);
    }
    List<UsageListing.Row> rows = new ArrayList<>(ids.size());
    for (TenantId tenant : ranked.items()) {
      TenantRows read = byTenant.get(tenant.value());
      if (read != null) { // null only if the tenant's rows went away between the two statements (a purge)
        rows.add(new UsageListing.Row(tenant, read.state().state()));
      }
    }
    return new Page<>(rows, ranked.request(), ranked.hasMore());
  }

  /** One tenant's rows of a state query, folded into its state. */
  private final class TenantRows {
    private final TenantId tenant;
    private String tier;
    private String hostTier;
    private Short billingDay;
    private long version;
    private String parent;
    private final List<Record> entitlements = new ArrayList<>(2);
    private final List<Counter> counters = new ArrayList<>(1);
    private Instant validUntil = Instant.MAX;

    TenantRows(TenantId tenant) {
      this.tenant = tenant;
    }

    void add(Record r) {
      int kind = r.get(StateQuery.ROW_KIND);
      switch (kind) {
        case StateQuery.TENANT_ROW -> {
          tier = r.get(StateQuery.PLAN_TIER);
          hostTier = r.get(StateQuery.HOST_TIER);
          billingDay = r.get(StateQuery.BILLING_DAY);
          Long stored = r.get(StateQuery.VERSION);
          version = stored == null ? 0 : stored; // a tenant the store has never seen
          parent = r.get(StateQuery.PARENT_ID);
        }
        case StateQuery.ENTITLEMENT_ROW -> entitlements.add(r);
        case StateQuery.COUNTER_ROW -> {
          Period period = new Period(r.get(StateQuery.PERIOD_START), r.get(StateQuery.PERIOD_END));
          counters.add(new Counter(period, r.get(StateQuery.USED), r.get(StateQuery.RESERVED_NOW),
              r.get(StateQuery.CREDIT_DRAWN)));
          validUntil = earliest(earliest(validUntil, period.end()), r.get(StateQuery.NEXT_EXPIRY));
        }
        default -> throw new IllegalStateException("unknown row kind " + kind);
      }
    }

    ReadResult state() {
      if (entitlements.size() > 1) {
        entitlements.sort(Comparator.comparing(r -> r.get(ENTITLEMENT.SEQ))); // in the order they were made
      }
      List<Entitlement> mapped = new ArrayList<>(entitlements.size());
      for (Record r : entitlements) {
        mapped.add(EntitlementRows.entitlement(tenant, r));
      }
      if (counters.size() > 1) {
        counters.sort(Comparator.comparing((Counter c) -> c.period().start()).thenComparing(c -> c.period().end()));
      }
      return new ReadResult(new TenantState(plan(), mapped, version, counters,
          Optional.ofNullable(parent).map(TenantId::of)), validUntil);
    }

    private Optional<Plan> plan() {
      if (hostPlans != null) {
        return hostTier == null ? Optional.empty() : tierNamed(hostTier).map(Plan::of);
      }
      if (tier == null) {
        return Optional.empty();
      }
      return Optional.of(new Plan(Tier.of(tier), billingDay == null ? OptionalInt.empty() : OptionalInt.of(billingDay)));
    }

    private Optional<Tier> tierNamed(String name) {
      try {
        return Optional.of(Tier.of(name));
      } catch (RuntimeException e) {
        if (badHostTiersLogged.size() < 1_000 && badHostTiersLogged.add(name)) {
          LOG.warn("tenant '{}' has tier '{}' in the host's plan table, which is not a valid tier name; "
              + "treating the tenant as having no plan (logged once per name)", tenant, name);
        }
        return Optional.empty();
      }
    }
  }

  private static Instant earliest(Instant a, Instant b) {
    return b == null || a.isBefore(b) ? a : b;
  }
}
