-- quota's PostgreSQL schema, version 6: a reserve and a commit each in one statement.
--
-- Until this version a reserve was a statement plus a COMMIT, and a commit four round trips (lock the hold, end it,
-- write the usage, COMMIT), each statement rendered anew by jOOQ on every call, with the counter row locked across
-- the round trips. These two functions decide the common case of each in one call, in auto-commit, as
-- quota_consume_batch does for tryConsume: same rules (V3), same lock order (a hold's row before its counter's row),
-- same outcome codes (dev.quota.jooq.internal.BatchOutcome; BatchOutcomeTest provokes each). Like
-- quota_consume_batch, each takes several requests on one counter (a lone call is a batch of one) and decides them in
-- order under the counter row's lock, so that concurrent reserves, or commits, of a hot tenant share one statement,
-- one lock and one durable commit; STALE, NO_COUNTER and SWEEP are the whole batch's, in one row of index 0.
--
-- quota_commit decides only a commit of an open hold of the same meter and period whose usage key is new; for any
-- other request (no such hold, ended, another meter, another period, a key already recorded, a hold named twice in
-- the batch) it writes nothing and answers DECIDE_IN_TRANSACTION, and the store decides that commit with its
-- statements in a transaction of its own, as it did before this version: those cases are rare and need several reads
-- to be told apart.
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
    o_outcome := 3; -- no counter
    RETURN NEXT;
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

CREATE FUNCTION quota_commit(
  p_tenant          varchar,
  p_meter           varchar,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_version         bigint,
  p_now             timestamptz,
  p_ids             uuid[],
  p_keys            varchar[],
  p_amounts         bigint[],
  p_occurred_at     text[],
  p_attributes      text[])
RETURNS TABLE (o_index integer, o_outcome smallint, o_used bigint, o_reserved bigint, o_next_expiry timestamptz,
               o_hold_expired boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_count     integer := coalesce(array_length(p_ids, 1), 0);
  h_rows      tid[] := '{}';
  h_held      bigint[] := '{}';
  h_expired   boolean[] := '{}';
  h_decide    boolean[] := '{}';
  h_state     varchar;
  h_meter     varchar;
  h_counted   boolean;
  h_amount    bigint;
  h_start     timestamptz;
  h_end       timestamptz;
  h_expires   timestamptz;
  h_row       tid;
  c_row       tid;
  c_version   bigint;
  c_used      bigint;
  c_reserved  bigint;
  c_next      timestamptz;
  v_before_u  bigint;
  v_before_r  bigint;
  v_outcomes  smallint[] := '{}';
  v_useds     bigint[] := '{}';
  v_reserveds bigint[] := '{}';
  v_expired   bigint := 0;
BEGIN
  -- the holds' rows first, then the counter's: the lock order of every path that ends holds
  FOR i IN 1 .. v_count LOOP
    SELECT r.state, r.meter, r.counted, r.amount, r.period_start, r.period_end, r.expires_at, r.ctid
      INTO h_state, h_meter, h_counted, h_amount, h_start, h_end, h_expires, h_row
      FROM reservation r
     WHERE r.tenant_id = p_tenant AND r.reservation_id = p_ids[i]
       FOR UPDATE;
    h_rows[i] := h_row;
    h_held[i] := CASE WHEN FOUND AND h_counted THEN h_amount ELSE 0 END;
    h_expired[i] := FOUND AND quota_expired(h_expires, p_now);
    -- no such hold, ended, of another meter, or named before in this batch: decided in a transaction
    h_decide[i] := NOT FOUND OR h_state <> 'OPEN' OR h_meter <> p_meter OR p_ids[i] = ANY (p_ids[1:i - 1])
                   -- two counter rows change
                   OR (h_held[i] > 0 AND (h_start <> p_period_start OR h_end <> p_period_end));
  END LOOP;
  SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
    INTO c_version, c_used, c_reserved, c_next, c_row
    FROM counter c
   WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (p_tenant, p_meter, p_period_start, p_period_end)
     AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (p_tenant, p_meter, p_period_start, p_period_end)
     FOR UPDATE;
  o_index := 0;
  IF NOT FOUND THEN
    o_outcome := 3; -- no counter
    RETURN NEXT;
    RETURN;
  END IF;
  IF c_version <> p_version THEN
    o_outcome := 2; -- stale
    RETURN NEXT;
    RETURN;
  END IF;
  v_before_u := c_used;
  v_before_r := c_reserved;
  FOR i IN 1 .. v_count LOOP
    v_outcomes[i] := 6; -- decide in a transaction; nothing written for this request
    IF NOT h_decide[i] THEN
      INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end,
                                attributes)
      VALUES (p_tenant, p_meter, p_keys[i], p_amounts[i], p_occurred_at[i]::timestamptz, p_period_start,
              p_period_end, p_attributes[i]::jsonb)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN -- else the key is recorded already: decided in a transaction
        UPDATE reservation r SET state = 'COMMITTED', committed_key = p_keys[i], counted = false
         WHERE r.ctid = h_rows[i];
        c_used := c_used + p_amounts[i];
        c_reserved := c_reserved - h_held[i];
        v_outcomes[i] := 0; -- written
      END IF;
    END IF;
    v_useds[i] := c_used;
    v_reserveds[i] := c_reserved;
  END LOOP;
  IF c_used <> v_before_u OR c_reserved <> v_before_r THEN
    UPDATE counter c SET used = c_used, reserved = c_reserved WHERE c.ctid = c_row;
  END IF;
  IF quota_expired(c_next, p_now) THEN
    -- holds that expired still sit in reserved until a sweep: report the balance without them
    v_expired := quota_expired_holds(p_tenant, p_meter, p_period_start, p_period_end, p_now);
    c_next := quota_next_hold_expiry(p_tenant, p_meter, p_period_start, p_period_end, p_now);
  END IF;
  FOR i IN 1 .. v_count LOOP
    o_index := i - 1;
    o_outcome := v_outcomes[i];
    o_used := v_useds[i];
    o_reserved := v_reserveds[i] - v_expired;
    o_next_expiry := c_next;
    o_hold_expired := h_expired[i];
    RETURN NEXT;
  END LOOP;
END;
$$;
-- [jooq ignore stop]
