DROP TABLE receipts;
DROP TABLE stations;
