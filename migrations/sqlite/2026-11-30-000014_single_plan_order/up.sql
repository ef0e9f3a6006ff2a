-- The v1 list (single-plan positions only) in its default order, read from the index alone.
CREATE INDEX idx_pp_org_single_inserted ON payment_positions (organization_fiscal_code, multiple_plans, inserted_date);
