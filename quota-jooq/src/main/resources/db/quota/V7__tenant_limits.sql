-- quota's PostgreSQL schema, version 7: one tenant's own limit on one meter.
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
