-- quota's PostgreSQL schema, version 5: the configuration each service records at start-up.
--
-- A service records the catalogue it enforces (tiers, meters, limits, periods, fallbacks, alert thresholds), where its
-- plans come from (quota's plan table or a table of its own) and how its tenants are found by a human key, as text
-- (dev.quota.admin.ServiceConfiguration#toText), so that operator tools read what the service really enforces. A new
-- version is written only when that text changes; versions are numbered from 1 without gaps, so two instances racing
-- to write the next one collide on the primary key and the loser reads again. Each version names who wrote it and
-- why (what changed), and like the audit log the table is append-only.
CREATE TABLE service_record (
  version          bigint        NOT NULL,
  written_at       timestamptz   NOT NULL,
  service          varchar(200)  NOT NULL,
  service_version  varchar(200)  NOT NULL,
  actor            varchar(255)  NOT NULL,
  reason           varchar(1000) NOT NULL,
  content          text          NOT NULL,
  CONSTRAINT service_record_pk PRIMARY KEY (version)
);

-- [jooq ignore start]
-- the audit log's trigger function (V1) refuses changes to this history too
CREATE TRIGGER service_record_append_only
  BEFORE UPDATE OR DELETE ON service_record
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER service_record_no_truncate
  BEFORE TRUNCATE ON service_record
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
-- [jooq ignore stop]
