CREATE TABLE organizations (
    fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY,
    name VARCHAR(140) NOT NULL,
    office_name VARCHAR(140),
    aux_digit INTEGER NOT NULL,
    application_code VARCHAR(2),
    segregation_codes VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_keys (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    key_id VARCHAR(16) NOT NULL UNIQUE,
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    key_hash VARCHAR(64) NOT NULL UNIQUE,
    created_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_api_keys_org ON api_keys (organization_fiscal_code);

CREATE TABLE payment_positions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    iupd VARCHAR(140) NOT NULL,
    company_name VARCHAR(140) NOT NULL,
    office_name VARCHAR(140),
    debtor_type VARCHAR(1) NOT NULL,
    fiscal_code VARCHAR(35) NOT NULL,
    full_name VARCHAR(140) NOT NULL,
    street_name VARCHAR(255),
    civic_number VARCHAR(255),
    postal_code VARCHAR(255),
    city VARCHAR(255),
    province VARCHAR(255),
    region VARCHAR(255),
    country VARCHAR(2),
    email VARCHAR(255),
    phone VARCHAR(255),
    validity_date DATETIME(6),
    switch_to_expired BOOLEAN NOT NULL,
    pay_stand_in BOOLEAN NOT NULL,
    status VARCHAR(20) NOT NULL,
    inserted_date DATETIME(6) NOT NULL,
    publish_date DATETIME(6),
    last_updated_date DATETIME(6) NOT NULL,
    payment_date DATETIME(6),
    min_due_date DATETIME(6) NOT NULL,
    max_due_date DATETIME(6) NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (organization_fiscal_code, iupd)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_pp_org_inserted ON payment_positions (organization_fiscal_code, inserted_date);
CREATE INDEX idx_pp_org_status ON payment_positions (organization_fiscal_code, status);
CREATE INDEX idx_pp_org_payment_date ON payment_positions (organization_fiscal_code, payment_date);
CREATE INDEX idx_pp_org_company ON payment_positions (organization_fiscal_code, company_name);
CREATE INDEX idx_pp_status_validity ON payment_positions (status, validity_date);
CREATE INDEX idx_pp_status_max_due ON payment_positions (status, max_due_date);

CREATE TABLE payment_options (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    payment_position_id BIGINT NOT NULL REFERENCES payment_positions (id),
    organization_fiscal_code VARCHAR(16) NOT NULL,
    iuv VARCHAR(35) NOT NULL,
    nav VARCHAR(18) NOT NULL,
    payment_plan_id VARCHAR(50) NOT NULL,
    amount BIGINT NOT NULL,
    description VARCHAR(140) NOT NULL,
    is_partial_payment BOOLEAN NOT NULL,
    due_date DATETIME(6) NOT NULL,
    retention_date DATETIME(6),
    validity_date DATETIME(6),
    switch_to_expired BOOLEAN NOT NULL,
    notification_fee BIGINT NOT NULL,
    status VARCHAR(30) NOT NULL,
    payment_date DATETIME(6),
    payment_method VARCHAR(35),
    psp_code VARCHAR(35),
    psp_tax_code VARCHAR(70),
    psp_company VARCHAR(140),
    id_receipt VARCHAR(255),
    fee BIGINT NOT NULL,
    reporting_date DATETIME(6),
    id_flow_reporting VARCHAR(255),
    metadata TEXT NOT NULL,
    inserted_date DATETIME(6) NOT NULL,
    last_updated_date DATETIME(6) NOT NULL,
    last_updated_date_notification_fee DATETIME(6),
    UNIQUE (organization_fiscal_code, iuv),
    UNIQUE (organization_fiscal_code, nav)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_po_position_due ON payment_options (payment_position_id, due_date);

CREATE TABLE transfers (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    payment_option_id BIGINT NOT NULL REFERENCES payment_options (id),
    transfer_id INTEGER NOT NULL,
    organization_fiscal_code VARCHAR(16) NOT NULL,
    company_name VARCHAR(140),
    amount BIGINT NOT NULL,
    remittance_information VARCHAR(140) NOT NULL,
    category VARCHAR(140) NOT NULL,
    iban VARCHAR(35),
    postal_iban VARCHAR(35),
    hash_document VARCHAR(72),
    stamp_type VARCHAR(2),
    provincial_residence VARCHAR(2),
    metadata TEXT NOT NULL,
    status VARCHAR(20) NOT NULL,
    inserted_date DATETIME(6) NOT NULL,
    last_updated_date DATETIME(6) NOT NULL,
    UNIQUE (payment_option_id, transfer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX idx_transfers_iban ON transfers (iban);
