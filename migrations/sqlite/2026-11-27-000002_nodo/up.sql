CREATE TABLE stations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    broker_id VARCHAR(35) NOT NULL,
    station_id VARCHAR(35) NOT NULL,
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    primitive_version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organization_fiscal_code, station_id)
);

CREATE TABLE receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    receipt_id VARCHAR(255) NOT NULL,
    notice_number VARCHAR(18) NOT NULL,
    creditor_reference_id VARCHAR(35) NOT NULL,
    notice_fiscal_code VARCHAR(16) NOT NULL,
    status VARCHAR(20) NOT NULL,
    amount BIGINT NOT NULL,
    fee BIGINT,
    payment_date_time TIMESTAMP,
    id_psp VARCHAR(35) NOT NULL,
    psp_company VARCHAR(70) NOT NULL,
    payment_method VARCHAR(35),
    debtor_id VARCHAR(35),
    primitive_version INTEGER NOT NULL,
    document TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (organization_fiscal_code, receipt_id)
);
CREATE INDEX idx_receipts_org_iuv ON receipts (organization_fiscal_code, creditor_reference_id);
CREATE INDEX idx_receipts_org_paid ON receipts (organization_fiscal_code, payment_date_time);
