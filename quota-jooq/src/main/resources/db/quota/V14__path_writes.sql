-- quota's PostgreSQL schema, version 14: usage writes on a path (a tenant and its ancestors, in every window of the
-- meter), each in one call.
--
-- quota_path_write decides a consume (UsageStore.consumePath) or a reserve (reservePath) of one tenant against every
-- counter of its path, and quota_path_commit ends a reservation in every counter it holds in while recording its usage
-- on the path current at the commit (commitPath). Each runs in auto-commit, one statement, one round trip:
--   * the counter rows are locked in one global order, tenant id, then period start, then period end (the meter is the
--     call's), the order quota_append_batch and every admin change of a tenant lock in, so that writes on crossing
--     paths cannot deadlock; a reservation's row, and its hold rows, are locked before any counter row, the order of
--     every path that ends holds (quota_commit, the store's release and sweep);
--   * a missing counter row is not created here: the call answers NO_COUNTER, and the store creates the rows in a
--     transaction of its own that holds no counter row (each under a share lock on its tenant's row, stamped with
--     the tenant's version, as Counters.ensure creates a flat one), then calls again. Creating it here, while holding
--     counter rows locked earlier in the order, would wait for a tenant's row that an admin change holds while it
--     waits for those counter rows;
--   * a counter with an expired hold still counted answers SWEEP, and the store sweeps and calls again (a sweep locks
--     hold rows before counter rows; doing it here, after the counters, would reverse that order).
-- Outcome codes, shared with dev.quota.jooq.internal.PathWrites (the first six mean what they mean for the flat
-- functions, see dev.quota.jooq.internal.BatchOutcome):
--   0 written, 1 duplicate (o_recorded), 2 stale, 3 no counter row, 4 insufficient, 5 sweep first,
--   7 no such reservation, 8 released, 9 another meter (o_text), 10 committed under another key (o_text).
-- o_index is a counter's index in the call's arrays (the write's order); an outcome that is the whole call's comes in
-- one row, its o_index naming the counter concerned (the stale, missing or unswept one; 0 otherwise).
--
-- A reservation made on a path is one row in reservation (of the writing tenant, its period the tenant's PERIOD
-- counter, counted = false) and one row in reservation_hold per counter it holds in, counted = true. quota_commit is
-- replaced so that it leaves such a reservation to the store's transaction (DECIDE_IN_TRANSACTION), and
-- quota_expired_holds and quota_next_hold_expiry so that a counter's holds include its reservation_hold rows (same
-- signatures: instances of the previous release keep working on them).

-- [jooq ignore start]
CREATE OR REPLACE FUNCTION quota_expired_holds(p_tenant varchar, p_meter varchar, p_period_start timestamptz,
                                               p_period_end timestamptz, p_at timestamptz)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
  SELECT (coalesce((SELECT sum(r.amount) FROM reservation r
                     WHERE r.tenant_id = p_tenant AND r.meter = p_meter AND r.period_start = p_period_start
                       AND r.period_end = p_period_end AND r.counted AND quota_expired(r.expires_at, p_at)), 0)
        + coalesce((SELECT sum(h.amount) FROM reservation_hold h
                     WHERE h.tenant_id = p_tenant AND h.meter = p_meter AND h.period_start = p_period_start
                       AND h.period_end = p_period_end AND h.counted AND quota_expired(h.expires_at, p_at)), 0))::bigint
$$;

CREATE OR REPLACE FUNCTION quota_next_hold_expiry(p_tenant varchar, p_meter varchar, p_period_start timestamptz,
                                                  p_period_end timestamptz, p_at timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
  SELECT least((SELECT min(r.expires_at) FROM reservation r
                 WHERE r.tenant_id = p_tenant AND r.meter = p_meter AND r.period_start = p_period_start
                   AND r.period_end = p_period_end AND r.counted AND NOT quota_expired(r.expires_at, p_at)),
               (SELECT min(h.expires_at) FROM reservation_hold h
                 WHERE h.tenant_id = p_tenant AND h.meter = p_meter AND h.period_start = p_period_start
                   AND h.period_end = p_period_end AND h.counted AND NOT quota_expired(h.expires_at, p_at)))
$$;

-- A consume (p_key set) or a reserve (p_reservation set) on a path. The counters come as parallel arrays in the
-- write's order (the order a refusal names the first counter that cannot take the amount); p_path is the path the
-- entry keeps (NULL when it has one tenant: a flat entry).
CREATE FUNCTION quota_path_write(
  p_meter           varchar,
  p_now             timestamptz,
  p_conditional     boolean,
  p_tenant          varchar,
  p_path            varchar[],
  p_key             varchar,
  p_reservation     uuid,
  p_amount          bigint,
  p_occurred_at     timestamptz,
  p_expires_at      timestamptz,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_attributes      text,
  p_tenants         varchar[],
  p_starts          text[],
  p_ends            text[],
  p_ceilings        bigint[],
  p_versions        bigint[])
RETURNS TABLE (o_index integer, o_outcome smallint, o_recorded bigint, o_used bigint, o_reserved bigint,
               o_next_expiry timestamptz)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  n           integer := coalesce(array_length(p_tenants, 1), 0);
  k           record;
  c_rows      tid[] := '{}';
  c_versions  bigint[] := '{}';
  c_used      bigint[] := '{}';
  c_reserved  bigint[] := '{}';
  c_next      timestamptz[] := '{}';
  v_row       tid;
  v_version   bigint;
  v_used      bigint;
  v_reserved  bigint;
  v_next      timestamptz;
  v_recorded  bigint;
  v_outcome   smallint := 0;
  v_failed    integer := 0;
BEGIN
  FOR k IN
    SELECT u.tenant, u.s::timestamptz AS s, u.e::timestamptz AS e, u.ord::integer AS i
      FROM unnest(p_tenants, p_starts, p_ends) WITH ORDINALITY AS u(tenant, s, e, ord)
     ORDER BY u.tenant, u.s::timestamptz, u.e::timestamptz
  LOOP
    SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
      INTO v_version, v_used, v_reserved, v_next, v_row
      FROM counter c
     WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (k.tenant, p_meter, k.s, k.e)
       AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (k.tenant, p_meter, k.s, k.e)
       FOR UPDATE;
    IF NOT FOUND THEN
      RETURN QUERY SELECT k.i - 1, 3::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
      RETURN; -- no counter: nothing written
    END IF;
    c_rows[k.i] := v_row;
    c_versions[k.i] := v_version;
    c_used[k.i] := v_used;
    c_reserved[k.i] := v_reserved;
    c_next[k.i] := v_next;
  END LOOP;
  FOR i IN 1 .. n LOOP
    IF c_versions[i] <> p_versions[i] THEN
      RETURN QUERY SELECT i - 1, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
      RETURN; -- stale
    END IF;
  END LOOP;
  FOR i IN 1 .. n LOOP
    IF quota_expired(c_next[i], p_now) THEN
      RETURN QUERY SELECT i - 1, 5::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
      RETURN; -- sweep first
    END IF;
  END LOOP;
  IF p_key IS NOT NULL THEN
    SELECT l.amount INTO v_recorded FROM usage_ledger l
     WHERE l.tenant_id = p_tenant AND l.meter = p_meter AND l.usage_key = p_key
     ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
    IF FOUND THEN
      v_outcome := 1; -- duplicate
    END IF;
  END IF;
  IF v_outcome = 0 AND p_conditional THEN
    FOR i IN 1 .. n LOOP
      IF NOT quota_fits(c_used[i], c_reserved[i], p_amount, p_ceilings[i]) THEN
        v_outcome := 4; -- insufficient: the first counter, in the write's order, that cannot take it
        v_failed := i - 1;
        EXIT;
      END IF;
    END LOOP;
  END IF;
  IF v_outcome = 0 AND p_key IS NOT NULL THEN
    INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes,
                              counted_path)
    VALUES (p_tenant, p_meter, p_key, p_amount, p_occurred_at, p_period_start, p_period_end, p_attributes::jsonb,
            p_path)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      -- a write of the same key on another path (another root) committed meanwhile: a duplicate after all
      SELECT l.amount INTO v_recorded FROM usage_ledger l
       WHERE l.tenant_id = p_tenant AND l.meter = p_meter AND l.usage_key = p_key
       ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'usage key % of tenant % changed during the write', p_key, p_tenant
          USING ERRCODE = 'serialization_failure';
      END IF;
      v_outcome := 1;
    ELSE
      FOR i IN 1 .. n LOOP
        c_used[i] := c_used[i] + p_amount;
        UPDATE counter c SET used = c_used[i] WHERE c.ctid = c_rows[i];
      END LOOP;
    END IF;
  ELSIF v_outcome = 0 THEN
    INSERT INTO reservation (tenant_id, reservation_id, meter, amount, period_start, period_end, created_at,
                             expires_at, state, counted)
    VALUES (p_tenant, p_reservation, p_meter, p_amount, p_period_start, p_period_end, p_occurred_at, p_expires_at,
            'OPEN', false); -- counted in its hold rows, one per counter
    FOR i IN 1 .. n LOOP
      INSERT INTO reservation_hold (tenant_id, meter, period_start, period_end, holder_id, reservation_id, amount,
                                    expires_at, counted)
      VALUES (p_tenants[i], p_meter, p_starts[i]::timestamptz, p_ends[i]::timestamptz, p_tenant, p_reservation,
              p_amount, p_expires_at, true);
      c_reserved[i] := c_reserved[i] + p_amount;
      c_next[i] := least(c_next[i], p_expires_at);
      UPDATE counter c SET reserved = c_reserved[i], next_hold_expiry = c_next[i] WHERE c.ctid = c_rows[i];
    END LOOP;
  END IF;
  FOR i IN 1 .. n LOOP
    o_index := i - 1;
    o_outcome := v_outcome;
    -- a duplicate's recorded amount; for an insufficient write, the index of the first counter that refused it
    o_recorded := CASE v_outcome WHEN 1 THEN v_recorded WHEN 4 THEN v_failed END;
    o_used := c_used[i];
    o_reserved := c_reserved[i];
    o_next_expiry := c_next[i];
    RETURN NEXT;
  END LOOP;
END;
$$;

-- Ends a reservation by recording its usage on a path: the hold leaves every counter it counts in (its
-- reservation_hold rows, or for a reservation made flat, its own period's counter), and the entry is written once,
-- keeping p_path, and added to every counter of the arrays (never refused for the balance). The reservation's row is
-- locked first, then its hold rows, then the union of the held and written counters in the global order; every check
-- comes before the first change, so an outcome other than written (or a duplicate of the same amount) changes nothing.
CREATE FUNCTION quota_path_commit(
  p_meter           varchar,
  p_now             timestamptz,
  p_tenant          varchar,
  p_path            varchar[],
  p_reservation     uuid,
  p_key             varchar,
  p_amount          bigint,
  p_occurred_at     timestamptz,
  p_period_start    timestamptz,
  p_period_end      timestamptz,
  p_attributes      text,
  p_tenants         varchar[],
  p_starts          text[],
  p_ends            text[],
  p_versions        bigint[])
RETURNS TABLE (o_index integer, o_outcome smallint, o_recorded bigint, o_used bigint, o_reserved bigint,
               o_next_expiry timestamptz, o_expired boolean, o_text varchar)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  n           integer := coalesce(array_length(p_tenants, 1), 0);
  k           record;
  r_found     boolean;
  r_state     varchar;
  r_meter     varchar;
  r_counted   boolean;
  r_amount    bigint;
  r_start     timestamptz;
  r_end       timestamptz;
  r_expires   timestamptz;
  r_key       varchar;
  h_tenants   varchar[];
  h_starts    timestamptz[];
  h_ends      timestamptz[];
  h_amounts   bigint[];
  v_row       tid;
  v_version   bigint;
  v_used      bigint;
  v_reserved  bigint;
  v_next      timestamptz;
  v_recorded  bigint;
  v_outcome   smallint := 0;
  l_rows      tid[] := '{}';
  l_held      bigint[] := '{}';
  l_idx       integer[] := '{}';
  l_used      bigint[] := '{}';
  l_reserved  bigint[] := '{}';
  l_next      timestamptz[] := '{}';
  l_n         integer := 0;
  c_lock      integer[] := '{}';
BEGIN
  SELECT r.state, r.meter, r.counted, r.amount, r.period_start, r.period_end, r.expires_at, r.committed_key
    INTO r_state, r_meter, r_counted, r_amount, r_start, r_end, r_expires, r_key
    FROM reservation r
   WHERE r.tenant_id = p_tenant AND r.reservation_id = p_reservation
     FOR UPDATE;
  r_found := FOUND;
  IF NOT r_found OR r_state <> 'OPEN' OR r_meter <> p_meter THEN
    -- nothing to end: a changed version of any level first, as a flat commit answers
    FOR i IN 1 .. n LOOP
      v_version := NULL;
      SELECT t.version INTO v_version FROM tenant t WHERE t.tenant_id = p_tenants[i];
      IF coalesce(v_version, 0) <> p_versions[i] THEN
        RETURN QUERY SELECT i - 1, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz,
                            false, NULL::varchar;
        RETURN; -- stale
      END IF;
    END LOOP;
    IF NOT r_found THEN
      v_outcome := 7; -- no such reservation
    ELSIF r_state = 'RELEASED' THEN
      v_outcome := 8; -- released
    ELSIF r_meter <> p_meter THEN
      RETURN QUERY SELECT 0, 9::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz, false,
                          r_meter;
      RETURN; -- another meter
    ELSIF r_key <> p_key THEN
      RETURN QUERY SELECT 0, 10::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz, false,
                          r_key;
      RETURN; -- committed under another key
    ELSE
      -- committed under this key before (a retried commit): a duplicate, the counters as they stand
      SELECT l.amount INTO v_recorded FROM usage_ledger l
       WHERE l.tenant_id = p_tenant AND l.meter = p_meter AND l.usage_key = p_key
       ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
      FOR i IN 1 .. n LOOP
        v_used := NULL;
        v_reserved := NULL;
        SELECT c.used, c.reserved - CASE WHEN quota_expired(c.next_hold_expiry, p_now)
                 THEN quota_expired_holds(c.tenant_id, c.meter, c.period_start, c.period_end, p_now) ELSE 0 END
          INTO v_used, v_reserved
          FROM counter c
         WHERE (c.tenant_id, c.meter, c.period_start, c.period_end)
               = (p_tenants[i], p_meter, p_starts[i]::timestamptz, p_ends[i]::timestamptz);
        RETURN QUERY SELECT i - 1, 1::smallint, coalesce(v_recorded, p_amount), coalesce(v_used, 0),
                            coalesce(v_reserved, 0), NULL::timestamptz, false, NULL::varchar;
      END LOOP;
      RETURN;
    END IF;
    RETURN QUERY SELECT 0, v_outcome, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz, false,
                        NULL::varchar;
    RETURN;
  END IF;
  -- the hold's rows, locked before any counter row (a sweep locks them in the same order)
  SELECT array_agg(h.tenant_id), array_agg(h.period_start), array_agg(h.period_end), array_agg(h.amount)
    INTO h_tenants, h_starts, h_ends, h_amounts
    FROM (SELECT h.tenant_id, h.period_start, h.period_end, h.amount FROM reservation_hold h
           WHERE h.holder_id = p_tenant AND h.reservation_id = p_reservation AND h.counted
           ORDER BY h.tenant_id, h.period_start, h.period_end
             FOR UPDATE) h;
  IF r_counted THEN -- a reservation made flat counts in its own period's counter
    h_tenants := coalesce(h_tenants, '{}') || p_tenant;
    h_starts := coalesce(h_starts, '{}') || r_start;
    h_ends := coalesce(h_ends, '{}') || r_end;
    h_amounts := coalesce(h_amounts, '{}') || r_amount;
  END IF;
  FOR k IN
    SELECT x.tenant, x.s, x.e, max(x.idx) AS idx, sum(x.held)::bigint AS held
      FROM (SELECT u.tenant, u.s::timestamptz AS s, u.e::timestamptz AS e, u.ord::integer AS idx, 0::bigint AS held
              FROM unnest(p_tenants, p_starts, p_ends) WITH ORDINALITY AS u(tenant, s, e, ord)
            UNION ALL
            SELECT h.tenant, h.s, h.e, NULL::integer, h.amount
              FROM unnest(h_tenants, h_starts, h_ends, h_amounts) AS h(tenant, s, e, amount)) x
     GROUP BY x.tenant, x.s, x.e
     ORDER BY x.tenant, x.s, x.e
  LOOP
    SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
      INTO v_version, v_used, v_reserved, v_next, v_row
      FROM counter c
     WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (k.tenant, p_meter, k.s, k.e)
       AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (k.tenant, p_meter, k.s, k.e)
       FOR UPDATE;
    IF NOT FOUND THEN
      IF k.idx IS NOT NULL THEN
        RETURN QUERY SELECT k.idx - 1, 3::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz,
                            false, NULL::varchar;
        RETURN; -- a counter to write has no row yet: nothing written
      END IF;
      CONTINUE; -- a held counter that is gone (a short window compacted away): nothing to end there
    END IF;
    IF k.idx IS NOT NULL AND v_version <> p_versions[k.idx] THEN
      RETURN QUERY SELECT k.idx - 1, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz,
                          false, NULL::varchar;
      RETURN; -- stale: nothing written
    END IF;
    l_n := l_n + 1;
    l_rows[l_n] := v_row;
    l_held[l_n] := k.held;
    l_idx[l_n] := k.idx;
    l_used[l_n] := v_used;
    l_reserved[l_n] := v_reserved;
    l_next[l_n] := v_next;
    IF k.idx IS NOT NULL THEN
      c_lock[k.idx] := l_n;
    END IF;
  END LOOP;
  INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end, attributes,
                            counted_path)
  VALUES (p_tenant, p_meter, p_key, p_amount, p_occurred_at, p_period_start, p_period_end, p_attributes::jsonb,
          p_path)
  ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    SELECT l.amount INTO v_recorded FROM usage_ledger l
     WHERE l.tenant_id = p_tenant AND l.meter = p_meter AND l.usage_key = p_key
     ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'usage key % of tenant % changed during the commit', p_key, p_tenant
        USING ERRCODE = 'serialization_failure';
    END IF;
    v_outcome := 1; -- duplicate: the hold ends only if the recorded usage is the commit's
  END IF;
  IF v_outcome = 0 OR v_recorded = p_amount THEN
    UPDATE reservation r SET state = 'COMMITTED', committed_key = p_key, counted = false
     WHERE r.tenant_id = p_tenant AND r.reservation_id = p_reservation;
    UPDATE reservation_hold h SET counted = false
     WHERE h.holder_id = p_tenant AND h.reservation_id = p_reservation AND h.counted;
    FOR j IN 1 .. l_n LOOP
      l_reserved[j] := l_reserved[j] - l_held[j];
      IF v_outcome = 0 AND l_idx[j] IS NOT NULL THEN
        l_used[j] := l_used[j] + p_amount;
      END IF;
      IF l_held[j] <> 0 OR (v_outcome = 0 AND l_idx[j] IS NOT NULL) THEN
        UPDATE counter c SET used = l_used[j], reserved = l_reserved[j] WHERE c.ctid = l_rows[j];
      END IF;
    END LOOP;
  END IF;
  FOR i IN 1 .. n LOOP
    o_index := i - 1;
    o_outcome := v_outcome;
    o_recorded := v_recorded;
    o_used := l_used[c_lock[i]];
    o_reserved := l_reserved[c_lock[i]];
    o_next_expiry := l_next[c_lock[i]];
    IF quota_expired(o_next_expiry, p_now) THEN
      -- holds that expired still sit in reserved until a sweep: report the balance without them
      o_reserved := o_reserved - quota_expired_holds(p_tenants[i], p_meter, p_starts[i]::timestamptz,
                                                     p_ends[i]::timestamptz, p_now);
      o_next_expiry := quota_next_hold_expiry(p_tenants[i], p_meter, p_starts[i]::timestamptz,
                                              p_ends[i]::timestamptz, p_now);
    END IF;
    o_expired := quota_expired(r_expires, p_now);
    o_text := NULL;
    RETURN NEXT;
  END LOOP;
END;
$$;

-- Consumes of several paths of one root, decided in order in one call: the store combines the concurrent consumePath
-- calls of one JVM that share a root and meter into one such call, as it combines flat consumes of one counter into
-- one call of quota_consume_batch. The union of their counters is locked once, in the global order; then each request
-- is decided as quota_path_write decides it, against the counters as the requests before it in the call left them.
-- Requests come as parallel arrays (p_paths as JSON arrays of tenant ids, NULL for a flat entry); their counters as
-- parallel arrays of their own, each request's contiguous, in its write's order, from p_first (1-based) for p_count.
-- Rows: o_request (0-based), o_index (the counter's index in its request), and the columns of quota_path_write. A
-- stale request is one row naming its stale counter; NO_COUNTER and SWEEP are the whole call's, in one row naming
-- the request and counter concerned, and write nothing.
CREATE FUNCTION quota_path_consume_batch(
  p_meter           varchar,
  p_now             timestamptz,
  p_tenants         varchar[],
  p_paths           text[],
  p_keys            varchar[],
  p_amounts         bigint[],
  p_conditional     boolean[],
  p_occurred_at     text[],
  p_period_starts   text[],
  p_period_ends     text[],
  p_attributes      text[],
  p_first           integer[],
  p_count           integer[],
  p_c_tenants       varchar[],
  p_c_starts        text[],
  p_c_ends          text[],
  p_c_ceilings      bigint[],
  p_c_versions      bigint[])
RETURNS TABLE (o_request integer, o_index integer, o_outcome smallint, o_recorded bigint, o_used bigint,
               o_reserved bigint, o_next_expiry timestamptz)
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  n           integer := coalesce(array_length(p_tenants, 1), 0);
  k           record;
  c_slot      integer[] := '{}';
  c_request   integer[] := '{}';
  s_rows      tid[] := '{}';
  s_versions  bigint[] := '{}';
  s_used      bigint[] := '{}';
  s_reserved  bigint[] := '{}';
  s_next      timestamptz[] := '{}';
  s_changed   boolean[] := '{}';
  s_count     integer := 0;
  v_row       tid;
  v_version   bigint;
  v_used      bigint;
  v_reserved  bigint;
  v_next      timestamptz;
  v_recorded  bigint;
  v_outcome   smallint;
  v_failed    integer;
  v_path      varchar[];
BEGIN
  FOR r IN 1 .. n LOOP
    FOR i IN p_first[r] .. p_first[r] + p_count[r] - 1 LOOP
      c_request[i] := r;
    END LOOP;
  END LOOP;
  -- every distinct counter once, in the global order; c_slot maps each request's counter to it
  FOR k IN
    SELECT u.ord::integer AS i, u.tenant, u.s::timestamptz AS s, u.e::timestamptz AS e,
           dense_rank() OVER (ORDER BY u.tenant, u.s::timestamptz, u.e::timestamptz)::integer AS slot
      FROM unnest(p_c_tenants, p_c_starts, p_c_ends) WITH ORDINALITY AS u(tenant, s, e, ord)
     ORDER BY 5, 1
  LOOP
    c_slot[k.i] := k.slot;
    CONTINUE WHEN k.slot <= s_count; -- locked already
    SELECT c.version, c.used, c.reserved, c.next_hold_expiry, c.ctid
      INTO v_version, v_used, v_reserved, v_next, v_row
      FROM counter c
     WHERE (c.tenant_id, c.meter, c.period_start, c.period_end) >= (k.tenant, p_meter, k.s, k.e)
       AND (c.tenant_id, c.meter, c.period_start, c.period_end) <= (k.tenant, p_meter, k.s, k.e)
       FOR UPDATE;
    IF NOT FOUND THEN
      RETURN QUERY SELECT c_request[k.i] - 1, k.i - p_first[c_request[k.i]], 3::smallint, NULL::bigint,
                          NULL::bigint, NULL::bigint, NULL::timestamptz;
      RETURN; -- no counter: nothing written
    END IF;
    IF quota_expired(v_next, p_now) THEN
      RETURN QUERY SELECT c_request[k.i] - 1, k.i - p_first[c_request[k.i]], 5::smallint, NULL::bigint,
                          NULL::bigint, NULL::bigint, NULL::timestamptz;
      RETURN; -- sweep first: nothing written
    END IF;
    s_count := k.slot;
    s_rows[s_count] := v_row;
    s_versions[s_count] := v_version;
    s_used[s_count] := v_used;
    s_reserved[s_count] := v_reserved;
    s_next[s_count] := v_next;
    s_changed[s_count] := false;
  END LOOP;
  FOR r IN 1 .. n LOOP
    v_outcome := 0;
    v_failed := 0;
    v_recorded := NULL;
    FOR i IN p_first[r] .. p_first[r] + p_count[r] - 1 LOOP
      IF s_versions[c_slot[i]] <> p_c_versions[i] THEN
        v_outcome := 2; -- stale
        v_failed := i - p_first[r];
        EXIT;
      END IF;
    END LOOP;
    IF v_outcome = 2 THEN
      RETURN QUERY SELECT r - 1, v_failed, 2::smallint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz;
      CONTINUE;
    END IF;
    SELECT l.amount INTO v_recorded FROM usage_ledger l
     WHERE l.tenant_id = p_tenants[r] AND l.meter = p_meter AND l.usage_key = p_keys[r]
     ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
    IF FOUND THEN
      v_outcome := 1; -- duplicate (also of a request earlier in this call)
    ELSIF p_conditional[r] THEN
      FOR i IN p_first[r] .. p_first[r] + p_count[r] - 1 LOOP
        IF NOT quota_fits(s_used[c_slot[i]], s_reserved[c_slot[i]], p_amounts[r], p_c_ceilings[i]) THEN
          v_outcome := 4; -- insufficient
          v_failed := i - p_first[r];
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF v_outcome = 0 THEN
      v_path := CASE WHEN p_paths[r] IS NULL THEN NULL
                     ELSE ARRAY(SELECT jsonb_array_elements_text(p_paths[r]::jsonb)) END;
      INSERT INTO usage_ledger (tenant_id, meter, usage_key, amount, occurred_at, period_start, period_end,
                                attributes, counted_path)
      VALUES (p_tenants[r], p_meter, p_keys[r], p_amounts[r], p_occurred_at[r]::timestamptz,
              p_period_starts[r]::timestamptz, p_period_ends[r]::timestamptz, p_attributes[r]::jsonb, v_path)
      ON CONFLICT DO NOTHING;
      IF FOUND THEN
        FOR i IN p_first[r] .. p_first[r] + p_count[r] - 1 LOOP
          s_used[c_slot[i]] := s_used[c_slot[i]] + p_amounts[r];
          s_changed[c_slot[i]] := true;
        END LOOP;
      ELSE
        -- a write of the same key on another path committed meanwhile: a duplicate after all
        SELECT l.amount INTO v_recorded FROM usage_ledger l
         WHERE l.tenant_id = p_tenants[r] AND l.meter = p_meter AND l.usage_key = p_keys[r]
         ORDER BY l.tenant_id, l.meter, l.usage_key LIMIT 1;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'usage key % of tenant % changed during the batch', p_keys[r], p_tenants[r]
            USING ERRCODE = 'serialization_failure';
        END IF;
        v_outcome := 1;
      END IF;
    END IF;
    FOR i IN p_first[r] .. p_first[r] + p_count[r] - 1 LOOP
      o_request := r - 1;
      o_index := i - p_first[r];
      o_outcome := v_outcome;
      o_recorded := CASE v_outcome WHEN 1 THEN v_recorded WHEN 4 THEN v_failed END;
      o_used := s_used[c_slot[i]];
      o_reserved := s_reserved[c_slot[i]];
      o_next_expiry := s_next[c_slot[i]];
      RETURN NEXT;
    END LOOP;
  END LOOP;
  FOR j IN 1 .. s_count LOOP
    IF s_changed[j] THEN
      UPDATE counter c SET used = s_used[j] WHERE c.ctid = s_rows[j];
    END IF;
  END LOOP;
END;
$$;

-- As in V6, but a reservation made on a path is left to the store's transaction, which ends its holds.
CREATE OR REPLACE FUNCTION quota_commit(
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
  h_found     boolean;
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
    h_found := FOUND;
    h_decide[i] := NOT h_found OR h_state <> 'OPEN' OR h_meter <> p_meter OR p_ids[i] = ANY (p_ids[1:i - 1])
                   -- two counter rows change
                   OR (h_held[i] > 0 AND (h_start <> p_period_start OR h_end <> p_period_end))
                   -- a reservation made on a path (V14): its holds are its reservation_hold rows
                   OR (h_found AND NOT h_counted AND EXISTS (
                         SELECT 1 FROM reservation_hold rh
                          WHERE rh.holder_id = p_tenant AND rh.reservation_id = p_ids[i] AND rh.counted));
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
