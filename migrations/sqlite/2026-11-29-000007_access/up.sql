-- The access model: partners, delegations from institutions to partners limited to taxonomy
-- domains, keys of institutions or partners with a scope, and the audit log of who changed it.
CREATE TABLE partners (
    fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY,
    name VARCHAR(140) NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- scope: taxonomy prefixes joined by commas, '' for everything. One active row per pair (the
-- code checks it in the granting transaction; the partial index makes it a database rule too).
CREATE TABLE delegations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    partner_fiscal_code VARCHAR(16) NOT NULL REFERENCES partners (fiscal_code),
    scope VARCHAR(1000) NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX idx_delegations_active ON delegations (organization_fiscal_code, partner_fiscal_code)
    WHERE revoked_at IS NULL;
CREATE INDEX idx_delegations_partner ON delegations (partner_fiscal_code, organization_fiscal_code);

-- A key belongs to an institution or to a partner: SQLite cannot drop a NOT NULL, so the table
-- is rebuilt. Existing keys stay institution keys with scope '' (everything).
CREATE TABLE api_keys_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id VARCHAR(16) NOT NULL UNIQUE,
    organization_fiscal_code VARCHAR(16) REFERENCES organizations (fiscal_code),
    partner_fiscal_code VARCHAR(16) REFERENCES partners (fiscal_code),
    key_hash VARCHAR(64) NOT NULL UNIQUE,
    scope VARCHAR(1000) NOT NULL DEFAULT '',
    label VARCHAR(140),
    expires_at DATE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((organization_fiscal_code IS NULL AND partner_fiscal_code IS NOT NULL)
        OR (organization_fiscal_code IS NOT NULL AND partner_fiscal_code IS NULL))
);
INSERT INTO api_keys_new (id, key_id, organization_fiscal_code, key_hash, created_at, revoked_at)
    SELECT id, key_id, organization_fiscal_code, key_hash, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
CREATE INDEX idx_api_keys_org ON api_keys (organization_fiscal_code);
CREATE INDEX idx_api_keys_partner ON api_keys (partner_fiscal_code);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor VARCHAR(255) NOT NULL,
    action VARCHAR(64) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    detail VARCHAR(2000) NOT NULL
);
