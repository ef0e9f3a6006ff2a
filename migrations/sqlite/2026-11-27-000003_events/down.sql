DROP TABLE events;
DROP TABLE webhooks;
