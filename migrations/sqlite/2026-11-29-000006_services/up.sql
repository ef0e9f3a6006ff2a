-- The service catalog of spontaneous payments, and the demands that created positions.
CREATE TABLE services (
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    service_id VARCHAR(5) NOT NULL,
    definition TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_fiscal_code, service_id)
);

CREATE TABLE spontaneous_demands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    service_id VARCHAR(5) NOT NULL,
    request_hash VARCHAR(64) NOT NULL,
    iupd VARCHAR(140) NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_demands_request ON spontaneous_demands (organization_fiscal_code, service_id, request_hash, created_at);
