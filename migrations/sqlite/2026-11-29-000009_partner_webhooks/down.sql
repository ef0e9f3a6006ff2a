-- Partners' copies of events go with their column.
DELETE FROM events WHERE subscriber <> '';
DROP INDEX idx_events_org;
DROP INDEX idx_events_position;
ALTER TABLE events DROP COLUMN subscriber;
CREATE INDEX idx_events_org ON events (organization_fiscal_code, id);
CREATE INDEX idx_events_position ON events (organization_fiscal_code, iupd, state, id);
DROP TABLE partner_webhooks;
