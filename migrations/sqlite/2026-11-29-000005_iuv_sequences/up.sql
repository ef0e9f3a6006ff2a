-- The counter behind generated IUVs: one row per institution and segregation code ('' when its
-- aux digit has none), holding the next value to hand out.
CREATE TABLE iuv_sequences (
    organization_fiscal_code VARCHAR(16) NOT NULL REFERENCES organizations (fiscal_code),
    segregation_code VARCHAR(2) NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (organization_fiscal_code, segregation_code)
);
