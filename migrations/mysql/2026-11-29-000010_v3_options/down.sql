ALTER TABLE payment_positions DROP COLUMN multiple_plans;
ALTER TABLE payment_options DROP COLUMN debtor, DROP COLUMN option_description;
