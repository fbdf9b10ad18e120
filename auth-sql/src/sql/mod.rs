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

use auth_core::error::StoreError;
use auth_core::session::{SessionId, SessionRecord};
use auth_core::user::{User, UserId, fold_case};

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
pub(crate) const EMAIL_UNVERIFIED: &str =
    "SELECT user_id FROM auth_email_unverified WHERE user_id = $1";
pub(crate) const MARK_UNVERIFIED: &str =
    "INSERT INTO auth_email_unverified (user_id, since) VALUES ($1, $2) ON CONFLICT DO NOTHING";
pub(crate) const UNMARK_UNVERIFIED: &str = "DELETE FROM auth_email_unverified WHERE user_id = $1";
pub(crate) const CHANGE_EMAIL: &str =
    "UPDATE auth_user SET email = $1, email_key = $2 WHERE id = $3 AND email = $4";
pub(crate) const DELETE_USER_GROUPS: &str = "DELETE FROM auth_user_groups WHERE user_id = $1";
pub(crate) const DELETE_USER_PERMISSIONS: &str =
    "DELETE FROM auth_user_permissions WHERE user_id = $1";
pub(crate) const DELETE_USER: &str = "DELETE FROM auth_user WHERE id = $1";

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
pub(crate) const SESSION_BY_ID: &str = "SELECT user_key, auth_hash, data, created_at, last_seen, expires_at FROM auth_session WHERE id = $1 AND expires_at > $2";
pub(crate) const SAVE_SESSION: &str =
    "INSERT INTO auth_session (id, user_key, auth_hash, data, created_at, last_seen, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET user_key = excluded.user_key, auth_hash = excluded.auth_hash,
       data = excluded.data, created_at = excluded.created_at, last_seen = excluded.last_seen,
       expires_at = excluded.expires_at";
pub(crate) const UPDATE_SESSION: &str = "UPDATE auth_session SET user_key = $2, auth_hash = $3, data = $4, created_at = $5, last_seen = $6, expires_at = $7 WHERE id = $1";
/// A user's live sessions, most recently seen first, at most [`auth_core::store::MAX_LISTED_SESSIONS`].
pub(crate) const USER_SESSIONS: &str = "SELECT id, user_key, auth_hash, data, created_at, last_seen, expires_at FROM auth_session WHERE user_key = $1 AND expires_at > $2 ORDER BY last_seen DESC, created_at DESC LIMIT 100";
pub(crate) const DELETE_SESSION: &str = "DELETE FROM auth_session WHERE id = $1";
pub(crate) const DELETE_USER_SESSIONS: &str =
    "DELETE FROM auth_session WHERE user_key = $1 AND id != $2";
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
    i64,
    String,
    String,
    String,
    bool,
    bool,
    bool,
    Option<i64>,
    i64,
);

/// A session row, in [`SESSION_BY_ID`]'s column order, before its data is parsed; the user
/// is [`UserId::to_key`]'s text, so that ids of every kind fit.
pub(crate) type SessionRow = (Option<String>, Option<String>, String, i64, i64, i64);

/// A user from its row.
pub(crate) fn user_from_row(row: UserRow) -> User {
    let (id, username, email, password_hash, is_active, is_staff, is_superuser, last, joined) = row;
    let mut user = User::new(id, username);
    user.email = email;
    user.password_hash = password_hash;
    user.is_active = is_active;
    user.is_staff = is_staff;
    user.is_superuser = is_superuser;
    user.last_login = last.map(from_ts);
    user.date_joined = from_ts(joined);
    user
}

/// The integer key of `id` in the built-in users table; `None` (nobody here) for an id of
/// another kind.
pub(crate) fn int_id(id: &UserId) -> Option<i64> {
    id.as_i64()
}

/// A session from its row; data that is not a JSON object is an error, never an empty session.
pub(crate) fn session_from_row(
    id: &SessionId,
    row: SessionRow,
) -> Result<SessionRecord, StoreError> {
    let (user_id, auth_hash, data, created_at, last_seen, expires_at) = row;
    let mut data: BTreeMap<String, serde_json::Value> = serde_json::from_str(&data)
        .map_err(|e| StoreError::Corrupt(format!("session data: {e}")))?;
    let meta = auth_core::session::meta::take_meta(&mut data);
    let user_id = match user_id {
        None => None,
        Some(key) => Some(
            UserId::from_key(&key)
                .ok_or_else(|| StoreError::Corrupt(format!("session user id {key:?}")))?,
        ),
    };
    Ok(SessionRecord {
        id: id.clone(),
        user_id,
        auth_hash: auth_core::session::parse_stored_auth_hash(auth_hash),
        data,
        created_at,
        last_seen,
        expires_at,
        meta,
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

/// `sql` with its table (and index) names under `prefix` instead of `auth_` (the names the SQL
/// in this crate is written with): every identifier that starts with `auth_`, except the
/// `auth_hash` column, is renamed.
pub(crate) fn with_prefix(sql: &str, prefix: &str) -> String {
    if prefix == BASE_PREFIX {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 64);
    let bytes = sql.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if ident(bytes[i]) && (i == 0 || !ident(bytes[i - 1])) {
            let end = (i..bytes.len())
                .find(|&k| !ident(bytes[k]))
                .unwrap_or(bytes.len());
            let token = &sql[i..end];
            match token.strip_prefix(BASE_PREFIX) {
                Some(rest) if token != "auth_hash" => {
                    out.push_str(prefix);
                    out.push_str(rest);
                }
                _ => out.push_str(token),
            }
            i = end;
        } else {
            let ch = sql[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The built-in tables' prefix. It was `auth_` before 0.3, which is Django's: stores with this
/// prefix rename tables they find under the old names (see [`LEGACY_TABLES`]).
pub(crate) const DEFAULT_PREFIX: &str = "authkit_";

/// The prefix the SQL in this crate is written with, which [`with_prefix`] replaces.
pub(crate) const BASE_PREFIX: &str = "auth_";

/// The built-in tables under their names before 0.3 (the prefix `auth_`). Django's own tables
/// are `auth_user`, `auth_group`, ...: `auth_migrations`, which Django does not have, tells
/// that the others are this crate's.
pub(crate) const LEGACY_TABLES: [&str; 9] = [
    "auth_migrations",
    "auth_user",
    "auth_group",
    "auth_user_groups",
    "auth_user_permissions",
    "auth_group_permissions",
    "auth_session",
    "auth_attempt",
    // Newer than 0.3; here for a store that ran with the prefix `auth_` set explicitly.
    "auth_email_unverified",
];

/// Checks a table prefix: lower-case ASCII letters, digits and `_`, starting with a letter or
/// `_`, at most 32 bytes (so every name stays a plain identifier in both databases).
pub(crate) fn check_prefix(prefix: &str) -> Result<(), StoreError> {
    let ok = !prefix.is_empty()
        && prefix.len() <= 32
        && !prefix.as_bytes()[0].is_ascii_digit()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidConfig(format!(
            "table prefix {prefix:?} is not valid: use 1 to 32 lower-case ASCII letters, digits \
             or `_`, not starting with a digit (for example \"myapp_auth_\")"
        )))
    }
}

macro_rules! queries {
    ($($name:ident),* $(,)?) => {
        /// Every statement, with one store's table prefix applied.
        #[allow(non_snake_case)]
        #[derive(Debug)]
        pub(crate) struct Queries {
            prefix: Box<str>,
            $(pub(crate) $name: Box<str>,)*
        }

        impl Queries {
            pub(crate) fn new(prefix: &str) -> Self {
                Queries { prefix: prefix.into(), $($name: with_prefix($name, prefix).into(),)* }
            }

            /// The table prefix.
            pub(crate) fn prefix(&self) -> &str {
                &self.prefix
            }
        }
    };
}

queries!(
    USER_BY_ID,
    USER_BY_USERNAME_KEY,
    USER_BY_EMAIL_KEY,
    USER_EXISTS,
    INSERT_USER,
    UPDATE_USER,
    SET_PASSWORD_HASH,
    SET_LAST_LOGIN,
    EMAIL_UNVERIFIED,
    MARK_UNVERIFIED,
    UNMARK_UNVERIFIED,
    CHANGE_EMAIL,
    DELETE_USER_GROUPS,
    DELETE_USER_PERMISSIONS,
    DELETE_USER,
    GRANTS_PERMS,
    GRANTS_GROUPS,
    ENSURE_GROUP,
    GROUP_ID,
    ADD_TO_GROUP,
    REMOVE_FROM_GROUP,
    GRANT_USER,
    REVOKE_USER,
    GRANT_GROUP,
    SESSION_BY_ID,
    SAVE_SESSION,
    UPDATE_SESSION,
    DELETE_SESSION,
    USER_SESSIONS,
    DELETE_USER_SESSIONS,
    DELETE_EXPIRED,
    RECORD_FAILURE,
    FAILURES,
    RELEASE_FAILURE,
    CLEAR_FAILURES,
    MIGRATION_APPLIED,
    RECORD_MIGRATION,
    REKEY_SELECT,
    REKEY_PARK,
    REKEY_SET,
);

/// Options of the SQLite and PostgreSQL stores.
///
/// ```
/// let opts = auth_sql::SqlStoreOptions::default().table_prefix("myapp_auth_");
/// ```
#[derive(Clone, Debug)]
pub struct SqlStoreOptions {
    pub(crate) prefix: String,
}

impl Default for SqlStoreOptions {
    fn default() -> Self {
        SqlStoreOptions {
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }
}

impl SqlStoreOptions {
    /// Names the store's tables `<prefix>user`, `<prefix>session`, ... instead of
    /// `authkit_user`, `authkit_session`, ... (default prefix `authkit_`), so that they live
    /// beside the app's own tables; the migrations' bookkeeping table is `<prefix>migrations`.
    /// Lower-case ASCII letters, digits and `_`; checked when the store connects.
    ///
    /// With the default prefix, a database made before 0.3 (tables `auth_user`,
    /// `auth_session`, ..., which are Django's names) has its tables renamed on connect.
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    pub(crate) fn queries(&self) -> Result<std::sync::Arc<Queries>, StoreError> {
        check_prefix(&self.prefix)?;
        Ok(std::sync::Arc::new(Queries::new(&self.prefix)))
    }
}

pub(crate) mod accounts;
pub(crate) mod attempts;
mod impls;
pub(crate) use impls::sql_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_rename_tables_and_indexes_but_not_columns() {
        let q = Queries::new("app_");
        for sql in [
            &q.SESSION_BY_ID,
            &q.SAVE_SESSION,
            &q.GRANTS_PERMS,
            &q.RECORD_FAILURE,
        ] {
            for token in sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                assert!(
                    !token.starts_with("auth_") || token == "auth_hash",
                    "{token} in {sql}"
                );
            }
        }
        assert!(q.GRANTS_PERMS.contains("FROM app_user_permissions"));
        assert!(q.SAVE_SESSION.contains("auth_hash = excluded.auth_hash"));
        assert_eq!(&*Queries::new(BASE_PREFIX).USER_BY_ID, USER_BY_ID);
        assert!(
            Queries::new(DEFAULT_PREFIX)
                .USER_BY_ID
                .contains("FROM authkit_user WHERE")
        );
        assert!(
            with_prefix(
                "CREATE INDEX auth_session_user ON auth_session (user_key)",
                "x_"
            )
            .starts_with("CREATE INDEX x_session_user ON x_session")
        );
        for bad in ["", "App_", "1x_", "a-b", "a b", "auth_\"; DROP"] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
        check_prefix("myapp_auth_").unwrap();
    }
}
