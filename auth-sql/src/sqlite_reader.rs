//! The SQLite store's read path for the two lookups every request of a logged-in user makes
//! (its session by id and its user by id).
//!
//! sqlx runs each SQLite connection on a thread of its own, so every query is two thread
//! hand-offs; for a primary-key lookup of a few microseconds that hop is most of the cost.
//! These reads instead run in place on a small set of rusqlite connections to the same file
//! (the same bundled SQLite library sqlx links), under rules that keep them from stalling the
//! runtime or changing any answer:
//!
//! - WAL mode: a reader never waits for a writer, and each statement sees the last commit of
//!   every process (no cache, so nothing can be stale: a logout or deactivation made by another
//!   process is seen by the next request);
//! - `busy_timeout = 0` and `query_only`: a reader never sleeps on a lock and cannot write;
//! - any error (busy, I/O, a schema it does not expect) returns `None`, and the caller takes the
//!   ordinary sqlx path, which fails closed on its own if the database is really down;
//! - in-memory databases (one connection only) never use it.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use auth_core::permission::Grants;

/// Idle connections kept for reuse; more may be open at once under load, and close when done.
const KEEP_IDLE: usize = 16;
/// After a failure to open a connection, the fast path rests this long.
const BACKOFF: Duration = Duration::from_secs(1);

pub(crate) struct Readers {
    path: Option<PathBuf>,
    idle: Mutex<Vec<Connection>>,
    resting_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Readers {
    /// Readers for the database file at `path`; `None` (an in-memory database) disables them.
    pub(crate) fn new(path: Option<PathBuf>) -> Self {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
            resting_until: Mutex::new(None),
        }
    }

    /// Runs `read` on a reader connection. `None` means "use the pool": the fast path is off,
    /// resting, or the read failed.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let path = self.path.as_ref()?;
        let conn = match self.idle.lock().ok()?.pop() {
            Some(c) => c,
            None => self.open(path)?,
        };
        match read(&conn) {
            Ok(v) => {
                if let Ok(mut idle) = self.idle.lock()
                    && idle.len() < KEEP_IDLE
                {
                    idle.push(conn);
                }
                Some(v)
            }
            Err(e) => {
                // The connection is dropped; the next read opens a fresh one.
                tracing::debug!(error = %e, "SQLite fast read failed; using the pool");
                None
            }
        }
    }

    fn open(&self, path: &PathBuf) -> Option<Connection> {
        let mut rest = self.resting_until.lock().ok()?;
        if rest.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let opened = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            c.busy_timeout(Duration::ZERO)?;
            c.pragma_update(None, "query_only", true)?;
            c.set_prepared_statement_cache_capacity(8);
            Ok(c)
        });
        match opened {
            Ok(c) => {
                *rest = None;
                Some(c)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot open a SQLite reader; reads use the pool for a while");
                *rest = Some(Instant::now() + BACKOFF);
                None
            }
        }
    }
}

/// A user's grants: the permission names `perms_sql` and the group names `groups_sql` select
/// for the user id `$1`.
pub(crate) fn read_grants(
    conn: &Connection,
    perms_sql: &str,
    groups_sql: &str,
    user_id: i64,
) -> rusqlite::Result<Grants> {
    let names = |sql: &str| -> rusqlite::Result<Vec<String>> {
        conn.prepare_cached(sql)?
            .query_map([user_id], |r| r.get::<_, String>(0))?
            .collect()
    };
    Ok(Grants {
        permissions: names(perms_sql)?.into_iter().collect(),
        groups: names(groups_sql)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "auth-readers-{}-{}",
            std::process::id(),
            &auth_core::SessionId::generate().as_str()[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "journal_mode", "wal").unwrap();
        c.execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (41);")
            .unwrap();
        path
    }

    #[test]
    fn reads_reuse_connections_cannot_write_and_fall_back_on_errors() {
        let path = temp_db();
        let readers = Readers::new(Some(path.clone()));
        let v = readers.read(|c| c.query_row("SELECT v + 1 FROM t", [], |r| r.get::<_, i64>(0)));
        assert_eq!(v, Some(42));
        assert_eq!(readers.idle.lock().unwrap().len(), 1, "kept for reuse");

        // query_only: a write is refused, the caller is told to use the pool, and the
        // connection is dropped.
        let w = readers.read(|c| c.execute("INSERT INTO t VALUES (1)", []));
        assert_eq!(w, None);
        assert_eq!(readers.idle.lock().unwrap().len(), 0);

        // A commit from another connection is seen by the next read.
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE t SET v = 99", [])
            .unwrap();
        let v = readers.read(|c| c.query_row("SELECT v FROM t", [], |r| r.get::<_, i64>(0)));
        assert_eq!(v, Some(99));
        std::fs::remove_dir_all(path.parent().unwrap()).ok();
    }

    #[test]
    fn no_file_or_an_unopenable_one_means_the_pool() {
        assert_eq!(Readers::new(None).read(|_| Ok(1)), None);
        let bad = Readers::new(Some("/nonexistent-dir/for/sure/auth.db".into()));
        assert_eq!(bad.read(|_| Ok(1)), None);
        assert!(
            bad.resting_until.lock().unwrap().is_some(),
            "rests after a failure"
        );
        assert_eq!(bad.read(|_| Ok(1)), None);
    }
}
