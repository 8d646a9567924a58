-- quota's PostgreSQL schema, version 3: the rules that decide usage writes, each written once.
--
-- Every usage write of the store (reserve and commit, rendered by jOOQ; the batch functions below) and every read of
-- a counter applies the same rules. They are written here, once, as functions, and referenced by name from both the
-- store's statements (dev.quota.jooq.internal.CounterRules) and the batch functions:
--   quota_fits              used + reserved + amount stays within a ceiling (the sum in numeric, saturating at the
--                           largest bigint, as the core's ceilings saturate)
--   quota_expired           an expiry has passed at an instant: a hold counts while the instant is before its expiry
--   quota_expired_holds     the units of a counter's holds that have expired but still sit in its reserved
--   quota_next_hold_expiry  the earliest expiry after an instant among a counter's holds that still count
-- quota_fits and quota_expired are single expressions: PostgreSQL inlines such SQL functions into the statement that
-- calls them (nothing is called at run time, and a condition on an indexed column still uses its index). They must stay
-- LANGUAGE sql, IMMUTABLE and without SET clauses, or the inlining stops; CounterRulesTest checks that it happens.
-- The other two read the reservation table, so they resolve table names in the schema they were created in (search
-- path fixed at creation) and run as calls; the store's statements call them only once a counter's next_hold_expiry
-- has passed, which a sweep soon undoes.
--
-- The batch functions of V2 are replaced with the same signatures, outcome codes and decisions, now calling the rules
-- instead of repeating them, so instances of the previous release keep working during a rolling upgrade. The outcome
-- codes are defined by dev.quota.jooq.internal.BatchOutcome; BatchOutcomeTest provokes each from both functions.

-- [jooq ignore start]
CREATE FUNCTION quota_fits(p_used bigint, p_reserved bigint, p_amount bigint, p_ceiling bigint)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT least(p_used::numeric + p_reserved + p_amount, 9223372036854775807) <= p_ceiling $$;

CREATE FUNCTION quota_expired(p_expires_at timestamptz, p_at timestamptz)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT p_expires_at <= p_at $$;

CREATE FUNCTION quota_expired_holds(p_tenant varchar, p_meter varchar, p_period_start timestamptz,
                                    p_period_end timestamptz, p_at timestamptz)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
  SELECT coalesce(sum(r.amount), 0)::bigint FROM reservation r
   WHERE r.tenant_id = p_tenant AND r.meter = p_meter AND r.period_start = p_period_start
     AND r.period_end = p_period_end AND r.counted AND quota_expired(r.expires_at, p_at)
$$;

CREATE FUNCTION quota_next_hold_expiry(p_tenant varchar, p_meter varchar, p_period_start timestamptz,
                                       p_period_end timestamptz, p_at timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
  SELECT min(r.expires_at) FROM reservation r
   WHERE r.tenant_id = p_tenant AND r.meter = p_meter AND r.period_start = p_period_start
     AND r.period_end = p_period_end AND r.counted AND NOT quota_expired(r.expires_at, p_at)
$$;

-- As in V2: conditional consumption of one counter by several requests, in order; request i is written if and only
-- if its key is new and it fits with the amounts written before it in this call; a key already recorded is a
-- duplicate, whether or not its amount would fit. The counter row is locked first, so the decisions are exact against
-- every concurrent writer.
CREATE OR REPLACE FUNCTION quota_consume_batch(
  p_tenant          varchar,
  p_meter           varchar,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_version         bigint,
  p_now             timestamptz,
  p_keys            varchar[],
  p_amounts         bigint[],
  p_ceilings        bigint[],
  p_occurred_at     text[],
  p_attributes      text[])
RETURNS TABLE (o_index integer, o_outcome smallint, o_recorded bigint, o_used bigint, o_reserved bigint,
               o_next_expiry timestamptz)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  c_row       tid;
  c_version   bigint;
  c_used      bigint;
  c_reserved  bigint;
  c_next      timestamptz;
  v_before    bigint;
  v_recorded  bigint;
  v_fits      boolean;
  v_count     integer := coalesce(array_length(p_keys, 1), 0);
BEGIN
  SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
    INTO c_version, c_used, c_reserved, c_next, c_row
    FROM counter c
   WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (p_tenant, p_meter, p_period_start, p_period_end)
     AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (p_tenant, p_meter, p_period_start, p_period_end)
     FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0, 3::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz; -- no counter
    RETURN;
  END IF;
  IF c_version <> p_version THEN
    RETURN QUERY SELECT 0, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz; -- stale
    RETURN;
  END IF;
  IF quota_expired(c_next, p_now) THEN
    RETURN QUERY SELECT 0, 5::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz; -- sweep first
    RETURN;
  END IF;
  v_before := c_used;
  FOR i IN 1 .. v_count LOOP
    o_index := i - 1;
    o_recorded := NULL;
    o_outcome := NULL;
    v_fits := quota_fits(c_used, c_reserved, p_amounts[i], p_ceilings[i]);
    IF v_fits THEN
      -- It fits: the insert's conflict check (on the primary key) tells a new key from a recorded one, so the
      -- common case reads no ledger row at all.
      INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes)
      VALUES (p_tenant, p_meter, p_keys[i], p_amounts[i], p_occurred_at[i]::timestamptz, p_period_start, p_period_end,
              p_attributes[i]::jsonb)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN
        c_used := c_used + p_amounts[i];
        o_outcome := 0; -- written
      END IF;
    END IF;
    IF o_outcome IS NULL THEN
      -- Not written: a recorded key is a duplicate (whether or not it would fit), anything else does not fit.
      -- ORDER BY the primary key makes the key lookup the cheapest plan even when the statistics do not know
      -- yet how many rows the tenant has (another index on (tenant, meter, ...) would then look as cheap).
      SELECT l.amount INTO v_recorded FROM usage_ledger l
       WHERE l.tenant_id = p_tenant AND l.meter = p_meter AND l.usage_key = p_keys[i]
       ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
      IF FOUND THEN
        o_outcome := 1; -- duplicate
        o_recorded := v_recorded;
      ELSIF v_fits THEN
        -- it fit and met a key that is gone again (a purge in between): the caller runs the batch again
        RAISE EXCEPTION 'usage key % of tenant % changed during the batch', p_keys[i], p_tenant
          USING ERRCODE = 'serialization_failure';
      ELSE
        o_outcome := 4; -- insufficient
      END IF;
    END IF;
    o_used := c_used;
    o_reserved := c_reserved;
    o_next_expiry := c_next;
    RETURN NEXT;
  END LOOP;
  IF c_used <> v_before THEN
    UPDATE counter c SET used = c_used WHERE c.ctid = c_row; -- the row locked above, found again by its address
  END IF;
END;
$$;

-- As in V2: unconditional appends of several entries, of any tenants, meters and periods, each checked against its
-- own expected version. Counter rows are locked in one order (tenant, meter, period), the order in which an admin
-- change stamps a tenant's rows, so that concurrent batches do not deadlock one another.
CREATE OR REPLACE FUNCTION quota_append_batch(
  p_tenants         varchar[],
  p_meters          varchar[],
  p_keys            varchar[],
  p_amounts         bigint[],
  p_occurred_at     text[],
  p_period_starts   text[],
  p_period_ends     text[],
  p_attributes      text[],
  p_versions        bigint[],
  p_now             timestamptz)
RETURNS TABLE (o_index integer, o_outcome smallint, o_recorded bigint, o_used bigint, o_reserved bigint,
               o_next_expiry timestamptz)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  e           record;
  k_tenant    varchar;
  k_meter     varchar;
  k_start     timestamptz;
  k_end       timestamptz;
  c_row       tid;
  c_found     boolean := false;
  c_version   bigint;
  c_used      bigint;
  c_reserved  bigint;
  c_next      timestamptz;
  v_before    bigint;
  v_recorded  bigint;
BEGIN
  FOR e IN
    SELECT u.tenant, u.meter, u.usage_key, u.amount, u.occurred_at::timestamptz AS occurred_at,
           u.period_start::timestamptz AS period_start, u.period_end::timestamptz AS period_end,
           u.attributes::jsonb AS attributes, u.version, (u.ord - 1)::integer AS idx
      FROM unnest(p_tenants, p_meters, p_keys, p_amounts, p_occurred_at, p_period_starts, p_period_ends, p_attributes,
                  p_versions) WITH ORDINALITY
           AS u(tenant, meter, usage_key, amount, occurred_at, period_start, period_end, attributes, version, ord)
     ORDER BY u.tenant, u.meter, u.period_start::timestamptz, u.period_end::timestamptz, u.ord
  LOOP
    IF k_tenant IS DISTINCT FROM e.tenant OR k_meter IS DISTINCT FROM e.meter
       OR k_start IS DISTINCT FROM e.period_start OR k_end IS DISTINCT FROM e.period_end THEN
      IF c_found AND c_used <> v_before THEN
        UPDATE counter c SET used = c_used WHERE c.ctid = c_row;
      END IF;
      k_tenant := e.tenant;
      k_meter := e.meter;
      k_start := e.period_start;
      k_end := e.period_end;
      SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
        INTO c_version, c_used, c_reserved, c_next, c_row
        FROM counter c
       WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (k_tenant, k_meter, k_start, k_end)
         AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (k_tenant, k_meter, k_start, k_end)
         FOR UPDATE;
      c_found := FOUND;
      IF c_found AND quota_expired(c_next, p_now) THEN
        -- holds that expired still sit in reserved until a sweep: report the balance without them
        c_reserved := c_reserved - quota_expired_holds(k_tenant, k_meter, k_start, k_end, p_now);
        c_next := quota_next_hold_expiry(k_tenant, k_meter, k_start, k_end, p_now);
      END IF;
      v_before := c_used;
    END IF;
    o_index := e.idx;
    o_recorded := NULL;
    o_used := NULL;
    o_reserved := NULL;
    o_next_expiry := NULL;
    IF NOT c_found THEN
      o_outcome := 3; -- no counter
    ELSIF c_version <> e.version THEN
      o_outcome := 2; -- stale
    ELSE
      INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes)
      VALUES (e.tenant, e.meter, e.usage_key, e.amount, e.occurred_at, e.period_start, e.period_end, e.attributes)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN
        c_used := c_used + e.amount;
        o_outcome := 0; -- written
      ELSE
        SELECT l.amount INTO v_recorded FROM usage_ledger l
         WHERE l.tenant_id = e.tenant AND l.meter = e.meter AND l.usage_key = e.usage_key
         ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
        o_outcome := 1; -- duplicate
        o_recorded := v_recorded;
      END IF;
      o_used := c_used;
      o_reserved := c_reserved;
      o_next_expiry := c_next;
    END IF;
    RETURN NEXT;
  END LOOP;
  IF c_found AND c_used <> v_before THEN
    UPDATE counter c SET used = c_used WHERE c.ctid = c_row;
  END IF;
END;
$$;
-- [jooq ignore stop]
