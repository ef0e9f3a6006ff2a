DROP TABLE notice_settings;
