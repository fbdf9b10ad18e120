//! In-memory users, groups, permissions and failed-login counters: a real backend for tests and
//! small single-process apps. Everything is lost when the process exits. Sessions are in
//! [`super::memory_sessions`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::store::{AttemptStore, PermissionChecker, UserStore};
use crate::user::{Group, NewUser, User, UserId, fold_case};

/// Users, groups and permissions in memory. Implements [`UserStore`] and [`PermissionChecker`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{MemoryStore, UserStore, user::NewUser};
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
    next_id: i64,
    users: BTreeMap<i64, Arc<User>>,
    by_username: HashMap<String, i64>,
    by_email: HashMap<String, i64>,
    groups: BTreeMap<String, Group>,
    next_group_id: i64,
    members: HashMap<i64, HashSet<String>>,
    user_perms: HashMap<i64, HashSet<String>>,
    group_perms: HashMap<String, HashSet<String>>,
    unverified: HashSet<i64>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn shared_user(&self, id: &UserId) -> Result<Option<Arc<User>>, StoreError> {
        // This store's keys are integers: an id of another kind is nobody here.
        let Some(id) = id.as_i64() else {
            return Ok(None);
        };
        Ok(self
            .inner
            .read()
            .map_err(|_| poisoned())?
            .users
            .get(&id)
            .cloned())
    }
}

pub(super) fn poisoned() -> StoreError {
    StoreError::unavailable("in-memory store lock poisoned by a panic")
}

impl Users {
    fn check_unique(&self, username: &str, email: &str, me: Option<i64>) -> Result<(), StoreError> {
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
        self.by_username
            .insert(fold_case(&user.username), key(&user.id));
        if !user.email.is_empty() {
            self.by_email.insert(fold_case(&user.email), key(&user.id));
        }
    }

    fn unindex(&mut self, user: &User) {
        self.by_username.remove(&fold_case(&user.username));
        if !user.email.is_empty() {
            self.by_email.remove(&fold_case(&user.email));
        }
    }

    fn user_mut(&mut self, id: &UserId) -> Result<&mut User, StoreError> {
        // Copy-on-write: a request still holding the old `Arc` keeps its snapshot.
        self.users
            .get_mut(&key(id))
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

/// This store's key for `id`: an id of another kind than an integer is nobody here (`0` is
/// never assigned).
fn key(id: &UserId) -> i64 {
    id.as_i64().unwrap_or(0)
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        Ok(self.get_user_shared(id).await?.map(Arc::unwrap_or_clone))
    }

    async fn get_user_shared(&self, id: &UserId) -> Result<Option<Arc<User>>, StoreError> {
        self.shared_user(id)
    }

    fn get_user_now(&self, id: &UserId) -> Option<Result<Option<Arc<User>>, StoreError>> {
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

    fn is_writable(&self) -> bool {
        true
    }

    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.check_unique(&new.username, &new.email, None)?;
        g.next_id += 1;
        let mut user = User::new(g.next_id, new.username);
        user.email = new.email;
        user.password_hash = new.password_hash;
        user.is_active = new.is_active;
        user.is_staff = new.is_staff;
        user.is_superuser = new.is_superuser;
        g.index(&user);
        let id = g.next_id;
        g.users.insert(id, Arc::new(user.clone()));
        Ok(user)
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let old = g.user_mut(&user.id)?.clone();
        g.check_unique(&user.username, &user.email, Some(key(&user.id)))?;
        g.unindex(&old);
        g.index(user);
        g.users.insert(key(&user.id), Arc::new(user.clone()));
        Ok(())
    }

    async fn set_password_hash(&self, id: &UserId, encoded: &str) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(id)?.password_hash = encoded.to_owned();
        Ok(())
    }

    async fn set_last_login(&self, id: &UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(id)?.last_login = Some(at);
        Ok(())
    }

    async fn email_unverified(&self, id: &UserId) -> Result<bool, StoreError> {
        let g = self.inner.read().map_err(|_| poisoned())?;
        Ok(g.unverified.contains(&key(id)))
    }

    async fn set_email_unverified(
        &self,
        id: &UserId,
        unverified: bool,
    ) -> Result<bool, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        if unverified {
            g.user_mut(id)?;
            Ok(!g.unverified.insert(key(id)))
        } else {
            Ok(g.unverified.remove(&key(id)))
        }
    }

    async fn change_email(&self, id: &UserId, from: &str, to: &str) -> Result<bool, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let Some(old) = g.users.get(&key(id)).cloned() else {
            return Ok(false);
        };
        if old.email != from {
            return Ok(false);
        }
        g.check_unique(&old.username, to, Some(key(id)))?;
        let mut user = User::clone(&old);
        user.email = to.to_owned();
        g.unindex(&old);
        g.index(&user);
        g.users.insert(key(id), Arc::new(user));
        Ok(true)
    }

    async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        let k = key(id);
        let Some(old) = g.users.remove(&k) else {
            return Ok(false);
        };
        g.unindex(&old);
        g.members.remove(&k);
        g.user_perms.remove(&k);
        g.unverified.remove(&k);
        Ok(true)
    }
}

#[async_trait]
impl PermissionChecker for MemoryStore {
    async fn grants(&self, user_id: &UserId) -> Result<Grants, StoreError> {
        let g = self.inner.read().map_err(|_| poisoned())?;
        let mut grants = Grants::default();
        let user_id = key(user_id);
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

    async fn add_user_to_group(&self, user_id: &UserId, group: &str) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(user_id)?;
        g.ensure_group(group);
        g.members
            .entry(key(user_id))
            .or_default()
            .insert(group.to_owned());
        Ok(())
    }

    async fn remove_user_from_group(
        &self,
        user_id: &UserId,
        group: &str,
    ) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        if let Some(m) = g.members.get_mut(&key(user_id)) {
            m.remove(group);
        }
        Ok(())
    }

    async fn grant_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        g.user_mut(user_id)?;
        g.user_perms
            .entry(key(user_id))
            .or_default()
            .insert(perm.to_string());
        Ok(())
    }

    async fn revoke_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let mut g = self.inner.write().map_err(|_| poisoned())?;
        if let Some(p) = g.user_perms.get_mut(&key(user_id)) {
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
impl AttemptStore for MemoryAttemptStore {
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
