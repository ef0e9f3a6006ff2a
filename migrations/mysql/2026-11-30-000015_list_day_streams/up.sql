-- A list filtered by due date, in its default order, reads one index stream per day of the window
-- (each already in the position's insertion order) and merges them: no probe of positions that
-- fall due outside the window.
ALTER TABLE payment_options
    ADD COLUMN due_day DATE NOT NULL DEFAULT '1970-01-01',
    ADD COLUMN position_inserted_date DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE payment_options o JOIN payment_positions p ON p.id = o.payment_position_id
    SET o.due_day = DATE(o.due_date), o.position_inserted_date = p.inserted_date;
CREATE INDEX idx_po_org_day_inserted ON payment_options (organization_fiscal_code, due_day, position_inserted_date, payment_position_id);
