-- v3 API: a payment option's own description and debtor (JSON), and positions whose options
-- form several installment plans (the v1 API cannot show them).
ALTER TABLE payment_options ADD COLUMN option_description VARCHAR(140);
ALTER TABLE payment_options ADD COLUMN debtor TEXT;
ALTER TABLE payment_positions ADD COLUMN multiple_plans BOOLEAN NOT NULL DEFAULT FALSE;
