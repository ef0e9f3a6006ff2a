-- A partner's own webhook: it receives the events of every institution that delegates to it,
-- for the positions within the delegation's scope.
CREATE TABLE partner_webhooks (
    partner_fiscal_code VARCHAR(16) NOT NULL PRIMARY KEY REFERENCES partners (fiscal_code),
    url VARCHAR(2048) NOT NULL,
    secret VARCHAR(128) NOT NULL,
    enabled BOOLEAN NOT NULL,
    disabled_reason VARCHAR(255),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Who an outbox row is for: '' the institution's own webhook, else a partner's fiscal code.
ALTER TABLE events ADD COLUMN subscriber VARCHAR(16) NOT NULL DEFAULT '';
DROP INDEX idx_events_org;
DROP INDEX idx_events_position;
CREATE INDEX idx_events_org ON events (organization_fiscal_code, subscriber, id);
CREATE INDEX idx_events_position ON events (subscriber, organization_fiscal_code, iupd, state, id);
