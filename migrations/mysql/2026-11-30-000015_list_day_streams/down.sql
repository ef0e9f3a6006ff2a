DROP INDEX idx_po_org_day_inserted ON payment_options;
ALTER TABLE payment_options DROP COLUMN position_inserted_date, DROP COLUMN due_day;
