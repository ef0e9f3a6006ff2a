DROP TABLE audit_log;

-- Partner keys cannot exist without partners: they go; institution keys keep working.
CREATE TABLE api_keys_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id VARCHAR(16) NOT NULL UNIQUE,
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    key_hash VARCHAR(64) NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
INSERT INTO api_keys_old (id, key_id, organization_fiscal_code, key_hash, created_at, revoked_at)
    SELECT id, key_id, organization_fiscal_code, key_hash, created_at, revoked_at FROM api_keys
    WHERE organization_fiscal_code IS NOT NULL;
DROP TABLE api_keys;
ALTER TABLE api_keys_old RENAME TO api_keys;
CREATE INDEX idx_api_keys_org ON api_keys (organization_fiscal_code);

DROP TABLE delegations;
DROP TABLE partners;
