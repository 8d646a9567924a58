-- quota's PostgreSQL schema, version 2: usage writes of many callers in one statement.
--
-- The store combines the concurrent requests of one JVM into one call of these functions, so that one
-- transaction (one WAL flush, one hold of a counter row's lock) serves a whole batch instead of one request.
-- Each request still gets its own exact outcome, as if the requests had run one after another in the order
-- of their arrays. Both functions are SECURITY INVOKER (the caller's table privileges apply) and resolve table
-- names in the schema they were created in (search_path fixed at creation), whatever the caller's search path.
--
-- Outcome codes, shared with the Java side (the constants of dev.quota.jooq.internal.BatchWrites):
--   0 written, 1 duplicate (o_recorded holds the recorded amount), 2 stale (the counter's version is not the
--   expected one), 3 no counter row yet (the caller creates it and calls again), 4 insufficient,
--   5 expired holds must be swept first (the caller sweeps and calls again).
-- Timestamps and attributes arrive as text (ISO-8601 instants, JSON objects) and are cast here.
--
-- Plans are generic (plan_cache_mode), made once per session: planning the statements afresh for each call, as
-- PostgreSQL does for a function's first calls and whenever a custom plan looks cheaper, would cost more than the
-- call itself. With statistics that lag behind (a tenant that grew since the last ANALYZE, or
-- autovacuum off) another index on (meter, period) or (tenant, meter, period) can look as cheap as the key, and
-- would read every tenant's counter of the period, or every ledger entry of the tenant. So a counter row is found
-- by bounds on its primary key that no other index can serve (a row comparison, both ways), and updated by its
-- address once locked; a ledger key is looked up in the primary key's order, which only the key gives for free.

-- [jooq ignore start]
-- Conditional consumption of one counter by several requests, in order: request i is written if and only if
-- its key is new and used + reserved + (amounts written before it in this call) + amount <= its ceiling; a key
-- already recorded is a duplicate, whether or not its amount would fit.
-- The counter row is locked first, so the decisions are exact against every concurrent writer.
CREATE FUNCTION quota_consume_batch(
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
  v_count     integer := coalesce(array_length(p_keys, 1), 0);
BEGIN
  SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
    INTO c_version, c_used, c_reserved, c_next, c_row
    FROM counter c
   WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (p_tenant, p_meter, p_period_start, p_period_end)
     AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (p_tenant, p_meter, p_period_start, p_period_end)
     FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0, 3::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
    RETURN;
  END IF;
  IF c_version <> p_version THEN
    RETURN QUERY SELECT 0, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
    RETURN;
  END IF;
  IF c_next IS NOT NULL AND c_next <= p_now THEN
    RETURN QUERY SELECT 0, 5::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
    RETURN;
  END IF;
  v_before := c_used;
  FOR i IN 1 .. v_count LOOP
    o_index := i - 1;
    o_recorded := NULL;
    o_outcome := NULL;
    IF least(c_used::numeric + c_reserved + p_amounts[i], 9223372036854775807) <= p_ceilings[i] THEN
      -- It fits: the insert's conflict check (on the primary key) tells a new key from a recorded one, so the
      -- common case reads no ledger row at all.
      INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes)
      VALUES (p_tenant, p_meter, p_keys[i], p_amounts[i], p_occurred_at[i]::timestamptz, p_period_start, p_period_end,
              p_attributes[i]::jsonb)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN
        c_used := c_used + p_amounts[i];
        o_outcome := 0;
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
        o_outcome := 1;
        o_recorded := v_recorded;
      ELSIF least(c_used::numeric + c_reserved + p_amounts[i], 9223372036854775807) <= p_ceilings[i] THEN
        -- it fit and met a key that is gone again (a purge in between): the caller runs the batch again
        RAISE EXCEPTION 'usage key % of tenant % changed during the batch', p_keys[i], p_tenant
          USING ERRCODE = 'serialization_failure';
      ELSE
        o_outcome := 4;
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

-- Unconditional appends of several entries, of any tenants, meters and periods, each checked against its own
-- expected version. Counter rows are locked in one order (tenant, meter, period), the order in which an admin
-- change stamps a tenant's rows, so that concurrent batches do not deadlock one another.
CREATE FUNCTION quota_append_batch(
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
      IF c_found AND c_next IS NOT NULL AND c_next <= p_now THEN
        -- holds that expired still sit in reserved until a sweep: report the balance without them
        SELECT c_reserved - coalesce(sum(r.amount), 0) INTO c_reserved FROM reservation r
         WHERE r.tenant_id = k_tenant AND r.meter = k_meter AND r.period_start = k_start AND r.period_end = k_end
           AND r.counted AND r.expires_at <= p_now;
        SELECT min(r.expires_at) INTO c_next FROM reservation r
         WHERE r.tenant_id = k_tenant AND r.meter = k_meter AND r.period_start = k_start AND r.period_end = k_end
           AND r.counted AND r.expires_at > p_now;
      END IF;
      v_before := c_used;
    END IF;
    o_index := e.idx;
    o_recorded := NULL;
    o_used := NULL;
    o_reserved := NULL;
    o_next_expiry := NULL;
    IF NOT c_found THEN
      o_outcome := 3;
    ELSIF c_version <> e.version THEN
      o_outcome := 2;
    ELSE
      INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes)
      VALUES (e.tenant, e.meter, e.usage_key, e.amount, e.occurred_at, e.period_start, e.period_end, e.attributes)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN
        c_used := c_used + e.amount;
        o_outcome := 0;
      ELSE
        SELECT l.amount INTO v_recorded FROM usage_ledger l
         WHERE l.tenant_id = e.tenant AND l.meter = e.meter AND l.usage_key = e.usage_key
         ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
        o_outcome := 1;
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
