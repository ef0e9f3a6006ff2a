ALTER TABLE payment_positions DROP COLUMN multiple_plans;
ALTER TABLE payment_options DROP COLUMN debtor;
ALTER TABLE payment_options DROP COLUMN option_description;
