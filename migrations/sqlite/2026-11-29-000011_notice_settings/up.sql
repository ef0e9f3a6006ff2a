-- What an institution's payment notices print besides the position: its logo (PNG) and, for
-- the Poste postal form, Poste's authorization and the postal accounts' holder.
CREATE TABLE notice_settings (
    organization_fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY REFERENCES organizations (fiscal_code),
    logo BLOB,
    poste_authorization VARCHAR(255),
    postal_holder VARCHAR(140),
    updated_at TIMESTAMP NOT NULL
);
