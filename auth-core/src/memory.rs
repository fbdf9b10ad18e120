//! In-memory backends: a real backend for tests and small single-process apps. Everything is
//! lost when the process exits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::RwLock;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::session::{SessionId, SessionRecord};
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
    users: BTreeMap<UserId, User>,
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
        self.users.get_mut(&id).ok_or_else(|| StoreError::NotFound {
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
        Ok(self
            .inner
            .read()
            .map_err(|_| poisoned())?
            .users
            .get(&id)
            .cloned())
    }

    async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let g = self.inner.read().map_err(|_| poisoned())?;
        Ok(g.by_username
            .get(&fold_case(username))
            .and_then(|id| g.users.get(id))
            .cloned())
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email.is_empty() {
            return Ok(None);
        }
        let g = self.inner.read().map_err(|_| poisoned())?;
        Ok(g.by_email
            .get(&fold_case(email))
            .and_then(|id| g.users.get(id))
            .cloned())
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
        g.users.insert(user.id, user.clone());
        Ok(user)
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let old = g.user_mut(user.id)?.clone();
        g.check_unique(&user.username, &user.email, Some(user.id))?;
        g.unindex(&old);
        g.index(user);
        g.users.insert(user.id, user.clone());
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
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    inner: RwLock<Sessions>,
}

#[derive(Debug, Default)]
struct Sessions {
    by_id: HashMap<SessionId, SessionRecord>,
    by_user: HashMap<UserId, HashSet<SessionId>>,
}

impl Sessions {
    fn remove(&mut self, id: &SessionId) -> Option<SessionRecord> {
        let rec = self.by_id.remove(id)?;
        if let Some(uid) = rec.user_id
            && let Some(set) = self.by_user.get_mut(&uid)
        {
            set.remove(id);
            if set.is_empty() {
                self.by_user.remove(&uid);
            }
        }
        Some(rec)
    }
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records are held (expired ones included until [`SessionStore::delete_expired`]).
    pub fn len(&self) -> usize {
        self.inner.read().map(|g| g.by_id.len()).unwrap_or(0)
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let g = self.inner.read().map_err(|_| poisoned())?;
        let now = crate::session::now_unix();
        Ok(g.by_id.get(id).filter(|r| !r.is_expired(now)).cloned())
    }

    async fn save(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.remove(&record.id);
        if let Some(uid) = record.user_id {
            g.by_user.entry(uid).or_default().insert(record.id.clone());
        }
        g.by_id.insert(record.id.clone(), record.clone());
        Ok(())
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        self.inner.write().map_err(|_| poisoned())?.remove(id);
        Ok(())
    }

    async fn delete_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let ids: Vec<SessionId> = g
            .by_user
            .get(&user_id)
            .map(|s| s.iter().filter(|id| Some(*id) != keep).cloned().collect())
            .unwrap_or_default();
        for id in &ids {
            g.remove(id);
        }
        Ok(ids.len() as u64)
    }

    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let ids: Vec<SessionId> = g
            .by_id
            .values()
            .filter(|r| r.is_expired(now))
            .map(|r| r.id.clone())
            .collect();
        for id in &ids {
            g.remove(id);
        }
        Ok(ids.len() as u64)
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

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.inner.lock().map_err(|_| poisoned())?.remove(key);
        Ok(())
    }
}
