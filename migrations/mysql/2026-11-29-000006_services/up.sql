-- The service catalog of spontaneous payments, and the demands that created positions.
CREATE TABLE services (
    organization_fiscal_code VARCHAR(16) NOT NULL,
    service_id VARCHAR(5) NOT NULL,
    definition MEDIUMTEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (organization_fiscal_code, service_id),
    FOREIGN KEY (organization_fiscal_code) REFERENCES organizations (fiscal_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE spontaneous_demands (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    service_id VARCHAR(5) NOT NULL,
    request_hash VARCHAR(64) NOT NULL,
    iupd VARCHAR(140) NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_demands_request ON spontaneous_demands (organization_fiscal_code, service_id, request_hash, created_at);
