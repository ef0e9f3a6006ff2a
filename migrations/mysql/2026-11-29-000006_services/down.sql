DROP TABLE spontaneous_demands;
DROP TABLE services;
