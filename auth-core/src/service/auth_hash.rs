//! The session auth hash: the MAC of a user's password hash kept in each of their sessions, so
//! that a password change (or, with a fallback key, a key rotation) is seen on the next
//! request; and the per-user cache that keeps it off the hot path.

use crate::session::AuthHash;
use crate::user::User;

use super::AuthService;

impl AuthService {
    /// HMAC-SHA256 of a password hash under the secret key: stored in the session at login, so
    /// that a password change ends the session.
    ///
    /// Over a session store that shares its sessions with another system
    /// ([`SessionStore::session_auth_hash_salt`](crate::store::SessionStore::session_auth_hash_salt),
    /// Django's store) it is that system's salted HMAC (Django's
    /// `AbstractBaseUser.get_session_auth_hash`, kept as `_auth_user_hash`), so that a password
    /// change on either side ends the other's sessions.
    pub fn session_auth_hash(&self, password_hash: &str) -> AuthHash {
        self.session_auth_hash_under(&self.inner.secret, password_hash)
    }

    fn session_auth_hash_under(&self, secret: &[u8], password_hash: &str) -> AuthHash {
        if let Some(salt) = self.inner.auth_hash_salt {
            return AuthHash::from_bytes(crate::crypto::salted_hmac(
                salt.as_bytes(),
                password_hash.as_bytes(),
                secret,
            ));
        }
        // With the explicit opt-out, sessions do not depend on the password, so a password
        // change leaves the other sessions logged in (deactivation still ends them).
        let part: &[u8] = if self.inner.config.password_change_keeps_other_sessions {
            b""
        } else {
            password_hash.as_bytes()
        };
        AuthHash::from_bytes(crate::crypto::keyed_mac(
            secret,
            b"auth-core.session-auth-hash\0",
            &[part],
        ))
    }

    /// Whether `stored` was made under one of the fallback keys (`secret_key_fallbacks`), for
    /// sessions made before a key rotation.
    fn session_hash_matches_fallback(&self, user: &User, stored: &AuthHash) -> bool {
        self.inner.config.secret_key_fallbacks.iter().any(|key| {
            stored.matches(&self.session_auth_hash_under(key.as_bytes(), &user.password_hash))
        })
    }

    /// How `stored` compares with `user`'s current password hash: under the current key, under
    /// a fallback key (the session then gets the current key's hash, as Django re-hashes it),
    /// or not at all.
    pub(super) fn check_session_hash(&self, user: &User, stored: &AuthHash) -> HashCheck {
        if self.session_hash_matches(user, stored) {
            HashCheck::Current
        } else if self.session_hash_matches_fallback(user, stored) {
            HashCheck::Rotated(self.session_auth_hash(&user.password_hash))
        } else {
            HashCheck::Mismatch
        }
    }

    /// Whether `stored` (a session's auth hash) matches `user`'s current password hash, in
    /// constant time. Every request of a logged-in user checks this, so the expected value is
    /// remembered per user and recomputed only when their password hash changes.
    fn session_hash_matches(&self, user: &User, stored: &AuthHash) -> bool {
        let cached = self.inner.auth_hash_cache.read().ok().and_then(|c| {
            c.get(&user.id)
                .filter(|(pw, _)| pw == &user.password_hash)
                .map(|(_, h)| *h)
        });
        let expected = match cached {
            Some(h) => h,
            None => {
                let h = self.session_auth_hash(&user.password_hash);
                if let Ok(mut c) = self.inner.auth_hash_cache.write() {
                    if c.len() >= 100_000 {
                        c.clear();
                    }
                    c.insert(user.id.clone(), (user.password_hash.clone(), h));
                }
                h
            }
        };
        stored.matches(&expected)
    }
}

/// What [`AuthService::check_session_hash`] found.
pub(super) enum HashCheck {
    Current,
    /// Made under a fallback key; the hash under the current one.
    Rotated(AuthHash),
    Mismatch,
}
