-- quota's PostgreSQL schema, version 13: tenants in a tree (organisation > workspace > member > API key), and meters
-- with short windows (per minute, hour or day) besides their period.
--
-- A usage write on a tenant with a parent counts at the tenant and at every ancestor, in every window of the meter,
-- in one transaction: every counter it changes is locked in one global order (tenant id, meter, period start, period
-- end), so writes on crossing paths cannot deadlock.

-- The tenant's parent, if any. Changed only by QuotaAdmin.setParent, which checks for cycles and depth under a lock
-- that every tree change takes, and increments the tenant's version like any admin change.
ALTER TABLE tenant ADD COLUMN parent_id varchar(255);
CREATE INDEX tenant_children ON tenant (parent_id, tenant_id);

-- What an entry counted against: the writing tenant first, then its ancestors up to the root, as the
-- write found them. NULL for an entry counted at its tenant alone (a tenant without a parent): the common case costs
-- nothing. A move to another parent leaves recorded entries where they were counted; verify sums a level's counters
-- from the entries whose path contains it.
ALTER TABLE usage_ledger ADD COLUMN counted_path varchar(255)[];
ALTER TABLE usage_archive ADD COLUMN counted_path varchar(255)[];

-- A counter of a short window ('MINUTE', 'HOUR' or 'DAY'; its period is the window), or NULL for the meter's period.
-- Only short-window counters are ever compacted away (MaintenanceStore.compactWindows).
ALTER TABLE counter ADD COLUMN time_window varchar(8);

-- The holds of a reservation made on a path (UsageStore.reservePath): one row per counter it holds in (the writing
-- tenant's and every ancestor's, in every window). The reservation itself stays one row in reservation; its commit,
-- release or expiry ends every hold here with it.
--   tenant_id, meter, period_*  the counter held in
--   holder_id, reservation_id   the reservation (of tenant holder_id)
--   counted                     whether amount is still included in that counter's reserved
CREATE TABLE reservation_hold (
  tenant_id       varchar(255) NOT NULL,
  meter           varchar(64)  NOT NULL,
  period_start    timestamptz  NOT NULL,
  period_end      timestamptz  NOT NULL,
  holder_id       varchar(255) NOT NULL,
  reservation_id  uuid         NOT NULL,
  amount          bigint       NOT NULL,
  expires_at      timestamptz  NOT NULL,
  counted         boolean      NOT NULL,
  CONSTRAINT reservation_hold_pk PRIMARY KEY (holder_id, reservation_id, tenant_id, period_start, period_end),
  CONSTRAINT reservation_hold_amount_positive CHECK (amount > 0)
);
CREATE INDEX reservation_hold_counter ON reservation_hold (tenant_id, meter, period_start, period_end, expires_at);

-- [jooq ignore start]
CREATE INDEX usage_ledger_counted_path ON usage_ledger USING gin (counted_path) WHERE counted_path IS NOT NULL;
CREATE INDEX usage_archive_counted_path ON usage_archive USING gin (counted_path) WHERE counted_path IS NOT NULL;
CREATE INDEX counter_short_window_end ON counter (period_end) WHERE time_window IS NOT NULL;
ALTER TABLE counter ADD CONSTRAINT counter_time_window_known CHECK (time_window IN ('MINUTE', 'HOUR', 'DAY'));
ALTER TABLE tenant ADD CONSTRAINT tenant_not_own_parent CHECK (parent_id <> tenant_id);
-- [jooq ignore stop]
