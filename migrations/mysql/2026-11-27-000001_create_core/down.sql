DROP TABLE transfers;
DROP TABLE payment_options;
DROP TABLE payment_positions;
DROP TABLE api_keys;
DROP TABLE organizations;
