-- quota's PostgreSQL schema, version 8: usage history, and a denied first write of a period that writes nothing.
--
-- Usage history (QuotaAdmin.usageHistory) sums a tenant's entries on a meter by when they occurred, from the ledger
-- and the archive. These indexes let it read only the entries of the range, and only from the index (the amount is
-- included): without them it would read every entry of the tenant through (tenant_id, occurred_at) and fetch each
-- row. Each costs one more index entry per ledger insert (and per archived row); BENCHMARKS.md says what that costs.
-- [jooq ignore start]
CREATE INDEX usage_ledger_history ON usage_ledger (tenant_id, meter, occurred_at) INCLUDE (amount);
CREATE INDEX usage_archive_history ON usage_archive (tenant_id, meter, occurred_at) INCLUDE (amount);

-- Until this version a consume or reserve that found no counter row for its period had the store create an empty row
-- and call again, even when the request could not fit an empty counter; a denied first write of a period so left an
-- empty counter row behind. quota_consume_batch (V3) and quota_reserve (V6) are replaced with the same signatures,
-- outcome codes and decisions; only their branch without a counter row changes: when no request of the call fits an
-- empty counter, each is decided there (a consume whose key was recorded in an earlier period is still a duplicate)
-- after checking the tenant's version, and no row is created. Still one call for a denial; instances of the previous
-- release keep working on the replaced functions.

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
    -- No counter row for the period yet. Only a request that fits an empty counter needs one (the caller creates it
    -- under the tenant's lock and calls again); when none does, every request is decided here, on used = reserved = 0,
    -- and nothing is created: a denied first consume of a period writes nothing.
    IF EXISTS (SELECT 1 FROM unnest(p_amounts, p_ceilings) AS r(amount, ceiling)
                WHERE quota_fits(0, 0, r.amount, r.ceiling)) THEN
      RETURN QUERY SELECT 0, 3::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz; -- no counter
      RETURN;
    END IF;
    IF coalesce((SELECT t.version FROM tenant t WHERE t.tenant_id = p_tenant), 0) <> p_version THEN
      RETURN QUERY SELECT 0, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz; -- stale
      RETURN;
    END IF;
    FOR i IN 1 .. v_count LOOP
      o_index := i - 1;
      o_recorded := NULL;
      SELECT l.amount INTO v_recorded FROM usage_ledger l
       WHERE l.tenant_id = p_tenant AND l.meter = p_meter AND l.usage_key = p_keys[i]
       ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
      IF FOUND THEN
        o_outcome := 1; -- duplicate (recorded in an earlier period)
        o_recorded := v_recorded;
      ELSE
        o_outcome := 4; -- insufficient
      END IF;
      o_used := 0;
      o_reserved := 0;
      o_next_expiry := NULL;
      RETURN NEXT;
    END LOOP;
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

CREATE OR REPLACE FUNCTION quota_reserve(
  p_tenant          varchar,
  p_meter           varchar,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_version         bigint,
  p_now             timestamptz,
  p_ids             uuid[],
  p_amounts         bigint[],
  p_ceilings        bigint[],
  p_created_at      text[],
  p_expires_at      text[])
RETURNS TABLE (o_index integer, o_outcome smallint, o_used bigint, o_reserved bigint, o_next_expiry timestamptz)
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
  v_expires   timestamptz;
  v_count     integer := coalesce(array_length(p_ids, 1), 0);
BEGIN
  SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
    INTO c_version, c_used, c_reserved, c_next, c_row
    FROM counter c
   WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (p_tenant, p_meter, p_period_start, p_period_end)
     AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (p_tenant, p_meter, p_period_start, p_period_end)
     FOR UPDATE;
  o_index := 0;
  IF NOT FOUND THEN
    -- As in quota_consume_batch: without a counter row, a batch none of whose holds fits an empty counter is denied
    -- here and creates nothing.
    IF EXISTS (SELECT 1 FROM unnest(p_amounts, p_ceilings) AS r(amount, ceiling)
                WHERE quota_fits(0, 0, r.amount, r.ceiling)) THEN
      o_outcome := 3; -- no counter
      RETURN NEXT;
      RETURN;
    END IF;
    IF coalesce((SELECT t.version FROM tenant t WHERE t.tenant_id = p_tenant), 0) <> p_version THEN
      o_outcome := 2; -- stale
      RETURN NEXT;
      RETURN;
    END IF;
    FOR i IN 1 .. v_count LOOP
      o_index := i - 1;
      o_outcome := 4; -- insufficient
      o_used := 0;
      o_reserved := 0;
      o_next_expiry := NULL;
      RETURN NEXT;
    END LOOP;
    RETURN;
  END IF;
  IF c_version <> p_version THEN
    o_outcome := 2; -- stale
    RETURN NEXT;
    RETURN;
  END IF;
  IF quota_expired(c_next, p_now) THEN
    o_outcome := 5; -- sweep first
    RETURN NEXT;
    RETURN;
  END IF;
  v_before := c_reserved;
  FOR i IN 1 .. v_count LOOP
    o_index := i - 1;
    IF quota_fits(c_used, c_reserved, p_amounts[i], p_ceilings[i]) THEN
      v_expires := p_expires_at[i]::timestamptz;
      INSERT INTO reservation (tenant_id, reservation_id, meter, amount, period_start, period_end, created_at,
                               expires_at, state, counted)
      VALUES (p_tenant, p_ids[i], p_meter, p_amounts[i], p_period_start, p_period_end, p_created_at[i]::timestamptz,
              v_expires, 'OPEN', true)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN
        c_reserved := c_reserved + p_amounts[i];
        c_next := least(coalesce(c_next, v_expires), v_expires);
        o_outcome := 0; -- written
      ELSE
        o_outcome := 1; -- duplicate reservation id: nothing written
      END IF;
    ELSE
      o_outcome := 4; -- insufficient
    END IF;
    o_used := c_used;
    o_reserved := c_reserved;
    o_next_expiry := c_next;
    RETURN NEXT;
  END LOOP;
  IF c_reserved <> v_before THEN
    UPDATE counter c SET reserved = c_reserved, next_hold_expiry = c_next WHERE c.ctid = c_row;
  END IF;
END;
$$;
-- [jooq ignore stop]
