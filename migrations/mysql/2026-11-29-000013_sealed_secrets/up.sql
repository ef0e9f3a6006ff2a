-- Sealed webhook secrets (sealed:v1:<key id>:<base64>) are longer than the plaintext ones.
ALTER TABLE webhooks MODIFY secret VARCHAR(255) NOT NULL;
ALTER TABLE partner_webhooks MODIFY secret VARCHAR(255) NOT NULL;
