-- Failed-login counters (brute-force protection).
CREATE TABLE auth_attempt (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at BIGINT NOT NULL
);
