-- The self-service portal: its users (operators, institutions, partners), their server-side
-- sessions (only a hash of the cookie's token is stored), onboarding requests, and failed
-- sign-ins (throttling).
CREATE TABLE portal_users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    organization_fiscal_code VARCHAR(16) NULL,
    partner_fiscal_code VARCHAR(16) NULL,
    created_at DATETIME(6) NOT NULL,
    disabled_at DATETIME(6) NULL,
    UNIQUE KEY idx_portal_users_email (email),
    FOREIGN KEY (organization_fiscal_code) REFERENCES organizations (fiscal_code),
    FOREIGN KEY (partner_fiscal_code) REFERENCES partners (fiscal_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE portal_sessions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash VARCHAR(64) NOT NULL,
    user_id BIGINT NOT NULL,
    csrf_token VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    ended_at DATETIME(6) NULL,
    UNIQUE KEY idx_portal_sessions_token (token_hash),
    KEY idx_portal_sessions_user (user_id),
    FOREIGN KEY (user_id) REFERENCES portal_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE onboarding_requests (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(16) NOT NULL,
    fiscal_code VARCHAR(16) NOT NULL,
    name VARCHAR(140) NOT NULL,
    email VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    segregation_codes VARCHAR(255) NOT NULL,
    aux_digit INT NOT NULL,
    taxonomy_domains VARCHAR(1000) NOT NULL,
    state VARCHAR(16) NOT NULL,
    reason VARCHAR(500) NULL,
    created_at DATETIME(6) NOT NULL,
    decided_at DATETIME(6) NULL,
    decided_by VARCHAR(254) NULL,
    KEY idx_onboarding_state (state, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE portal_login_failures (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(254) NOT NULL,
    at DATETIME(6) NOT NULL,
    KEY idx_portal_login_failures (email, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
