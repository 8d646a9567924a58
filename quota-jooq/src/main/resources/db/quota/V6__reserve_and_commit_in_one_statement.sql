-- quota's PostgreSQL schema, version 6: a reserve and a commit each in one statement.
--
-- Until this version a reserve was a statement plus a COMMIT, and a commit four round trips (lock the hold, end it,
-- write the usage, COMMIT), each statement rendered anew by jOOQ on every call, with the counter row locked across
-- the round trips. These two functions decide the common case of each in one call, in auto-commit, as
-- quota_consume_batch does for tryConsume: same rules (V3), same lock order (a hold's row before its counter's row),
-- same outcome codes (dev.quota.jooq.internal.BatchOutcome; BatchOutcomeTest provokes each).
--
-- quota_commit decides only a commit of an open hold of the same meter and period whose usage key is new; for any
-- other case (no such hold, ended, another meter, another period, a key already recorded) it writes nothing and
-- answers DECIDE_IN_TRANSACTION, and the store decides the commit with its statements in a transaction of its own,
-- as it did before this version: those cases are rare and need several reads to be told apart.
--
-- Instances of the previous release do not call these functions; both kinds can run side by side on one schema.

-- [jooq ignore start]
CREATE FUNCTION quota_reserve(
  p_tenant          varchar,
  p_meter           varchar,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_version         bigint,
  p_now             timestamptz,
  p_id              uuid,
  p_amount          bigint,
  p_ceiling         bigint,
  p_created_at      timestamptz,
  p_expires_at      timestamptz)
RETURNS TABLE (o_outcome smallint, o_used bigint, o_reserved bigint, o_next_expiry timestamptz)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  c_row       tid;
  c_version   bigint;
BEGIN
  SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
    INTO c_version, o_used, o_reserved, o_next_expiry, c_row
    FROM counter c
   WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (p_tenant, p_meter, p_period_start, p_period_end)
     AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (p_tenant, p_meter, p_period_start, p_period_end)
     FOR UPDATE;
  IF NOT FOUND THEN
    o_outcome := 3; -- no counter
    RETURN NEXT;
    RETURN;
  END IF;
  IF c_version <> p_version THEN
    o_outcome := 2; -- stale
    o_used := NULL;
    o_reserved := NULL;
    o_next_expiry := NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  IF quota_expired(o_next_expiry, p_now) THEN
    o_outcome := 5; -- sweep first
    RETURN NEXT;
    RETURN;
  END IF;
  IF NOT quota_fits(o_used, o_reserved, p_amount, p_ceiling) THEN
    o_outcome := 4; -- insufficient, with the counter as it stands
    RETURN NEXT;
    RETURN;
  END IF;
  INSERT INTO reservation (tenant_id, reservation_id, meter, amount, period_start, period_end, created_at, expires_at,
                           state, counted)
  VALUES (p_tenant, p_id, p_meter, p_amount, p_period_start, p_period_end, p_created_at, p_expires_at, 'OPEN', true)
  ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    o_outcome := 1; -- duplicate reservation id: nothing written, the counter as it stands
    RETURN NEXT;
    RETURN;
  END IF;
  o_reserved := o_reserved + p_amount;
  o_next_expiry := least(coalesce(o_next_expiry, p_expires_at), p_expires_at);
  UPDATE counter c SET reserved = o_reserved, next_hold_expiry = o_next_expiry WHERE c.ctid = c_row;
  o_outcome := 0; -- written
  RETURN NEXT;
END;
$$;

CREATE FUNCTION quota_commit(
  p_tenant          varchar,
  p_meter           varchar,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_version         bigint,
  p_now             timestamptz,
  p_id              uuid,
  p_key             varchar,
  p_amount          bigint,
  p_occurred_at     timestamptz,
  p_attributes      text)
RETURNS TABLE (o_outcome smallint, o_used bigint, o_reserved bigint, o_next_expiry timestamptz,
               o_hold_expired boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  h_row       tid;
  h_state     varchar;
  h_meter     varchar;
  h_counted   boolean;
  h_amount    bigint;
  h_start     timestamptz;
  h_end       timestamptz;
  h_expires   timestamptz;
  c_row       tid;
  c_version   bigint;
  v_held      bigint;
BEGIN
  -- the hold's row first, then the counter's: the lock order of every path that ends holds
  SELECT r.state, r.meter, r.counted, r.amount, r.period_start, r.period_end, r.expires_at, r.ctid
    INTO h_state, h_meter, h_counted, h_amount, h_start, h_end, h_expires, h_row
    FROM reservation r
   WHERE r.tenant_id = p_tenant AND r.reservation_id = p_id
     FOR UPDATE;
  IF NOT FOUND OR h_state <> 'OPEN' OR h_meter <> p_meter THEN
    o_outcome := 6; -- decide in a transaction: no such hold, ended, or of another meter
    RETURN NEXT;
    RETURN;
  END IF;
  v_held := CASE WHEN h_counted THEN h_amount ELSE 0 END;
  IF v_held > 0 AND (h_start <> p_period_start OR h_end <> p_period_end) THEN
    o_outcome := 6; -- decide in a transaction: two counter rows change
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
    INTO c_version, o_used, o_reserved, o_next_expiry, c_row
    FROM counter c
   WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (p_tenant, p_meter, p_period_start, p_period_end)
     AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (p_tenant, p_meter, p_period_start, p_period_end)
     FOR UPDATE;
  IF NOT FOUND THEN
    o_outcome := 3; -- no counter
    RETURN NEXT;
    RETURN;
  END IF;
  IF c_version <> p_version THEN
    o_outcome := 2; -- stale
    o_used := NULL;
    o_reserved := NULL;
    o_next_expiry := NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes)
  VALUES (p_tenant, p_meter, p_key, p_amount, p_occurred_at, p_period_start, p_period_end, p_attributes::jsonb)
  ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    o_outcome := 6; -- decide in a transaction: the key is recorded already; nothing was written
    o_used := NULL;
    o_reserved := NULL;
    o_next_expiry := NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE reservation r SET state = 'COMMITTED', committed_key = p_key, counted = false WHERE r.ctid = h_row;
  o_used := o_used + p_amount;
  o_reserved := o_reserved - v_held;
  UPDATE counter c SET used = o_used, reserved = o_reserved WHERE c.ctid = c_row;
  IF quota_expired(o_next_expiry, p_now) THEN
    -- holds that expired still sit in reserved until a sweep: report the balance without them
    o_reserved := o_reserved - quota_expired_holds(p_tenant, p_meter, p_period_start, p_period_end, p_now);
    o_next_expiry := quota_next_hold_expiry(p_tenant, p_meter, p_period_start, p_period_end, p_now);
  END IF;
  o_hold_expired := quota_expired(h_expires, p_now);
  o_outcome := 0; -- written
  RETURN NEXT;
END;
$$;
-- [jooq ignore stop]
