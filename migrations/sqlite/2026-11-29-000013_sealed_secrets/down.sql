-- Sealed webhook secrets are longer than the plaintext ones; SQLite does not enforce VARCHAR
-- lengths, so only MySQL/MariaDB widen the columns.
SELECT 1;
