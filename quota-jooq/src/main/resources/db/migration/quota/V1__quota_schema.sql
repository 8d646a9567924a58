-- quota's PostgreSQL schema, version 1.
--
-- Object names are unqualified on purpose: the script is applied into whichever schema the host chose
-- (Flyway's target schema, or PostgresQuotaStore.createSchema), and the store maps its queries to it.
-- Every primary key starts with the tenant id, and every statement the store runs names one tenant, except
-- the admin dashboard's listing and the global audit listing.
-- Instants are timestamptz (microsecond precision); amounts are bigint units of the meter.

-- One row per tenant that has a plan, an entitlement, or a counter.
-- version moves on with every change of plan or entitlements; the same value is stamped on all the tenant's
-- counter rows in the same transaction (see counter.version).
CREATE TABLE tenant (
  tenant_id    varchar(255) NOT NULL,
  tier         varchar(64),
  billing_day  smallint,
  version      bigint       NOT NULL DEFAULT 0,
  CONSTRAINT tenant_pk PRIMARY KEY (tenant_id),
  CONSTRAINT tenant_billing_day_range CHECK (billing_day BETWEEN 1 AND 31)
);

-- Per tenant, meter and period: the sum of the period's ledger entries (used) and of the open holds that
-- still count (reserved). A check reads one row, whatever the history.
--   version           the tenant's entitlement version, stamped by every admin change in the same transaction
--                     as the change: conditional writes compare it on this very row, so that PostgreSQL's
--                     re-check after a row-lock wait sees an admin change that committed meanwhile.
--   next_hold_expiry  no later than the earliest expiry of the holds counted in reserved (null: none):
--                     a write on this row first sweeps expired holds when it has passed.
CREATE TABLE counter (
  tenant_id         varchar(255) NOT NULL,
  meter             varchar(64)  NOT NULL,
  period_start      timestamptz  NOT NULL,
  period_end        timestamptz  NOT NULL,
  used              bigint       NOT NULL DEFAULT 0,
  reserved          bigint       NOT NULL DEFAULT 0,
  version           bigint       NOT NULL,
  next_hold_expiry  timestamptz,
  CONSTRAINT counter_pk PRIMARY KEY (tenant_id, meter, period_start, period_end),
  CONSTRAINT counter_used_not_negative CHECK (used >= 0),
  CONSTRAINT counter_reserved_not_negative CHECK (reserved >= 0)
);

-- The usage ledger: one row per usage event, unique per tenant, meter and usage key. It only grows, but for
-- an explicit audited purge and for archival (which moves rows to usage_archive).
CREATE TABLE usage_ledger (
  tenant_id     varchar(255) NOT NULL,
  meter         varchar(64)  NOT NULL,
  usage_key     varchar(255) NOT NULL,
  amount        bigint       NOT NULL,
  occurred_at   timestamptz  NOT NULL,
  period_start  timestamptz  NOT NULL,
  period_end    timestamptz  NOT NULL,
  attributes    jsonb,
  CONSTRAINT usage_ledger_pk PRIMARY KEY (tenant_id, meter, usage_key),
  CONSTRAINT usage_ledger_amount_positive CHECK (amount > 0)
);

-- Ledger rows older than an archival cut-off, moved here in bounded batches. Balances do not change:
-- counters keep counting them and verification adds them to the ledger's sums. A usage key is recognised as a
-- duplicate only while its row is in usage_ledger, so a key recorded again after archival may appear twice here.
CREATE TABLE usage_archive (
  tenant_id     varchar(255) NOT NULL,
  seq           bigint       GENERATED ALWAYS AS IDENTITY,
  meter         varchar(64)  NOT NULL,
  usage_key     varchar(255) NOT NULL,
  amount        bigint       NOT NULL,
  occurred_at   timestamptz  NOT NULL,
  period_start  timestamptz  NOT NULL,
  period_end    timestamptz  NOT NULL,
  attributes    jsonb,
  archived_at   timestamptz  NOT NULL,
  CONSTRAINT usage_archive_pk PRIMARY KEY (tenant_id, seq)
);

-- Holds on a period's balance. state is OPEN until committed or released; counted tells whether amount is
-- still included in the counter's reserved (false once committed, released, or swept after expiry).
CREATE TABLE reservation (
  tenant_id       varchar(255) NOT NULL,
  reservation_id  uuid         NOT NULL,
  meter           varchar(64)  NOT NULL,
  amount          bigint       NOT NULL,
  period_start    timestamptz  NOT NULL,
  period_end      timestamptz  NOT NULL,
  created_at      timestamptz  NOT NULL,
  expires_at      timestamptz  NOT NULL,
  state           varchar(16)  NOT NULL,
  counted         boolean      NOT NULL,
  committed_key   varchar(255),
  CONSTRAINT reservation_pk PRIMARY KEY (tenant_id, reservation_id),
  CONSTRAINT reservation_state_known CHECK (state IN ('OPEN', 'COMMITTED', 'RELEASED')),
  CONSTRAINT reservation_amount_positive CHECK (amount > 0)
);

-- Grants (kind GRANT, with grant_kind CREDIT or RESET, a meter and an amount), tier overrides (kind
-- TIER_OVERRIDE, with a tier) and bypasses (kind BYPASS). Never deleted: revocation fills the revoked_* columns.
CREATE TABLE entitlement (
  tenant_id       varchar(255)  NOT NULL,
  entitlement_id  uuid          NOT NULL,
  seq             bigint        GENERATED ALWAYS AS IDENTITY,
  kind            varchar(16)   NOT NULL,
  grant_kind      varchar(16),
  meter           varchar(64),
  amount          bigint,
  tier            varchar(64),
  valid_from      timestamptz   NOT NULL,
  valid_until     timestamptz   NOT NULL,
  created_by      varchar(255)  NOT NULL,
  reason          varchar(1000) NOT NULL,
  revoked_at      timestamptz,
  revoked_by      varchar(255),
  revoke_reason   varchar(1000),
  CONSTRAINT entitlement_pk PRIMARY KEY (tenant_id, entitlement_id),
  CONSTRAINT entitlement_id_unique UNIQUE (entitlement_id),
  CONSTRAINT entitlement_kind_known CHECK (kind IN ('GRANT', 'TIER_OVERRIDE', 'BYPASS')),
  CONSTRAINT entitlement_valid_window CHECK (valid_until > valid_from)
);

-- The audit log: one row per admin change, written in the change's transaction. Append-only: a trigger
-- refuses UPDATE, DELETE and TRUNCATE, and the recommended database role is granted SELECT and INSERT only.
-- details is json, not jsonb, to keep the order of its keys.
CREATE TABLE audit_log (
  tenant_id  varchar(255)  NOT NULL,
  audit_id   uuid          NOT NULL,
  seq        bigint        GENERATED ALWAYS AS IDENTITY,
  at         timestamptz   NOT NULL,
  actor      varchar(255)  NOT NULL,
  operation  varchar(32)   NOT NULL,
  reason     varchar(1000) NOT NULL,
  details    json          NOT NULL,
  CONSTRAINT audit_log_pk PRIMARY KEY (tenant_id, audit_id)
);

-- Threshold alerts already fired, per tenant, meter, period and threshold.
CREATE TABLE alert_mark (
  tenant_id          varchar(255) NOT NULL,
  meter              varchar(64)  NOT NULL,
  period_start       timestamptz  NOT NULL,
  period_end         timestamptz  NOT NULL,
  threshold_percent  integer      NOT NULL,
  CONSTRAINT alert_mark_pk PRIMARY KEY (tenant_id, meter, period_start, period_end, threshold_percent)
);

-- [jooq ignore start]
-- Secondary indexes and the audit trigger are PostgreSQL-only and play no part in code generation.

-- purge (occurred_at >= since) and archival (occurred_at < cut-off), per tenant
CREATE INDEX usage_ledger_tenant_occurred_at ON usage_ledger (tenant_id, occurred_at);
-- verification and re-bucketing, per tenant, meter and period
CREATE INDEX usage_ledger_tenant_period ON usage_ledger (tenant_id, meter, period_start, period_end);
CREATE INDEX usage_archive_tenant_occurred_at ON usage_archive (tenant_id, occurred_at);
CREATE INDEX usage_archive_tenant_period ON usage_archive (tenant_id, meter, period_start, period_end);
CREATE INDEX usage_archive_tenant_key ON usage_archive (tenant_id, meter, usage_key);
-- sweeping expired holds that still count, and forgetting old ones
CREATE INDEX reservation_counted_expiry ON reservation (tenant_id, meter, expires_at) WHERE counted;
CREATE INDEX reservation_tenant_expiry ON reservation (tenant_id, expires_at);
-- the admin dashboard's listing of one meter's current counters
CREATE INDEX counter_meter_period ON counter (meter, period_end, period_start);
-- the read of active entitlements
CREATE INDEX entitlement_tenant_valid_until ON entitlement (tenant_id, valid_until);
-- audit listings, newest first, of everyone and of one tenant
CREATE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_tenant_seq ON audit_log (tenant_id, seq);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the quota audit log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
-- [jooq ignore stop]
