-- Sessions name their user by the text of `UserId::to_key` (`42`, `u:<uuid>`, `s:<text>`),
-- so that a user store with UUID or text keys can keep its sessions here too.
ALTER TABLE auth_session ADD COLUMN user_key TEXT;
UPDATE auth_session SET user_key = CAST(user_id AS TEXT) WHERE user_id IS NOT NULL;
DROP INDEX IF EXISTS auth_session_user;
CREATE INDEX auth_session_user_key ON auth_session (user_key);
