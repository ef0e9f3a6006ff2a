DROP TABLE audit_log;

-- Partner keys cannot exist without partners: they go; institution keys keep working.
DELETE FROM api_keys WHERE organization_fiscal_code IS NULL;
ALTER TABLE api_keys DROP FOREIGN KEY fk_api_keys_partner;
ALTER TABLE api_keys DROP CONSTRAINT ck_api_keys_owner;
DROP INDEX idx_api_keys_partner ON api_keys;
ALTER TABLE api_keys
    DROP COLUMN partner_fiscal_code,
    DROP COLUMN scope,
    DROP COLUMN label,
    DROP COLUMN expires_at,
    DROP COLUMN last_used_at,
    MODIFY organization_fiscal_code VARCHAR(16) NOT NULL;

DROP TABLE delegations;
DROP TABLE partners;
