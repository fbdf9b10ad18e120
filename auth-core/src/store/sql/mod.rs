//! What the SQLite and PostgreSQL stores share: the SQL (written once, with `$n` placeholders,
//! which both databases understand), the row types and their mapping, the error mapping, and
//! the trait implementations, generated for each store by `sql_store!` (in `impls.rs`).
//!
//! A store that uses this provides a `pool` field (its `sqlx` pool), the connection type its
//! migrations run on, and three hooks for reads it can answer in place without the pool
//! (`fast_user`, `fast_session`, `fast_grants`; `None` means "use the pool"). The SQLite store
//! answers them on its rusqlite readers; the PostgreSQL store never does.
//!
//! Only the schema files (`migrations/{sqlite,postgres}`), connecting and the locking around
//! migrations differ between the two.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::error::StoreError;
use crate::session::{SessionId, SessionRecord};
use crate::user::{User, UserId, fold_case};

macro_rules! user_select {
    ($where:literal) => {
        concat!(
            "SELECT id, username, email, password_hash, is_active, is_staff, is_superuser, last_login, date_joined FROM auth_user WHERE ",
            $where
        )
    };
}

pub(crate) const USER_BY_ID: &str = user_select!("id = $1");
pub(crate) const USER_BY_USERNAME_KEY: &str = user_select!("username_key = $1");
pub(crate) const USER_BY_EMAIL_KEY: &str = user_select!("email_key = $1");
pub(crate) const USER_EXISTS: &str = "SELECT id FROM auth_user WHERE id = $1";
pub(crate) const INSERT_USER: &str = "INSERT INTO auth_user (username, username_key, email, email_key, password_hash, is_active, is_staff, is_superuser, date_joined)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
pub(crate) const UPDATE_USER: &str = "UPDATE auth_user SET username = $1, username_key = $2, email = $3, email_key = $4, password_hash = $5,
     is_active = $6, is_staff = $7, is_superuser = $8, last_login = $9 WHERE id = $10";
pub(crate) const SET_PASSWORD_HASH: &str = "UPDATE auth_user SET password_hash = $1 WHERE id = $2";
pub(crate) const SET_LAST_LOGIN: &str = "UPDATE auth_user SET last_login = $1 WHERE id = $2";

pub(crate) const GRANTS_PERMS: &str =
    "SELECT permission FROM auth_user_permissions WHERE user_id = $1
     UNION
     SELECT gp.permission FROM auth_group_permissions gp
       JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = $1";
pub(crate) const GRANTS_GROUPS: &str = "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = $1 ORDER BY g.name";
pub(crate) const ENSURE_GROUP: &str =
    "INSERT INTO auth_group (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
pub(crate) const GROUP_ID: &str = "SELECT id FROM auth_group WHERE name = $1";
pub(crate) const ADD_TO_GROUP: &str =
    "INSERT INTO auth_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
pub(crate) const REMOVE_FROM_GROUP: &str = "DELETE FROM auth_user_groups WHERE user_id = $1 AND group_id = (SELECT id FROM auth_group WHERE name = $2)";
pub(crate) const GRANT_USER: &str = "INSERT INTO auth_user_permissions (user_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING";
pub(crate) const REVOKE_USER: &str =
    "DELETE FROM auth_user_permissions WHERE user_id = $1 AND permission = $2";
pub(crate) const GRANT_GROUP: &str = "INSERT INTO auth_group_permissions (group_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// `$1` the id, `$2` now: in this order, as a positional binding (rusqlite) needs.
pub(crate) const SESSION_BY_ID: &str = "SELECT user_id, auth_hash, data, created_at, last_seen, expires_at FROM auth_session WHERE id = $1 AND expires_at > $2";
pub(crate) const SAVE_SESSION: &str =
    "INSERT INTO auth_session (id, user_id, auth_hash, data, created_at, last_seen, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, auth_hash = excluded.auth_hash,
       data = excluded.data, created_at = excluded.created_at, last_seen = excluded.last_seen,
       expires_at = excluded.expires_at";
pub(crate) const DELETE_SESSION: &str = "DELETE FROM auth_session WHERE id = $1";
pub(crate) const DELETE_USER_SESSIONS: &str =
    "DELETE FROM auth_session WHERE user_id = $1 AND id != $2";
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM auth_session WHERE expires_at <= $1";

/// `$1` key, `$2` now, `$3` window: one atomic statement, so parallel failures each get their
/// own count.
pub(crate) const RECORD_FAILURE: &str = "INSERT INTO auth_attempt (key, count, expires_at) VALUES ($1, 1, $2 + $3) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN auth_attempt.expires_at <= $2 THEN 1 ELSE auth_attempt.count + 1 END, expires_at = CASE WHEN auth_attempt.expires_at <= $2 THEN $2 + $3 ELSE auth_attempt.expires_at END RETURNING count";
pub(crate) const FAILURES: &str =
    "SELECT count FROM auth_attempt WHERE key = $1 AND expires_at > $2";
pub(crate) const RELEASE_FAILURE: &str =
    "UPDATE auth_attempt SET count = count - 1 WHERE key = $1 AND count > 0";
pub(crate) const CLEAR_FAILURES: &str = "DELETE FROM auth_attempt WHERE key = $1";

pub(crate) const MIGRATION_APPLIED: &str = "SELECT version FROM auth_migrations WHERE version = $1";
pub(crate) const RECORD_MIGRATION: &str =
    "INSERT INTO auth_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
pub(crate) const REKEY_SELECT: &str =
    "SELECT id, username, email, username_key, email_key FROM auth_user ORDER BY id";
pub(crate) const REKEY_PARK: &str =
    "UPDATE auth_user SET username_key = $1, email_key = NULL WHERE id = $2";
pub(crate) const REKEY_SET: &str =
    "UPDATE auth_user SET username_key = $1, email_key = $2 WHERE id = $3";

/// The migration that recomputes the username and email keys of existing rows.
pub(crate) const REKEY_MIGRATION: i64 = 3;

/// A user row, in [`USER_BY_ID`]'s column order; both sqlx and rusqlite decode it.
pub(crate) type UserRow = (
    UserId,
    String,
    String,
    String,
    bool,
    bool,
    bool,
    Option<i64>,
    i64,
);

/// A session row, in [`SESSION_BY_ID`]'s column order, before its data is parsed.
pub(crate) type SessionRow = (Option<UserId>, Option<String>, String, i64, i64, i64);

/// A user from its row.
pub(crate) fn user_from_row(row: UserRow) -> User {
    let (id, username, email, password_hash, is_active, is_staff, is_superuser, last, joined) = row;
    User {
        id,
        username,
        email,
        password_hash,
        is_active,
        is_staff,
        is_superuser,
        last_login: last.map(from_ts),
        date_joined: from_ts(joined),
    }
}

/// A session from its row; data that is not a JSON object is an error, never an empty session.
pub(crate) fn session_from_row(
    id: &SessionId,
    row: SessionRow,
) -> Result<SessionRecord, StoreError> {
    let (user_id, auth_hash, data, created_at, last_seen, expires_at) = row;
    let data: BTreeMap<String, serde_json::Value> = serde_json::from_str(&data)
        .map_err(|e| StoreError::Corrupt(format!("session data: {e}")))?;
    Ok(SessionRecord {
        id: id.clone(),
        user_id,
        auth_hash: crate::session::parse_stored_auth_hash(auth_hash),
        data,
        created_at,
        last_seen,
        expires_at,
    })
}

/// A database that cannot answer.
pub(crate) fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::unavailable(e)
}

/// A write's error: a unique violation names the field it is about.
pub(crate) fn map_write(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let msg = db.message();
        if msg.contains("email") {
            return StoreError::Conflict { field: "email" };
        }
        if msg.contains("username") {
            return StoreError::Conflict { field: "username" };
        }
        return StoreError::Conflict { field: "name" };
    }
    unavailable(e)
}

pub(crate) fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

pub(crate) fn from_ts(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The unique key of a non-empty email (empty emails are not unique).
pub(crate) fn email_key(email: &str) -> Option<String> {
    (!email.is_empty()).then(|| fold_case(email))
}

mod impls;
pub(crate) use impls::sql_store;
