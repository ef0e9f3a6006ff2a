DROP INDEX idx_po_org_day_inserted;
ALTER TABLE payment_options DROP COLUMN position_inserted_date;
ALTER TABLE payment_options DROP COLUMN due_day;
