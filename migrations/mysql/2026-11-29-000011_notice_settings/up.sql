-- What an institution's payment notices print besides the position: its logo (PNG) and, for
-- the Poste postal form, Poste's authorization and the postal accounts' holder.
CREATE TABLE notice_settings (
    organization_fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY,
    logo MEDIUMBLOB,
    poste_authorization VARCHAR(255),
    postal_holder VARCHAR(140),
    updated_at DATETIME(6) NOT NULL,
    FOREIGN KEY (organization_fiscal_code) REFERENCES organizations (fiscal_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
