-- quota's PostgreSQL schema, version 12: a roll-up of usage for the usage history.
--
-- QuotaAdmin.usageHistory sums a tenant's entries on a meter per local day or hour. Read from the ledger alone its
-- cost grows with the entries in the range (1M entries over 31 days: about 160 ms). This table keeps, per tenant,
-- meter and UTC day, the sums of the day's 96 quarter-hours: a history reads one row per day instead of every entry.
--
-- Why quarter-hours of UTC days: every zone in use today is offset from UTC by a whole number of quarter-hours (+05:30,
-- +05:45, -09:30, +12:45 ...), and so are its summer-time changes, so every local midnight and every local hour is a
-- quarter-hour edge in UTC: one roll-up, independent of the catalogue's zone, gives exact days of any zone and exact
-- hours. (A bucket whose edges are not quarter-hours, such as a day under a historical local mean time, is read from
-- the ledger.)
--
-- The table is written only by the history read (the first read of a closed day stores its sums) and by purge (which
-- deletes the rows of the days it touches); usage writes never touch it. A day is stored only once it is closed: its
-- end lies further back on the database's clock than any write can be late (see UsageHistoryQuery.CLOSED_AFTER), so
-- no entry of it can be added later: the ledger is never back-dated, and archiving moves entries without changing
-- when they occurred.
--
-- quarters holds the day's 96 sums in order (the first is 00:00 to 00:15 UTC), each saturating at the bigint maximum;
-- a day without usage holds an empty array.
CREATE TABLE usage_rollup (
  tenant_id     varchar(255) NOT NULL,
  meter         varchar(64)  NOT NULL,
  day           timestamptz  NOT NULL,
  quarters      bigint[]     NOT NULL,
  CONSTRAINT usage_rollup_pk PRIMARY KEY (tenant_id, meter, day)
);
-- [jooq ignore start]
ALTER TABLE usage_rollup ADD CONSTRAINT usage_rollup_day_starts_at_midnight_utc
  CHECK (day = date_trunc('day', day, 'UTC'));
ALTER TABLE usage_rollup ADD CONSTRAINT usage_rollup_quarters_of_a_day
  CHECK (cardinality(quarters) IN (0, 96));
-- [jooq ignore stop]
