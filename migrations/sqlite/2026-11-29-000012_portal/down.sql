DROP TABLE portal_login_failures;
DROP TABLE onboarding_requests;
DROP TABLE portal_sessions;
DROP TABLE portal_users;
