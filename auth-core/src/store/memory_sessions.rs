//! Sessions in memory, packed.
//!
//! Why this is more than a `HashMap<SessionId, SessionRecord>`: an app that keeps its sessions
//! in memory keeps all of them, and a `SessionRecord` with its `String` id, `Option` padding and
//! an always-allocated data map costs over 400 bytes. Here a logged-in session without data
//! takes under 200 bytes at a million sessions (measured by
//! `cargo run --release --manifest-path bench/Cargo.toml --bin session_memory`): slots sit in one
//! dense vector, the id is its 32 raw characters, the flags replace `Option`s, and the data map
//! is boxed only when a session holds data. A per-user index makes "log out everywhere" and a
//! password change touch only that user's slots. A load copies nothing from the heap unless the
//! session holds data.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use async_trait::async_trait;

use super::memory::poisoned;
use crate::error::StoreError;
use crate::session::{AuthHash, SessionId, SessionMeta, SessionRecord};
use crate::store::SessionStore;
use crate::user::UserId;

/// Sessions in memory, with an index by user so that "log out everywhere" does not scan.
///
/// Records are kept compactly (about 200 bytes per logged-in session at a million sessions:
/// `cargo run --release --manifest-path bench/Cargo.toml --bin session_memory`), and a load
/// copies nothing from the heap unless the session holds data.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    inner: RwLock<Sessions>,
}

/// A session id's 32 characters (no decoding on the hot path).
type Key = [u8; crate::session::SESSION_ID_LEN];

/// A cheap hash for session ids. It needs no random key, unlike std's default, because only
/// ids the service generated (192 random bits each) are ever inserted: a client may send forged
/// ids, but a lookup inserts nothing, so nobody can build long probe chains.
#[derive(Clone, Copy, Debug, Default)]
struct IdHash;

struct IdHasher(u64);

impl std::hash::BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(23) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn finish(&self) -> u64 {
        // murmur3's final mix, so every output bit depends on every input bit.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
}

/// Slots in one vector (it grows by doubling, so it stays dense), a map from id to slot, and
/// per user the slots of their sessions.
#[derive(Debug, Default)]
struct Sessions {
    index: HashMap<Key, u32, IdHash>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_user: HashMap<UserId, Vec<u32>>,
}

/// One record, packed: no `Option` padding and the data map only when there is data.
#[derive(Debug, Default)]
struct Slot {
    key: Key,
    flags: u8,
    user_id: Option<UserId>,
    auth_hash: [u8; 32],
    // Boxed on purpose: 8 bytes in every slot instead of 24, and most sessions hold no data.
    #[allow(clippy::box_collection)]
    data: Option<Box<BTreeMap<String, serde_json::Value>>>,
    // Boxed for the same reason: anonymous sessions have none.
    meta: Option<Box<SessionMeta>>,
    created_at: i64,
    last_seen: i64,
    expires_at: i64,
}

const LIVE: u8 = 1;
const HAS_HASH: u8 = 4;

impl Slot {
    fn pack(r: &SessionRecord) -> Slot {
        Slot {
            key: *r.id.as_bytes(),
            flags: LIVE | if r.auth_hash.is_some() { HAS_HASH } else { 0 },
            user_id: r.user_id.clone(),
            auth_hash: r.auth_hash.map(|h| *h.as_bytes()).unwrap_or_default(),
            data: (!r.data.is_empty()).then(|| Box::new(r.data.clone())),
            meta: (!r.meta.is_empty()).then(|| Box::new(r.meta.clone())),
            created_at: r.created_at,
            last_seen: r.last_seen,
            expires_at: r.expires_at,
        }
    }

    fn user(&self) -> Option<UserId> {
        self.user_id.clone()
    }

    fn unpack(&self, id: &SessionId) -> SessionRecord {
        SessionRecord {
            id: id.clone(),
            user_id: self.user(),
            auth_hash: (self.flags & HAS_HASH != 0).then(|| AuthHash::from_bytes(self.auth_hash)),
            data: self.data.as_deref().cloned().unwrap_or_default(),
            created_at: self.created_at,
            last_seen: self.last_seen,
            expires_at: self.expires_at,
            meta: self.meta.as_deref().cloned().unwrap_or_default(),
        }
    }
}

impl Sessions {
    fn get(&self, key: &Key) -> Option<&Slot> {
        self.index.get(key).map(|&i| &self.slots[i as usize])
    }

    fn insert(&mut self, slot: Slot) -> Result<(), StoreError> {
        self.remove(&slot.key);
        let user = slot.user();
        let key = slot.key;
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                let i = u32::try_from(self.slots.len()).map_err(|_| {
                    StoreError::unavailable("in-memory session store is full (2^32 sessions)")
                })?;
                self.slots.push(slot);
                i
            }
        };
        self.index.insert(key, i);
        if let Some(uid) = user {
            self.by_user.entry(uid).or_default().push(i);
        }
        Ok(())
    }

    fn remove(&mut self, key: &Key) -> bool {
        let Some(i) = self.index.remove(key) else {
            return false;
        };
        let slot = std::mem::take(&mut self.slots[i as usize]);
        if let Some(uid) = slot.user()
            && let Some(list) = self.by_user.get_mut(&uid)
        {
            if let Some(pos) = list.iter().position(|&j| j == i) {
                list.swap_remove(pos);
            }
            if list.is_empty() {
                self.by_user.remove(&uid);
            }
        }
        self.free.push(i);
        true
    }

    fn remove_all(&mut self, keys: &[Key]) -> u64 {
        keys.iter().filter(|k| self.remove(k)).count() as u64
    }
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn load_record(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let key = *id.as_bytes();
        let now = crate::session::now_unix();
        let g = self.inner.read().map_err(|_| poisoned())?;
        Ok(g.get(&key)
            .filter(|s| now < s.expires_at)
            .map(|s| s.unpack(id)))
    }

    /// How many records are held (expired ones included until [`SessionStore::delete_expired`]).
    pub fn len(&self) -> usize {
        self.inner.read().map(|g| g.index.len()).unwrap_or(0)
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        self.load_record(id)
    }

    fn load_now(&self, id: &SessionId) -> Option<Result<Option<SessionRecord>, StoreError>> {
        Some(self.load_record(id))
    }

    async fn save(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let slot = Slot::pack(record);
        self.inner.write().map_err(|_| poisoned())?.insert(slot)
    }

    async fn update(&self, record: &SessionRecord) -> Result<bool, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        if g.get(record.id.as_bytes()).is_none() {
            return Ok(false);
        }
        g.insert(Slot::pack(record))?;
        Ok(true)
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        let key = *id.as_bytes();
        self.inner.write().map_err(|_| poisoned())?.remove(&key);
        Ok(())
    }

    async fn user_sessions(&self, user_id: &UserId) -> Result<Vec<SessionRecord>, StoreError> {
        let now = crate::session::now_unix();
        let g = self.inner.read().map_err(|_| poisoned())?;
        let mut out: Vec<SessionRecord> = g
            .by_user
            .get(user_id)
            .into_iter()
            .flatten()
            .map(|&i| &g.slots[i as usize])
            .filter(|s| now < s.expires_at)
            .map(|s| s.unpack(&SessionId::parse_bytes(&s.key).expect("stored ids are well formed")))
            .collect();
        drop(g);
        out.sort_by_key(|r| std::cmp::Reverse((r.last_seen, r.created_at)));
        out.truncate(crate::store::MAX_LISTED_SESSIONS);
        Ok(out)
    }

    async fn delete_user_sessions(
        &self,
        user_id: &UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let keep = keep.map(|k| *k.as_bytes());
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let keys: Vec<Key> = g
            .by_user
            .get(user_id)
            .map(|l| l.iter().map(|&i| g.slots[i as usize].key).collect())
            .unwrap_or_default();
        let keys: Vec<Key> = keys.into_iter().filter(|k| Some(*k) != keep).collect();
        Ok(g.remove_all(&keys))
    }

    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let keys: Vec<Key> = g
            .slots
            .iter()
            .filter(|s| s.flags & LIVE != 0 && now >= s.expires_at)
            .map(|s| s.key)
            .collect();
        Ok(g.remove_all(&keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(user: Option<i64>, expires_at: i64) -> SessionRecord {
        SessionRecord {
            id: SessionId::generate(),
            user_id: user.map(UserId::from),
            auth_hash: user.map(|u| AuthHash::from_bytes([u as u8; 32])),
            data: BTreeMap::new(),
            created_at: 1,
            last_seen: 1,
            expires_at,
            meta: Default::default(),
        }
    }

    #[tokio::test]
    async fn packed_sessions_round_trip_reuse_slots_and_keep_the_user_index() {
        let store = MemorySessionStore::new();
        let far = crate::session::now_unix() + 3600;
        let mut with_data = record(Some(1), far);
        with_data
            .data
            .insert("theme".into(), serde_json::json!("dark"));
        store.save(&with_data).await.unwrap();
        assert_eq!(
            store.load(&with_data.id).await.unwrap(),
            Some(with_data.clone())
        );
        let anon = record(None, far);
        store.save(&anon).await.unwrap();
        assert_eq!(store.load(&anon.id).await.unwrap(), Some(anon.clone()));

        // Re-saving an id under another user moves it in the per-user index.
        let mut moved = with_data.clone();
        moved.user_id = Some(2.into());
        store.save(&moved).await.unwrap();
        assert_eq!(
            store.delete_user_sessions(&1.into(), None).await.unwrap(),
            0
        );
        assert_eq!(store.load(&moved.id).await.unwrap(), Some(moved.clone()));

        // Freed slots are reused and the reused slot answers only to its new id.
        let others: Vec<_> = (0..5).map(|_| record(Some(2), far)).collect();
        for r in &others {
            store.save(r).await.unwrap();
        }
        assert_eq!(
            store
                .delete_user_sessions(&2.into(), Some(&others[0].id))
                .await
                .unwrap(),
            5
        );
        assert_eq!(store.len(), 2);
        let fresh = record(Some(3), far);
        store.save(&fresh).await.unwrap();
        assert_eq!(store.inner.read().unwrap().slots.len(), 7);
        assert_eq!(store.load(&moved.id).await.unwrap(), None);
        assert_eq!(store.load(&fresh.id).await.unwrap(), Some(fresh.clone()));
        assert_eq!(
            store.load(&others[0].id).await.unwrap(),
            Some(others[0].clone())
        );

        // Expired records are not returned and are swept.
        let old = record(Some(3), 10);
        store.save(&old).await.unwrap();
        assert_eq!(store.load(&old.id).await.unwrap(), None);
        assert_eq!(store.delete_expired(11).await.unwrap(), 1);
        assert_eq!(
            store.delete_user_sessions(&3.into(), None).await.unwrap(),
            1
        );
        assert_eq!(store.len(), 2);

        // Ids of other kinds index the same way.
        let mut by_uuid = record(None, far);
        by_uuid.user_id = Some(uuid::Uuid::from_u128(7).into());
        store.save(&by_uuid).await.unwrap();
        assert_eq!(
            store.load(&by_uuid.id).await.unwrap(),
            Some(by_uuid.clone())
        );
        let id = by_uuid.user_id.clone().unwrap();
        assert_eq!(store.delete_user_sessions(&id, None).await.unwrap(), 1);
    }
}
