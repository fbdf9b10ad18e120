//! Typed session data: [`AuthHandle::session`] gives a [`Session`] whose values are any serde
//! types, stored as JSON in the session record (saved when the response is sent, like every
//! session change).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::http::request::AuthHandle;

/// A value that could not be read from or written to the session as the asked type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionDataError {
    /// The stored value does not deserialize as the asked type (it was stored as another one).
    #[error("session value `{key}` is not a `{ty}`: {source}")]
    WrongType {
        /// The session key.
        key: String,
        /// The asked type.
        ty: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The value does not serialize to JSON (for example a map with non-string keys).
    #[error("session value `{key}` cannot be stored as JSON: {source}")]
    NotStorable {
        /// The session key.
        key: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

/// The request's session data, typed. From [`AuthHandle::session`] (on both adapters' `Auth`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::adapter::RequestAuth;
/// use auth_core::{AuthConfig, AuthService};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Cart { items: Vec<u32> }
///
/// let service = AuthService::in_memory(AuthConfig::default());
/// let request = RequestAuth::load(&service, std::iter::empty::<&[u8]>(), None).await;
/// let auth = request.handle();
/// auth.session().insert("cart", &Cart { items: vec![7] }).await.unwrap();
/// let cart: Option<Cart> = auth.session().get("cart").await.unwrap();
/// assert_eq!(cart, Some(Cart { items: vec![7] }));
/// assert!(auth.session().get::<String>("cart").await.is_err()); // stored as another type
/// assert_eq!(auth.session().get::<Cart>("nothing").await.unwrap(), None);
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Session<'a> {
    auth: &'a AuthHandle,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session")
    }
}

impl AuthHandle {
    /// The session's data as typed values (see [`Session`]).
    pub fn session(&self) -> Session<'_> {
        Session { auth: self }
    }
}

impl Session<'_> {
    /// The value under `key` as a `T`; `Ok(None)` when there is none, an error when it was
    /// stored as something that is not a `T`.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionDataError> {
        typed(key, self.auth.session_get(key).await)
    }

    /// Stores `value` under `key` (an anonymous visitor gets a session for it).
    pub async fn insert<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), SessionDataError> {
        let v = serde_json::to_value(value).map_err(|source| SessionDataError::NotStorable {
            key: key.to_owned(),
            source,
        })?;
        self.auth.session_insert(key, v).await;
        Ok(())
    }

    /// Removes the value under `key` and returns it as a `T` (`Ok(None)` when there was none).
    pub async fn remove<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, SessionDataError> {
        typed(key, self.auth.session_take(key).await)
    }
}

/// A stored value as a `T`.
fn typed<T: DeserializeOwned>(
    key: &str,
    value: Option<serde_json::Value>,
) -> Result<Option<T>, SessionDataError> {
    value
        .map(|v| {
            serde_json::from_value(v).map_err(|source| SessionDataError::WrongType {
                key: key.to_owned(),
                ty: std::any::type_name::<T>(),
                source,
            })
        })
        .transpose()
}
