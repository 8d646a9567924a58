-- quota's PostgreSQL schema, version 4: the notification outbox.
--
-- An alert's mark (alert_mark for a threshold, block_mark for a refusal at the ceiling) and its notification, with one
-- delivery row per channel, are written in one transaction: a crossing is never marked without its notification, and
-- a notification never exists without its mark. Each instance's dispatcher claims due pending deliveries with
-- FOR UPDATE SKIP LOCKED and a lease (claimed_by, leased_until), so that no two instances hold the same delivery at
-- once, and one whose instance died is claimed again once its lease has expired. Only adds tables: instances of the
-- previous release keep working beside this one (they write marks without notifications).

-- Tenants refused at their ceiling, once per tenant, meter and period, until an admin change unblocks them.
CREATE TABLE block_mark (
  tenant_id     varchar(255) NOT NULL,
  meter         varchar(64)  NOT NULL,
  period_start  timestamptz  NOT NULL,
  period_end    timestamptz  NOT NULL,
  CONSTRAINT block_mark_pk PRIMARY KEY (tenant_id, meter, period_start, period_end)
);

-- What happened: one row per fired alert, never changed. notification_id is the id receivers de-duplicate by.
CREATE TABLE notification (
  notification_id    uuid          NOT NULL,
  seq                bigint        GENERATED ALWAYS AS IDENTITY,
  kind               varchar(32)   NOT NULL,
  tenant_id          varchar(255)  NOT NULL,
  meter              varchar(64)   NOT NULL,
  period_start       timestamptz   NOT NULL,
  period_end         timestamptz   NOT NULL,
  threshold_percent  integer       NOT NULL,
  used               bigint        NOT NULL,
  ceiling            bigint        NOT NULL,
  occurred_at        timestamptz   NOT NULL,
  cause              varchar(64)   NOT NULL,
  CONSTRAINT notification_pk PRIMARY KEY (notification_id),
  CONSTRAINT notification_kind_known CHECK (kind IN ('THRESHOLD_CROSSED', 'BLOCKED', 'UNBLOCKED'))
);

-- Where each notification stands per channel. next_attempt_at is when a pending delivery is due (kept, unused, once
-- delivered or failed); queued_at starts the give-up time, and a requeue sets it anew.
CREATE TABLE notification_delivery (
  notification_id  uuid           NOT NULL,
  channel          varchar(32)    NOT NULL,
  state            varchar(16)    NOT NULL,
  attempts         integer        NOT NULL,
  queued_at        timestamptz    NOT NULL,
  next_attempt_at  timestamptz    NOT NULL,
  last_attempt_at  timestamptz,
  last_error       varchar(2000)  NOT NULL,
  claimed_by       varchar(100),
  leased_until     timestamptz,
  requeued_by      varchar(255),
  requeue_reason   varchar(1000),
  CONSTRAINT notification_delivery_pk PRIMARY KEY (notification_id, channel),
  CONSTRAINT notification_delivery_notification_fk FOREIGN KEY (notification_id)
    REFERENCES notification (notification_id),
  CONSTRAINT notification_delivery_state_known CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED'))
);

-- [jooq ignore start]
-- the dispatchers' claim: due pending deliveries, oldest first
CREATE INDEX notification_delivery_due ON notification_delivery (next_attempt_at) WHERE state = 'PENDING';
-- the operators' listings of delivered and failed deliveries, newest first
CREATE INDEX notification_delivery_by_state ON notification_delivery (state, last_attempt_at);
-- [jooq ignore stop]
