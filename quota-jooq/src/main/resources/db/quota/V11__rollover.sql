-- quota's PostgreSQL schema, version 11: tiers' rollovers of unused allowance.
--
-- A rollover is a grant (kind 'GRANT') with grant_kind 'ROLLOVER', valid for exactly the period it rolls into and
-- written by quota itself (created_by 'system:rollover'). It is made at most once per tenant, meter and period, however
-- many instances settle it at once: this index makes the second insert a conflict, which the store skips without
-- writing the audit entry or moving the tenant's version. Revoked rollovers keep their row, so a revoked one is not
-- made again.
CREATE UNIQUE INDEX entitlement_rollover_once ON entitlement (tenant_id, meter, valid_from)
  WHERE kind = 'GRANT' AND grant_kind = 'ROLLOVER';
