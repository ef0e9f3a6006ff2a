CREATE TABLE stations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    broker_id VARCHAR(35) NOT NULL,
    station_id VARCHAR(35) NOT NULL,
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    primitive_version INTEGER NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE (organization_fiscal_code, station_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE receipts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    receipt_id VARCHAR(255) NOT NULL,
    notice_number VARCHAR(18) NOT NULL,
    creditor_reference_id VARCHAR(35) NOT NULL,
    notice_fiscal_code VARCHAR(16) NOT NULL,
    status VARCHAR(20) NOT NULL,
    amount BIGINT NOT NULL,
    fee BIGINT,
    payment_date_time DATETIME(6),
    id_psp VARCHAR(35) NOT NULL,
    psp_company VARCHAR(70) NOT NULL,
    payment_method VARCHAR(35),
    debtor_id VARCHAR(35),
    primitive_version INTEGER NOT NULL,
    document MEDIUMTEXT NOT NULL,
    received_at DATETIME(6) NOT NULL,
    UNIQUE (organization_fiscal_code, receipt_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_receipts_org_iuv ON receipts (organization_fiscal_code, creditor_reference_id);
CREATE INDEX idx_receipts_org_paid ON receipts (organization_fiscal_code, payment_date_time);
