-- The planner's own table: its customer accounts and their subscription tiers. quota reads the tiers from
-- here (quota.host-tier-table) and keeps its own tables in a schema of its own, so this version 1 and quota's
-- version 1 never meet.
CREATE TABLE account (
  id    text PRIMARY KEY,
  name  text NOT NULL,
  tier  text
);

INSERT INTO account (id, name, tier) VALUES
  ('acme', 'Acme Corp', 'free'),
  ('globex', 'Globex', 'pro'),
  ('initech', 'Initech', 'free'),
  ('hooli', 'Hooli', 'free');
