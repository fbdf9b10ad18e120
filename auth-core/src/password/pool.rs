//! Runs password hashing on tokio's blocking pool, never on the runtime's worker threads.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Semaphore;

use super::PasswordError;

/// Hashes and verifies passwords on tokio's blocking pool, at most `limit` at a time.
///
/// A flood of logins then queues here instead of occupying every blocking thread, and the
/// async workers stay free to serve other requests.
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
    permits: Arc<Semaphore>,
    runs: Arc<AtomicU64>,
}

impl HashPool {
    /// A pool that runs at most `limit` hashes at once (`0` means the number of CPUs).
    pub fn new(limit: usize) -> Self {
        let limit = if limit == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            limit
        };
        HashPool {
            permits: Arc::new(Semaphore::new(limit)),
            runs: Arc::default(),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::PoolClosed)?;
        let out = tokio::task::spawn_blocking(f)
            .await
            .map_err(|_| PasswordError::PoolClosed);
        self.runs.fetch_add(1, Ordering::Relaxed);
        out
    }

    /// How many hashes and verifications this pool (and its clones) has run.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// [`super::hash`] on the blocking pool.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || super::hash(&password)).await?
    }

    /// [`super::verify`] on the blocking pool.
    pub async fn verify(&self, password: String, encoded: String) -> Result<bool, PasswordError> {
        self.run(move || super::verify(&password, &encoded)).await?
    }

    /// Spends one verification of the current format on a fixed hash, so that a login for an
    /// unknown user costs as much as one for a known user with a wrong password.
    pub async fn verify_dummy(&self, password: String) -> Result<(), PasswordError> {
        self.run(move || {
            let _ = super::verify(&password, dummy_hash());
        })
        .await
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| super::hash("auth-core dummy password").expect("argon2 hashing works"))
}
