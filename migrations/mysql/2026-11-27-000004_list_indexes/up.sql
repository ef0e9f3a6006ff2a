CREATE INDEX idx_po_org_due ON payment_options (organization_fiscal_code, due_date, payment_position_id);
