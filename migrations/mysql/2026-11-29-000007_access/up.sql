-- The access model: partners, delegations from institutions to partners limited to taxonomy
-- domains, keys of institutions or partners with a scope, and the audit log of who changed it.
CREATE TABLE partners (
    fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY,
    name VARCHAR(140) NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- scope: taxonomy prefixes joined by commas, '' for everything. One active row per pair (the
-- code checks it in the granting transaction; `active` is 1 or NULL, so the unique index makes
-- it a database rule too).
CREATE TABLE delegations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    partner_fiscal_code VARCHAR(16) NOT NULL,
    scope VARCHAR(1000) NOT NULL,
    granted_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6),
    active TINYINT AS (IF(revoked_at IS NULL, 1, NULL)) STORED,
    UNIQUE KEY idx_delegations_active (organization_fiscal_code, partner_fiscal_code, active),
    KEY idx_delegations_partner (partner_fiscal_code, organization_fiscal_code),
    FOREIGN KEY (organization_fiscal_code) REFERENCES organizations (fiscal_code),
    FOREIGN KEY (partner_fiscal_code) REFERENCES partners (fiscal_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A key belongs to an institution or to a partner. Existing keys stay institution keys with
-- scope '' (everything).
ALTER TABLE api_keys
    MODIFY organization_fiscal_code VARCHAR(16) NULL,
    ADD COLUMN partner_fiscal_code VARCHAR(16) NULL AFTER organization_fiscal_code,
    ADD COLUMN scope VARCHAR(1000) NOT NULL DEFAULT '' AFTER key_hash,
    ADD COLUMN label VARCHAR(140) NULL AFTER scope,
    ADD COLUMN expires_at DATE NULL AFTER label,
    ADD COLUMN last_used_at DATETIME(6) NULL AFTER created_at,
    ADD CONSTRAINT ck_api_keys_owner
        CHECK ((organization_fiscal_code IS NULL AND partner_fiscal_code IS NOT NULL)
            OR (organization_fiscal_code IS NOT NULL AND partner_fiscal_code IS NULL)),
    ADD CONSTRAINT fk_api_keys_partner
        FOREIGN KEY (partner_fiscal_code) REFERENCES partners (fiscal_code);
CREATE INDEX idx_api_keys_partner ON api_keys (partner_fiscal_code);

CREATE TABLE audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at DATETIME(6) NOT NULL,
    actor VARCHAR(255) NOT NULL,
    action VARCHAR(64) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    detail VARCHAR(2000) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
