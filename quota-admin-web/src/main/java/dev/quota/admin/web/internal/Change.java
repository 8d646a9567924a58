package dev.quota.admin.web.internal;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.admin.Actor;
import dev.quota.admin.AdminOperation;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Bypass;
import dev.quota.admin.Entitlement;
import dev.quota.admin.EntitlementId;
import dev.quota.admin.Grant;
import dev.quota.admin.LimitOverride;
import dev.quota.admin.OneTimeCredit;
import dev.quota.admin.QuotaAdmin;
import dev.quota.admin.ResetResult;
import dev.quota.admin.TenantLookup;
import dev.quota.admin.TierOverride;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One change an operator asks for, read from a form or a JSON body and checked before anything is written: what the
 * confirmation page describes and the API applies. The actor is never part of it; it comes from the principal.
 */
sealed interface Change {
  /** The actions, by the name the API's path and the forms use. */
  List<String> ACTIONS = List.of("reset-usage", "grants", "credits", "overrides", "limits", "bypasses", "revoke",
      "plan", "parent");

  TenantId tenant();

  String reason();

  AdminOperation operation();

  /** @return the action's name, as in {@link #ACTIONS} */
  String action();

  /** @return the parameters that remake this change (without tenant and reason), for the confirmation form */
  Map<String, String> parameters();

  /** @return exactly what will change, in one sentence */
  String describe(Formats formats);

  /** Makes the change; returns what was done, for JSON. */
  Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats);

  /**
   * Reads what the change's description needs from the store (what it replaces), and refuses early what the admin
   * would refuse anyway, so the confirmation page says so before the operator confirms. Reads only; the admin checks
   * again, atomically, when the change is made.
   *
   * @param admin the admin
   * @return the change with what it replaces; this change if it needs nothing
   * @throws InvalidRequestException naming the parameter, if the change cannot be made
   */
  default Change withCurrentState(QuotaAdmin admin) {
    return this;
  }

  record ResetUsage(TenantId tenant, @Nullable Meter meter, String reason) implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.RESET_USAGE;
    }

    @Override
    public String action() {
      return "reset-usage";
    }

    @Override
    public Map<String, String> parameters() {
      return meter == null ? Map.of() : Map.of("meter", meter.name());
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": reset usage on " + (meter == null ? "every meter" : "meter " + meter.name())
          + " by granting this period's usage back until the period ends; history kept";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      ResetResult result = meter == null ? admin.resetUsage(tenant, actor, reason)
          : admin.resetUsage(tenant, meter, actor, reason);
      List<Object> grants = new ArrayList<>();
      for (Grant grant : result.grants()) {
        grants.add(Views.entitlementJson(grant));
      }
      Map<String, Object> json = done(this, result.audit());
      json.put("grants", grants);
      return json;
    }
  }

  record GrantCredit(TenantId tenant, Meter meter, long amount, Instant until, String reason) implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.GRANT_CREDIT;
    }

    @Override
    public String action() {
      return "grants";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("meter", meter.name(), "amount", Long.toString(amount), "until", until.toString());
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": grant " + Formats.amount(amount) + " " + meter.name() + " per period until "
          + formats.instant(until) + "; history kept";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      Grant grant = admin.grantCredit(tenant, meter, amount, until, actor, reason);
      Map<String, Object> json = done(this, null);
      json.put("entitlement", Views.entitlementJson(grant));
      return json;
    }
  }

  record OverrideTier(TenantId tenant, Tier tier, Instant until, String reason) implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.OVERRIDE_TIER;
    }

    @Override
    public String action() {
      return "overrides";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("tier", tier.name(), "until", until.toString());
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": put on tier " + tier.name() + " until " + formats.instant(until)
          + ", then back to its plan's tier by itself";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      TierOverride override = admin.overrideTier(tenant, tier, until, actor, reason);
      Map<String, Object> json = done(this, null);
      json.put("entitlement", Views.entitlementJson(override));
      return json;
    }
  }

  /** A balance spent once, from now until {@code until}: a top-up pack, a goodwill credit. */
  record GrantOneTimeCredit(TenantId tenant, Meter meter, long amount, Instant until, String reason)
      implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.GRANT_ONE_TIME_CREDIT;
    }

    @Override
    public String action() {
      return "credits";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("meter", meter.name(), "amount", Long.toString(amount), "until", until.toString());
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": give a one-time credit of " + Formats.amount(amount) + " " + meter.name()
          + " in total, drawn on beyond the period's allowance, valid until " + formats.instant(until)
          + "; not given again each period";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      // valid from now: the admin treats a start in the past as now, and credits are never back-dated
      OneTimeCredit credit;
      try {
        credit = admin.grantOneTimeCredit(tenant, meter, amount, Instant.EPOCH, until, actor, reason);
      } catch (InvalidRequestException e) {
        // the admin names its parameter; the form and the API call it "until"
        throw "valid until".equals(e.field()) ? new InvalidRequestException("until", e.rule()) : e;
      }
      Map<String, Object> json = done(this, null);
      json.put("entitlement", Views.entitlementJson(credit));
      return json;
    }
  }

  /** One meter's own limit for the tenant, in place of its tier's; open-ended when {@code until} is null. */
  record OverrideLimit(TenantId tenant, Meter meter, long limit, @Nullable Instant until, String reason)
      implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.OVERRIDE_LIMIT;
    }

    @Override
    public String action() {
      return "limits";
    }

    @Override
    public Map<String, String> parameters() {
      Map<String, String> parameters = new LinkedHashMap<>();
      parameters.put("meter", meter.name());
      parameters.put("limit", limit == TierCatalogue.UNLIMITED ? "unlimited" : Long.toString(limit));
      if (until != null) {
        parameters.put("until", until.toString());
      }
      return parameters;
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": limit " + meter.name() + " to " + Formats.amount(limit) + " per period in place of "
          + "its tier's limit, " + (until == null ? "until revoked" : "until " + formats.instant(until))
          + "; a lower limit blocks at once";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      LimitOverride override = until == null ? admin.overrideLimit(tenant, meter, limit, actor, reason)
          : admin.overrideLimit(tenant, meter, limit, until, actor, reason);
      Map<String, Object> json = done(this, null);
      json.put("entitlement", Views.entitlementJson(override));
      return json;
    }
  }

  record BypassLimits(TenantId tenant, Instant until, String reason) implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.BYPASS;
    }

    @Override
    public String action() {
      return "bypasses";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("until", until.toString());
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": stop blocking on every meter until " + formats.instant(until)
          + "; usage still recorded, alerts still fire";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      Bypass bypass = admin.bypass(tenant, until, actor, reason);
      Map<String, Object> json = done(this, null);
      json.put("entitlement", Views.entitlementJson(bypass));
      return json;
    }
  }

  record Revoke(TenantId tenant, EntitlementId entitlement, String reason) implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.REVOKE;
    }

    @Override
    public String action() {
      return "revoke";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("entitlement", entitlement.toString());
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": end entitlement " + entitlement + " now; it is kept, marked revoked";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      // the entitlement must be this tenant's: the path names the tenant, and the authorizer decided for it
      boolean owned = admin.entitlements(tenant).stream().anyMatch(e -> e.id().equals(entitlement));
      if (!owned) {
        throw new InvalidRequestException("entitlement", "is not an entitlement of tenant '" + tenant.value() + "'");
      }
      Entitlement revoked = admin.revoke(entitlement, actor, reason);
      Map<String, Object> json = done(this, null);
      json.put("entitlement", Views.entitlementJson(revoked));
      return json;
    }
  }

  record SetPlan(TenantId tenant, Plan plan, String reason) implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.SET_PLAN;
    }

    @Override
    public String action() {
      return "plan";
    }

    @Override
    public Map<String, String> parameters() {
      Map<String, String> parameters = new LinkedHashMap<>();
      parameters.put("tier", plan.tier().name());
      plan.billingDay().ifPresent(day -> parameters.put("billingDay", Integer.toString(day)));
      return parameters;
    }

    @Override
    public String describe(Formats formats) {
      return tenant.value() + ": subscribe to tier " + plan.tier().name()
          + (plan.billingDay().isPresent() ? ", billed on day " + plan.billingDay().getAsInt() : "")
          + "; a lower limit applies to this period's usage at once";
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      return done(this, admin.setPlan(tenant, plan, actor, reason));
    }
  }

  /**
   * Moves a tenant under another one, or makes it a root ({@code parent} null). From then on its usage counts at the
   * new parent and every ancestor of it too; usage recorded before stays where it was counted.
   *
   * @param current the parent the tenant had when the change was read (null: it was a root), for the description;
   *     not a parameter, so it is not part of what an idempotency key is checked against
   */
  record SetParent(TenantId tenant, @Nullable TenantId parent, @Nullable TenantId current, String reason)
      implements Change {
    @Override
    public AdminOperation operation() {
      return AdminOperation.SET_PARENT;
    }

    @Override
    public String action() {
      return "parent";
    }

    @Override
    public Map<String, String> parameters() {
      return parent == null ? Map.of("clear", "true") : Map.of("parent", parent.value());
    }

    @Override
    public String describe(Formats formats) {
      String was = "(was: " + (current == null ? "none" : current.value()) + ")";
      String recorded = "; usage already recorded stays where it was counted, new usage counts ";
      return parent == null
          ? tenant.value() + ": make it a root " + was + recorded + "at " + tenant.value() + " only"
          : tenant.value() + ": move under " + parent.value() + " " + was + recorded + "under " + parent.value();
    }

    @Override
    public Change withCurrentState(QuotaAdmin admin) {
      if (parent != null) {
        checkParent(admin, tenant, parent);
      }
      return new SetParent(tenant, parent, admin.parentOf(tenant).orElse(null), reason);
    }

    @Override
    public Map<String, Object> apply(QuotaAdmin admin, Actor actor, Formats formats) {
      AuditEntry audit;
      try {
        audit = parent == null ? admin.clearParent(tenant, actor, reason)
            : admin.setParent(tenant, parent, actor, reason);
      } catch (UnsupportedOperationException e) {
        throw new InvalidRequestException("parent", "cannot be changed: the quota store does not keep trees of "
            + "tenants. Nothing was changed");
      }
      Map<String, Object> json = done(this, audit);
      json.put("parent", parent == null ? null : parent.value());
      json.put("previousParent", current == null ? null : current.value());
      return json;
    }

    /**
     * Refuses a parent that is unknown (most likely mistyped: a new tenant would start counting against a level
     * nobody set a plan for) or below the tenant (the move would close a cycle).
     */
    private static void checkParent(QuotaAdmin admin, TenantId tenant, TenantId parent) {
      TenantLookup lookup = admin.lookUp(parent);
      if (!lookup.known()) {
        throw new InvalidRequestException("parent", "must be a known tenant: " + lookup.describe()
            + ". Nothing was changed");
      }
      // the parent's ancestors; a store never writes a path longer than MAX_TREE_DEPTH, so this ends
      TenantId level = parent;
      for (int depth = 0; depth < QuotaAdmin.MAX_TREE_DEPTH; depth++) {
        Optional<TenantId> up = admin.parentOf(level);
        if (up.isEmpty()) {
          return;
        }
        level = up.get();
        if (level.equals(tenant)) {
          throw new InvalidRequestException("parent", "would close a cycle: '" + tenant.value()
              + "' is an ancestor of '" + parent.value() + "'. Nothing was changed");
        }
      }
    }
  }

  private static Map<String, Object> done(Change change, @Nullable AuditEntry audit) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("tenant", change.tenant().value());
    json.put("operation", change.operation().name());
    if (audit != null) {
      json.put("audit", audit.id().toString());
    }
    return json;
  }

  /**
   * Reads a change from its parameters, checking each and naming the first that is wrong.
   *
   * @param action one of {@link #ACTIONS}
   * @param tenant the tenant
   * @param parameters the form's or JSON body's values by name
   * @param catalogue the meters and tiers
   * @param formats how times are read
   * @return the change
   * @throws InvalidRequestException naming the parameter
   */
  static Change parse(String action, TenantId tenant, Map<String, String> parameters, TierCatalogue catalogue,
      Formats formats) {
    String reason = reason(parameters.get("reason"));
    return switch (action) {
      case "reset-usage" -> {
        String meter = parameters.get("meter");
        yield new ResetUsage(tenant, meter == null || meter.isBlank() ? null : meter(catalogue, meter), reason);
      }
      case "grants" -> new GrantCredit(tenant, meter(catalogue, required(parameters, "meter")),
          amount(required(parameters, "amount")), formats.parse("until", required(parameters, "until")), reason);
      case "credits" -> new GrantOneTimeCredit(tenant, meter(catalogue, required(parameters, "meter")),
          amount(required(parameters, "amount")), formats.parse("until", required(parameters, "until")), reason);
      case "limits" -> {
        Meter meter = meter(catalogue, required(parameters, "meter"));
        long limit = limit(required(parameters, "limit"));
        String until = parameters.get("until");
        yield new OverrideLimit(tenant, meter, limit, until == null || until.isBlank() ? null
            : formats.parse("until", until), reason);
      }
      case "overrides" -> new OverrideTier(tenant, tier(catalogue, required(parameters, "tier")),
          formats.parse("until", required(parameters, "until")), reason);
      case "bypasses" -> new BypassLimits(tenant, formats.parse("until", required(parameters, "until")), reason);
      case "revoke" -> new Revoke(tenant, EntitlementId.parse(required(parameters, "entitlement").strip()), reason);
      case "plan" -> {
        Tier tier = tier(catalogue, required(parameters, "tier"));
        String day = parameters.get("billingDay");
        yield new SetPlan(tenant, day == null || day.isBlank() ? Plan.of(tier) : Plan.of(tier, billingDay(day)),
            reason);
      }
      case "parent" -> setParent(tenant, parameters, reason);
      default -> throw new InvalidRequestException("action", "must be one of " + ACTIONS + ", was '"
          + Formats.cut(action) + "'");
    };
  }

  /**
   * Reads a change of parent: {@code parent} names the new one; an empty or absent {@code parent}, or {@code clear}
   * set to true (the form's choice), makes the tenant a root.
   */
  private static SetParent setParent(TenantId tenant, Map<String, String> parameters, String reason) {
    String given = parameters.get("parent");
    String parent = given == null ? "" : given;
    boolean hasParent = !parent.isBlank();
    String clear = parameters.get("clear");
    boolean clearing = clear != null && List.of("true", "on", "yes").contains(clear.strip().toLowerCase(Locale.ROOT));
    if (clear != null && !clearing && !List.of("false", "off", "no", "").contains(clear.strip()
        .toLowerCase(Locale.ROOT))) {
      throw new InvalidRequestException("clear", "must be true or false, was '" + Formats.cut(clear) + "'");
    }
    if (clearing && hasParent) {
      throw new InvalidRequestException("parent", "must be empty to make the tenant a root, was '"
          + Formats.cut(parent) + "'");
    }
    if (!hasParent) {
      return new SetParent(tenant, null, null, reason);
    }
    TenantId id;
    try {
      id = TenantId.of(parent.strip());
    } catch (InvalidRequestException e) {
      throw new InvalidRequestException("parent", e.rule());
    }
    if (id.equals(tenant)) {
      throw new InvalidRequestException("parent", "must not be the tenant itself: '" + tenant.value() + "'");
    }
    return new SetParent(tenant, id, null, reason);
  }

  private static String required(Map<String, String> parameters, String name) {
    String value = parameters.get(name);
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException(name, "is required");
    }
    return value;
  }

  private static String reason(@Nullable String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException("reason", "is required: say why, for the audit log");
    }
    // a text area sends line breaks as CR LF; the audit log keeps line feeds
    String reason = value.replace("\r\n", "\n").strip();
    if (reason.length() > QuotaAdmin.MAX_REASON_LENGTH) {
      throw new InvalidRequestException("reason", "must be at most " + QuotaAdmin.MAX_REASON_LENGTH
          + " characters, was " + reason.length());
    }
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
        throw new InvalidRequestException("reason", "must not contain control characters other than tab and line "
            + "feed (found U+" + String.format("%04X", (int) c) + " at index " + i + ")");
      }
    }
    return reason;
  }

  private static Meter meter(TierCatalogue catalogue, String name) {
    Meter meter = Meter.of(name.strip());
    if (!catalogue.contains(meter)) {
      throw new InvalidRequestException("meter", "must be one of " + catalogue.meters().keySet() + ", was '"
          + Formats.cut(name) + "'");
    }
    return meter;
  }

  private static Tier tier(TierCatalogue catalogue, String name) {
    Tier tier = Tier.of(name.strip());
    if (!catalogue.contains(tier)) {
      throw new InvalidRequestException("tier", "must be one of " + catalogue.tiers() + ", was '"
          + Formats.cut(name) + "'");
    }
    return tier;
  }

  private static long amount(String text) {
    try {
      long amount = Long.parseLong(text.strip().replace(",", "").replace("_", ""));
      if (amount <= 0) {
        throw new InvalidRequestException("amount", "must be positive, was " + amount);
      }
      return amount;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("amount", "must be a whole number, was '" + Formats.cut(text) + "'");
    }
  }

  /** A limit: a whole number of units, 0 or more, or {@code unlimited}, as the command line reads it. */
  private static long limit(String text) {
    String value = text.strip();
    if (value.equalsIgnoreCase("unlimited")) {
      return TierCatalogue.UNLIMITED;
    }
    try {
      long limit = Long.parseLong(value.replace(",", "").replace("_", ""));
      if (limit < 0) {
        throw new InvalidRequestException("limit", "must be 0 or more (or 'unlimited'), was " + limit);
      }
      return limit;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("limit", "must be a whole number or 'unlimited', was '" + Formats.cut(text)
          + "'");
    }
  }

  private static int billingDay(String text) {
    try {
      int day = Integer.parseInt(text.strip());
      if (day < 1 || day > 31) {
        throw new InvalidRequestException("billingDay", "must be between 1 and 31, was " + day);
      }
      return day;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("billingDay", "must be a whole number, was '" + Formats.cut(text) + "'");
    }
  }
}
