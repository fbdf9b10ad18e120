//! The Django store's groups and permissions: `auth_group`, `auth_permission` and the tables
//! that grant them.

use crate::sql::unavailable;
use async_trait::async_trait;
use auth_core::error::StoreError;
use auth_core::permission::{Grants, Permission};
use auth_core::store::PermissionChecker;
use auth_core::user::{Group, UserId};

use super::{Db, DjangoStore};

#[async_trait]
impl PermissionChecker for DjangoStore {
    async fn grants(&self, user_id: &UserId) -> Result<Grants, StoreError> {
        let Some(id) = user_id.as_i64() else {
            return Ok(Grants::default());
        };
        if let Some(grants) = self.fast_grants(id) {
            return Ok(grants);
        }
        let perms: Vec<String> = on_db!(self, pool => sqlx::query_scalar(&self.sql.grants_perms).bind(id).fetch_all(pool).await)
            .map_err(unavailable)?;
        let groups: Vec<String> = on_db!(self, pool => sqlx::query_scalar(&self.sql.grants_groups).bind(id).fetch_all(pool).await)
            .map_err(unavailable)?;
        Ok(Grants {
            permissions: perms.into_iter().collect(),
            groups,
        })
    }

    async fn ensure_group(&self, name: &str) -> Result<Group, StoreError> {
        let id = self.group_id(name).await?;
        Ok(Group {
            id,
            name: name.to_owned(),
        })
    }

    async fn add_user_to_group(&self, user_id: &UserId, group: &str) -> Result<(), StoreError> {
        let uid = self.existing_user(user_id).await?;
        let gid = self.group_id(group).await?;
        self.exec2(&self.sql.add_to_group, uid, gid).await.map(drop)
    }

    async fn remove_user_from_group(
        &self,
        user_id: &UserId,
        group: &str,
    ) -> Result<(), StoreError> {
        let Some(uid) = user_id.as_i64() else {
            return Ok(());
        };
        on_db!(self, pool => sqlx::query(&self.sql.remove_from_group).bind(uid).bind(group).execute(pool).await.map(drop))
            .map_err(unavailable)
    }

    async fn grant_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let uid = self.existing_user(user_id).await?;
        let pid = self.permission_id(perm).await?;
        self.exec2(&self.sql.grant_user, uid, pid).await.map(drop)
    }

    async fn revoke_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let Some(uid) = user_id.as_i64() else {
            return Ok(());
        };
        let pid = self.permission_id(perm).await?;
        self.exec2(&self.sql.revoke_user, uid, pid).await.map(drop)
    }

    async fn grant_group_permission(
        &self,
        group: &str,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let pid = self.permission_id(perm).await?;
        let gid = self.group_id(group).await?;
        self.exec2(&self.sql.grant_group, gid, pid).await.map(drop)
    }
}
