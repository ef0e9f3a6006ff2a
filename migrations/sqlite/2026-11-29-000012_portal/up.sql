-- The self-service portal: its users (operators, institutions, partners), their server-side
-- sessions (only a hash of the cookie's token is stored), onboarding requests, and failed
-- sign-ins (throttling).
CREATE TABLE portal_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(254) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    organization_fiscal_code VARCHAR(16) REFERENCES organizations (fiscal_code),
    partner_fiscal_code VARCHAR(16) REFERENCES partners (fiscal_code),
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

CREATE TABLE portal_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES portal_users (id),
    csrf_token VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX idx_portal_sessions_user ON portal_sessions (user_id);

CREATE TABLE onboarding_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind VARCHAR(16) NOT NULL,
    fiscal_code VARCHAR(16) NOT NULL,
    name VARCHAR(140) NOT NULL,
    email VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    segregation_codes VARCHAR(255) NOT NULL,
    aux_digit INTEGER NOT NULL,
    taxonomy_domains VARCHAR(1000) NOT NULL,
    state VARCHAR(16) NOT NULL,
    reason VARCHAR(500),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by VARCHAR(254)
);
CREATE INDEX idx_onboarding_state ON onboarding_requests (state, id);

CREATE TABLE portal_login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(254) NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX idx_portal_login_failures ON portal_login_failures (email, at);
