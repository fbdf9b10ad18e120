//! In-memory backends: a real backend for tests and small single-process apps. Everything is
//! lost when the process exits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::session::{AuthHash, SessionId, SessionRecord};
use crate::store::{PermissionChecker, SessionStore, UserStore};
use crate::user::{Group, NewUser, User, UserId, fold_case};

/// Users, groups and permissions in memory. Implements [`UserStore`] and [`PermissionChecker`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{MemoryStore, NewUser, UserStore};
/// let store = MemoryStore::new();
/// let u = store.create_user(NewUser::new("alice", "a@example.com", "!")).await.unwrap();
/// assert_eq!(store.find_by_username("ALICE").await.unwrap().unwrap().id, u.id);
/// # }
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Users>,
}

#[derive(Debug, Default)]
struct Users {
    next_id: UserId,
    users: BTreeMap<UserId, Arc<User>>,
    by_username: HashMap<String, UserId>,
    by_email: HashMap<String, UserId>,
    groups: BTreeMap<String, Group>,
    next_group_id: i64,
    members: HashMap<UserId, HashSet<String>>,
    user_perms: HashMap<UserId, HashSet<String>>,
    group_perms: HashMap<String, HashSet<String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn shared_user(&self, id: UserId) -> Result<Option<Arc<User>>, StoreError> {
        Ok(self
            .inner
            .read()
            .map_err(|_| poisoned())?
            .users
            .get(&id)
            .cloned())
    }
}

fn poisoned() -> StoreError {
    StoreError::unavailable("in-memory store lock poisoned by a panic")
}

impl Users {
    fn check_unique(
        &self,
        username: &str,
        email: &str,
        me: Option<UserId>,
    ) -> Result<(), StoreError> {
        if let Some(&id) = self.by_username.get(&fold_case(username))
            && Some(id) != me
        {
            return Err(StoreError::Conflict { field: "username" });
        }
        if !email.is_empty()
            && let Some(&id) = self.by_email.get(&fold_case(email))
            && Some(id) != me
        {
            return Err(StoreError::Conflict { field: "email" });
        }
        Ok(())
    }

    fn index(&mut self, user: &User) {
        self.by_username.insert(fold_case(&user.username), user.id);
        if !user.email.is_empty() {
            self.by_email.insert(fold_case(&user.email), user.id);
        }
    }

    fn unindex(&mut self, user: &User) {
        self.by_username.remove(&fold_case(&user.username));
        if !user.email.is_empty() {
            self.by_email.remove(&fold_case(&user.email));
        }
    }

    fn user_mut(&mut self, id: UserId) -> Result<&mut User, StoreError> {
        // Copy-on-write: a request still holding the old `Arc` keeps its snapshot.
        self.users
            .get_mut(&id)
            .map(Arc::make_mut)
            .ok_or_else(|| StoreError::NotFound {
                what: format!("user {id}"),
            })
    }

    fn ensure_group(&mut self, name: &str) -> Group {
        if let Some(g) = self.groups.get(name) {
            return g.clone();
        }
        self.next_group_id += 1;
        let g = Group {
            id: self.next_group_id,
            name: name.to_owned(),
        };
        self.groups.insert(name.to_owned(), g.clone());
        g
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.get_user_shared(id).await?.map(Arc::unwrap_or_clone))
    }

    async fn get_user_shared(&self, id: UserId) -> Result<Option<Arc<User>>, StoreError> {
        self.shared_user(id)
    }

    fn get_user_now(&self, id: UserId) -> Option<Result<Option<Arc<User>>, StoreError>> {
        Some(self.shared_user(id))
    }

    async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let g = self.inner.read().map_err(|_| poisoned())?;
        Ok(g.by_username
            .get(&fold_case(username))
            .and_then(|id| g.users.get(id))
            .map(|u| User::clone(u)))
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email.is_empty() {
            return Ok(None);
        }
        let g = self.inner.read().map_err(|_| poisoned())?;
        Ok(g.by_email
            .get(&fold_case(email))
            .and_then(|id| g.users.get(id))
            .map(|u| User::clone(u)))
    }

    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.check_unique(&new.username, &new.email, None)?;
        g.next_id += 1;
        let user = User {
            id: g.next_id,
            username: new.username,
            email: new.email,
            password_hash: new.password_hash,
            is_active: new.is_active,
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
            last_login: None,
            date_joined: OffsetDateTime::now_utc(),
        };
        g.index(&user);
        g.users.insert(user.id, Arc::new(user.clone()));
        Ok(user)
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let old = g.user_mut(user.id)?.clone();
        g.check_unique(&user.username, &user.email, Some(user.id))?;
        g.unindex(&old);
        g.index(user);
        g.users.insert(user.id, Arc::new(user.clone()));
        Ok(())
    }

    async fn set_password_hash(&self, id: UserId, encoded: &str) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(id)?.password_hash = encoded.to_owned();
        Ok(())
    }

    async fn set_last_login(&self, id: UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(id)?.last_login = Some(at);
        Ok(())
    }
}

#[async_trait]
impl PermissionChecker for MemoryStore {
    async fn grants(&self, user_id: UserId) -> Result<Grants, StoreError> {
        let g = self.inner.read().map_err(|_| poisoned())?;
        let mut grants = Grants::default();
        if let Some(perms) = g.user_perms.get(&user_id) {
            grants.permissions.extend(perms.iter().cloned());
        }
        if let Some(groups) = g.members.get(&user_id) {
            for group in groups {
                grants.groups.push(group.clone());
                if let Some(perms) = g.group_perms.get(group) {
                    grants.permissions.extend(perms.iter().cloned());
                }
            }
        }
        grants.groups.sort();
        Ok(grants)
    }

    async fn ensure_group(&self, name: &str) -> Result<Group, StoreError> {
        Ok(self
            .inner
            .write()
            .map_err(|_| poisoned())?
            .ensure_group(name))
    }

    async fn add_user_to_group(&self, user_id: UserId, group: &str) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(user_id)?;
        g.ensure_group(group);
        g.members
            .entry(user_id)
            .or_default()
            .insert(group.to_owned());
        Ok(())
    }

    async fn remove_user_from_group(&self, user_id: UserId, group: &str) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        if let Some(m) = g.members.get_mut(&user_id) {
            m.remove(group);
        }
        Ok(())
    }

    async fn grant_user_permission(
        &self,
        user_id: UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(user_id)?;
        g.user_perms
            .entry(user_id)
            .or_default()
            .insert(perm.to_string());
        Ok(())
    }

    async fn revoke_user_permission(
        &self,
        user_id: UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        if let Some(p) = g.user_perms.get_mut(&user_id) {
            p.remove(perm.as_str());
        }
        Ok(())
    }

    async fn grant_group_permission(
        &self,
        group: &str,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.ensure_group(group);
        g.group_perms
            .entry(group.to_owned())
            .or_default()
            .insert(perm.to_string());
        Ok(())
    }
}

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
    user_id: UserId,
    auth_hash: [u8; 32],
    // Boxed on purpose: 8 bytes in every slot instead of 24, and most sessions hold no data.
    #[allow(clippy::box_collection)]
    data: Option<Box<BTreeMap<String, serde_json::Value>>>,
    created_at: i64,
    last_seen: i64,
    expires_at: i64,
}

const LIVE: u8 = 1;
const HAS_USER: u8 = 2;
const HAS_HASH: u8 = 4;

impl Slot {
    fn pack(r: &SessionRecord) -> Slot {
        Slot {
            key: *r.id.as_bytes(),
            flags: LIVE
                | if r.user_id.is_some() { HAS_USER } else { 0 }
                | if r.auth_hash.is_some() { HAS_HASH } else { 0 },
            user_id: r.user_id.unwrap_or_default(),
            auth_hash: r.auth_hash.map(|h| *h.as_bytes()).unwrap_or_default(),
            data: (!r.data.is_empty()).then(|| Box::new(r.data.clone())),
            created_at: r.created_at,
            last_seen: r.last_seen,
            expires_at: r.expires_at,
        }
    }

    fn user(&self) -> Option<UserId> {
        (self.flags & HAS_USER != 0).then_some(self.user_id)
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

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        let key = *id.as_bytes();
        self.inner.write().map_err(|_| poisoned())?.remove(&key);
        Ok(())
    }

    async fn delete_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let keep = keep.map(|k| *k.as_bytes());
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let keys: Vec<Key> = g
            .by_user
            .get(&user_id)
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

/// Failed-login counters in memory (one process only; use the database or Redis to share
/// them between processes).
#[derive(Debug, Default)]
pub struct MemoryAttemptStore {
    inner: std::sync::Mutex<HashMap<String, (u32, i64)>>,
}

impl MemoryAttemptStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl crate::store::AttemptStore for MemoryAttemptStore {
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
        let now = crate::session::now_unix();
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        if g.len() > 100_000 {
            g.retain(|_, (_, until)| *until > now);
        }
        let e = g.entry(key.to_owned()).or_insert((0, 0));
        if e.1 <= now {
            *e = (0, now + window_secs as i64);
        }
        e.0 += 1;
        Ok(e.0)
    }

    async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        let now = crate::session::now_unix();
        let g = self.inner.lock().map_err(|_| poisoned())?;
        Ok(g.get(key)
            .filter(|(_, until)| *until > now)
            .map_or(0, |(n, _)| *n))
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let mut g = self.inner.lock().map_err(|_| poisoned())?;
        if let Some(e) = g.get_mut(key) {
            e.0 = e.0.saturating_sub(1);
        }
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.inner.lock().map_err(|_| poisoned())?.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(user: Option<UserId>, expires_at: i64) -> SessionRecord {
        SessionRecord {
            id: SessionId::generate(),
            user_id: user,
            auth_hash: user.map(|u| AuthHash::from_bytes([u as u8; 32])),
            data: BTreeMap::new(),
            created_at: 1,
            last_seen: 1,
            expires_at,
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
        moved.user_id = Some(2);
        store.save(&moved).await.unwrap();
        assert_eq!(store.delete_user_sessions(1, None).await.unwrap(), 0);
        assert_eq!(store.load(&moved.id).await.unwrap(), Some(moved.clone()));

        // Freed slots are reused and the reused slot answers only to its new id.
        let others: Vec<_> = (0..5).map(|_| record(Some(2), far)).collect();
        for r in &others {
            store.save(r).await.unwrap();
        }
        assert_eq!(
            store
                .delete_user_sessions(2, Some(&others[0].id))
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
        assert_eq!(store.delete_user_sessions(3, None).await.unwrap(), 1);
        assert_eq!(store.len(), 2);
    }
}
