-- quota's PostgreSQL schema, version 9: one tenant's own limit on one meter, and one-time credits.
--
-- A limit override is an entitlement like a tier override (audited, expiring or open-ended, revocable) and is kept
-- in the entitlement table with kind 'LIMIT_OVERRIDE': meter names the meter, amount holds the limit (zero or more).
-- Instances of the previous release do not know the kind and fail to read a tenant that has one: upgrade every
-- instance before the first limit override is made.

ALTER TABLE entitlement DROP CONSTRAINT entitlement_kind_known;
ALTER TABLE entitlement ADD CONSTRAINT entitlement_kind_known
  CHECK (kind IN ('GRANT', 'TIER_OVERRIDE', 'BYPASS', 'LIMIT_OVERRIDE'));
ALTER TABLE entitlement ADD CONSTRAINT entitlement_limit_override_fields
  CHECK (kind <> 'LIMIT_OVERRIDE' OR (meter IS NOT NULL AND amount IS NOT NULL AND amount >= 0));

-- One-time credits: an entitlement of kind 'ONE_TIME_CREDIT' (meter, amount: the units given) whose drawn column
-- counts the units usage drew from it; a counter's credit_drawn counts what its period's usage drew from any credit.
-- Both only grow, in the transaction of the usage write that draws (never on an admin change, so draws do not move
-- the tenant's version). A credit never gives more than its amount, however many instances draw at once: a draw
-- locks the credit's row.
ALTER TABLE entitlement ADD COLUMN drawn bigint;
ALTER TABLE entitlement DROP CONSTRAINT entitlement_kind_known;
ALTER TABLE entitlement ADD CONSTRAINT entitlement_kind_known
  CHECK (kind IN ('GRANT', 'TIER_OVERRIDE', 'BYPASS', 'LIMIT_OVERRIDE', 'ONE_TIME_CREDIT'));
ALTER TABLE entitlement ADD CONSTRAINT entitlement_credit_fields
  CHECK (kind <> 'ONE_TIME_CREDIT' OR (meter IS NOT NULL AND amount > 0 AND drawn BETWEEN 0 AND amount));
ALTER TABLE counter ADD COLUMN credit_drawn bigint NOT NULL DEFAULT 0;
ALTER TABLE counter ADD CONSTRAINT counter_credit_drawn_not_negative CHECK (credit_drawn >= 0);
