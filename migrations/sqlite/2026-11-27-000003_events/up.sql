CREATE TABLE webhooks (
    organization_fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY REFERENCES organizations (fiscal_code),
    url VARCHAR(2048) NOT NULL,
    secret VARCHAR(128) NOT NULL,
    enabled BOOLEAN NOT NULL,
    disabled_reason VARCHAR(255),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id VARCHAR(36) NOT NULL UNIQUE,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    event_type VARCHAR(40) NOT NULL,
    iupd VARCHAR(140) NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    state VARCHAR(12) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    locked_by VARCHAR(64),
    delivered_at TIMESTAMP,
    last_status INTEGER,
    last_error VARCHAR(500)
);
CREATE INDEX idx_events_due ON events (state, next_attempt_at);
CREATE INDEX idx_events_org ON events (organization_fiscal_code, id);
CREATE INDEX idx_events_position ON events (organization_fiscal_code, iupd, state, id);
