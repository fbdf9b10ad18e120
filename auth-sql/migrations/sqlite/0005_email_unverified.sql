-- Accounts that wait for their owner to follow the verification link mailed at registration
-- (`require_email_verification`). Only these can be activated by a link.
CREATE TABLE auth_email_unverified (
    user_id INTEGER PRIMARY KEY REFERENCES auth_user (id) ON DELETE CASCADE,
    since BIGINT NOT NULL
);
