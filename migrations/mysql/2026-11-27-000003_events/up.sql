CREATE TABLE webhooks (
    organization_fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY REFERENCES organizations (fiscal_code),
    url VARCHAR(2048) NOT NULL,
    secret VARCHAR(128) NOT NULL,
    enabled BOOLEAN NOT NULL,
    disabled_reason VARCHAR(255),
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id VARCHAR(36) NOT NULL UNIQUE,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    event_type VARCHAR(40) NOT NULL,
    iupd VARCHAR(140) NOT NULL,
    payload MEDIUMTEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    state VARCHAR(12) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at DATETIME(6) NOT NULL,
    locked_until DATETIME(6),
    locked_by VARCHAR(64),
    delivered_at DATETIME(6),
    last_status INTEGER,
    last_error VARCHAR(500)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_events_due ON events (state, next_attempt_at);
CREATE INDEX idx_events_org ON events (organization_fiscal_code, id);
CREATE INDEX idx_events_position ON events (organization_fiscal_code, iupd, state, id);
