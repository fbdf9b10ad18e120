//! Runs password hashing on dedicated low-priority threads, never on the runtime's workers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use super::PasswordError;

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords on `limit` dedicated threads (named `auth-hash-N`), off the
/// async runtime. On Linux the threads run at the idle scheduling class (or nice 10), so that
/// under a flood of logins the scheduler still gives the request workers the CPU at once:
/// hashing slows down, other routes do not.
/// Work beyond `limit` queues.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let pool = auth_core::password::HashPool::new(2);
/// let h = pool.hash("secret".into()).await.unwrap();
/// assert!(pool.verify("secret".into(), h).await.unwrap());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct HashPool {
    jobs: mpsc::Sender<Job>,
    runs: Arc<AtomicU64>,
    hasher: super::Hasher,
    /// A hash in the hasher's format that unknown users' logins verify against, made once.
    dummy: Arc<OnceLock<String>>,
}

/// Lowers the calling (hashing) thread's scheduling priority. `idle`: Linux `SCHED_IDLE`, which
/// the kernel preempts as soon as any normal thread wakes, so a request never waits behind a
/// hash. Otherwise (or if the kernel refuses) nice 10: a smaller share of a contended CPU,
/// though a woken request thread may wait for the next scheduler tick.
fn lower_priority(idle: bool) {
    if idle {
        if crate::sys::set_idle_scheduling() {
            return;
        }
        if cfg!(target_os = "linux") {
            tracing::warn!("SCHED_IDLE refused for password hashing; using nice 10");
        }
    }
    crate::sys::set_nice(10);
}

impl HashPool {
    /// A pool of `limit` threads (`0` means the number of CPUs) at idle priority (see
    /// [`crate::config::AuthConfig::password_hash_idle_priority`]).
    pub fn new(limit: usize) -> Self {
        Self::with_idle_priority(limit, true)
    }

    /// The same threads, making new hashes with `hasher` (and spending dummy verifications
    /// in its format).
    pub fn with_hasher(mut self, hasher: super::Hasher) -> Self {
        if hasher != self.hasher {
            self.hasher = hasher;
            self.dummy = Arc::default();
        }
        self
    }

    /// The hasher new hashes are made with.
    pub fn hasher(&self) -> super::Hasher {
        self.hasher
    }

    /// A pool of `limit` threads at idle priority (`idle`) or nice 10.
    pub fn with_idle_priority(limit: usize, idle: bool) -> Self {
        let limit = if limit == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            limit
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..limit {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("auth-hash-{i}"))
                .spawn(move || {
                    lower_priority(idle);
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // every HashPool clone is gone
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        HashPool {
            jobs: tx,
            runs: Arc::default(),
            hasher: super::Hasher::default(),
            dummy: Arc::default(),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| PasswordError::PoolClosed)?;
        let out = rx.await.map_err(|_| PasswordError::PoolClosed);
        self.runs.fetch_add(1, Ordering::Relaxed);
        out
    }

    /// How many hashes and verifications this pool (and its clones) has run.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// [`Hasher::hash`](super::Hasher::hash) of the pool's hasher, on the blocking pool.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let hasher = self.hasher;
        self.run(move || hasher.hash(&password)).await?
    }

    /// [`super::verify`] on the blocking pool.
    pub async fn verify(&self, password: String, encoded: String) -> Result<bool, PasswordError> {
        self.run(move || super::verify(&password, &encoded)).await?
    }

    /// Spends one verification of the current format on a fixed hash, so that a login for an
    /// unknown user costs as much as one for a known user with a wrong password.
    pub async fn verify_dummy(&self, password: String) -> Result<(), PasswordError> {
        let (hasher, dummy) = (self.hasher, self.dummy.clone());
        self.run(move || {
            let encoded = dummy.get_or_init(|| {
                hasher
                    .hash("auth-core dummy password")
                    .expect("hashing a constant works")
            });
            let _ = super::verify(&password, encoded);
        })
        .await
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_threads_run_at_the_configured_priority() {
        let idle = HashPool::with_idle_priority(1, true);
        let (policy, _) = idle.run(crate::sys::scheduling).await.unwrap();
        assert_eq!(policy, libc::SCHED_IDLE);
        let low = HashPool::with_idle_priority(1, false);
        assert_eq!(
            low.run(crate::sys::scheduling).await.unwrap(),
            (libc::SCHED_OTHER, 10)
        );
    }
}
