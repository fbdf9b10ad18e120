//! The Django store's SQL, written once with two markers for the one thing the two databases
//! keep differently, datetimes: `TS_OUT[column]` reads one as Unix seconds and `TS_IN[$n]`
//! writes Unix seconds as one (SQLite: Django's UTC text; PostgreSQL: `timestamptz`).

/// The tables `migrate` makes that the store reads or writes.
pub(super) const DJANGO_TABLES: [&str; 8] = [
    "auth_user",
    "auth_group",
    "auth_user_groups",
    "auth_permission",
    "auth_group_permissions",
    "auth_user_user_permissions",
    "django_content_type",
    "django_session",
];

/// This crate's own table beside Django's: failed-login counters.
pub(super) const CREATE_ATTEMPTS: &str = "CREATE TABLE IF NOT EXISTS authkit_django_attempt (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at BIGINT NOT NULL)";

/// And the accounts that wait for their email to be verified (`require_email_verification`).
pub(super) const CREATE_UNVERIFIED: &str = "CREATE TABLE IF NOT EXISTS authkit_django_email_unverified (user_id BIGINT PRIMARY KEY, since BIGINT NOT NULL)";

macro_rules! user_select {
    ($where:literal) => {
        concat!(
            "SELECT CAST(id AS BIGINT), username, first_name, last_name, email, password, is_active, is_staff, is_superuser, TS_OUT[last_login], TS_OUT[date_joined] FROM auth_user WHERE ",
            $where
        )
    };
}

macro_rules! statements {
    ($($name:ident = $sql:expr;)*) => {
        /// Every statement, in one database's dialect.
        #[derive(Debug)]
        pub(super) struct Sql {
            $(pub(super) $name: String,)*
        }

        impl Sql {
            pub(super) fn new(postgres: bool) -> Self {
                Sql { $($name: dialect($sql, postgres),)* }
            }
        }
    };
}

statements! {
    user_by_id = user_select!("id = $1");
    user_by_username = user_select!("username = $1");
    users_by_folded_username = user_select!("lower(username) = lower($1) ORDER BY id LIMIT 2");
    users_by_email = user_select!("email <> '' AND lower(email) = lower($1) ORDER BY id LIMIT 2");
    username_taken = "SELECT COUNT(*) FROM auth_user WHERE lower(username) = lower($1) AND id <> $2";
    email_taken = "SELECT COUNT(*) FROM auth_user WHERE email <> '' AND lower(email) = lower($1) AND id <> $2";
    insert_user = "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
        VALUES ($1, NULL, $2, $3, '', '', $4, $5, $6, TS_IN[$7]) RETURNING CAST(id AS BIGINT)";
    update_user = "UPDATE auth_user SET username = $1, email = $2, password = $3, is_active = $4, is_staff = $5, is_superuser = $6, last_login = TS_IN[$7] WHERE id = $8";
    set_password = "UPDATE auth_user SET password = $1 WHERE id = $2";
    set_last_login = "UPDATE auth_user SET last_login = TS_IN[$1] WHERE id = $2";
    grants_perms = "SELECT ct.app_label || '.' || p.codename FROM auth_permission p
        JOIN django_content_type ct ON ct.id = p.content_type_id
        WHERE p.id IN (SELECT permission_id FROM auth_user_user_permissions WHERE user_id = $1)
           OR p.id IN (SELECT gp.permission_id FROM auth_group_permissions gp
                       JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = $1)";
    grants_groups = "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = $1 ORDER BY g.name";
    permission_id = "SELECT CAST(p.id AS BIGINT) FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id WHERE ct.app_label = $1 AND p.codename = $2";
    ensure_group = "INSERT INTO auth_group (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
    group_id = "SELECT CAST(id AS BIGINT) FROM auth_group WHERE name = $1";
    add_to_group = "INSERT INTO auth_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    remove_from_group = "DELETE FROM auth_user_groups WHERE user_id = $1 AND group_id IN (SELECT id FROM auth_group WHERE name = $2)";
    grant_user = "INSERT INTO auth_user_user_permissions (user_id, permission_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    revoke_user = "DELETE FROM auth_user_user_permissions WHERE user_id = $1 AND permission_id = $2";
    grant_group = "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    session_by_key = "SELECT session_data, TS_OUT[expire_date] FROM django_session WHERE session_key = $1 AND expire_date > TS_IN[$2]";
    save_session = "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ($1, $2, TS_IN[$3])
        ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date";
    update_session = "UPDATE django_session SET session_data = $2, expire_date = TS_IN[$3] WHERE session_key = $1";
    delete_session = "DELETE FROM django_session WHERE session_key = $1";
    live_sessions = "SELECT session_key, session_data FROM django_session WHERE expire_date > TS_IN[$1]";
    live_sessions_expiry = "SELECT session_key, session_data, TS_OUT[expire_date] FROM django_session WHERE expire_date > TS_IN[$1]";
    delete_expired = "DELETE FROM django_session WHERE expire_date <= TS_IN[$1]";
    record_failure = &attempts(crate::sql::RECORD_FAILURE);
    failures = &attempts(crate::sql::FAILURES);
    release_failure = &attempts(crate::sql::RELEASE_FAILURE);
    clear_failures = &attempts(crate::sql::CLEAR_FAILURES);
    email_unverified = &attempts(crate::sql::EMAIL_UNVERIFIED);
    mark_unverified = &attempts(crate::sql::MARK_UNVERIFIED);
    unmark_unverified = &attempts(crate::sql::UNMARK_UNVERIFIED);
    // Django keeps emails unique only by convention: the swap happens only while no other
    // user has the new address, in the same statement.
    change_email = "UPDATE auth_user SET email = $1 WHERE id = $2 AND email = $3
        AND NOT EXISTS (SELECT 1 FROM auth_user o WHERE o.id <> $2 AND o.email <> '' AND lower(o.email) = lower($1))";
    delete_user_groups = "DELETE FROM auth_user_groups WHERE user_id = $1";
    delete_user_permissions = "DELETE FROM auth_user_user_permissions WHERE user_id = $1";
    delete_user = "DELETE FROM auth_user WHERE id = $1";
}

/// A statement of the native attempt table, on this store's own table.
fn attempts(sql: &str) -> String {
    crate::sql::with_prefix(sql, "authkit_django_")
}

/// `sql` with its datetime markers in one dialect.
fn dialect(sql: &str, postgres: bool) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    loop {
        let next = ["TS_OUT[", "TS_IN["]
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, *m)))
            .min();
        let Some((i, marker)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        let after = &rest[i + marker.len()..];
        let end = after.find(']').expect("a closed marker");
        let arg = &after[..end];
        out.push_str(&match (marker, postgres) {
            ("TS_OUT[", false) => format!("CAST(strftime('%s', {arg}) AS INTEGER)"),
            // Whole seconds, truncated as SQLite's `%s` does (a plain cast would round).
            ("TS_OUT[", true) => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {arg})) AS BIGINT)"),
            (_, false) => format!("strftime('%Y-%m-%d %H:%M:%f', {arg}, 'unixepoch')"),
            (_, true) => format!("to_timestamp({arg})"),
        });
        rest = &after[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_each_dialect() {
        let lite = Sql::new(false);
        let pg = Sql::new(true);
        assert!(
            lite.session_by_key
                .contains("CAST(strftime('%s', expire_date) AS INTEGER)")
        );
        assert!(
            lite.session_by_key
                .ends_with("expire_date > strftime('%Y-%m-%d %H:%M:%f', $2, 'unixepoch')")
        );
        assert!(pg.set_last_login.contains("last_login = to_timestamp($1)"));
        assert!(pg.record_failure.contains("authkit_django_attempt"));
        assert!(pg.user_by_id.contains("FROM auth_user WHERE"));
        for sql in [&lite.user_by_id, &pg.insert_user, &pg.session_by_key] {
            assert!(!sql.contains("TS_"), "{sql}");
        }
    }
}
