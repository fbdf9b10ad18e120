//! Users and groups: the built-in [`User`], the [`UserId`] every store speaks, and
//! [`AuthUser`], which lets an app's own user type ride along with it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A user's primary key, in the form the user store chose: an integer, a UUID or a string.
///
/// The built-in stores use [`UserId::Int`]; a store over an app's own table picks whichever
/// its key is, and converts with `From`/`TryFrom`:
///
/// ```
/// use auth_core::UserId;
/// let id = UserId::from(uuid::Uuid::nil());
/// assert_eq!(uuid::Uuid::try_from(&id).unwrap(), uuid::Uuid::nil());
/// assert_eq!(UserId::from(42).as_i64(), Some(42));
/// assert_eq!(UserId::from("u-17").to_string(), "u-17");
/// // The stable text form sessions and reset links store, and back:
/// for id in [UserId::from(7), UserId::from(uuid::Uuid::nil()), UserId::from("7")] {
///     assert_eq!(UserId::from_key(&id.to_key()), Some(id));
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum UserId {
    /// An integer key (the built-in stores, Django's `auth_user.id`).
    Int(i64),
    /// A UUID key.
    Uuid(uuid::Uuid),
    /// Any other key, as text.
    Text(Arc<str>),
}

impl UserId {
    /// The integer, for an integer id.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            UserId::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The UUID, for a UUID id.
    pub fn as_uuid(&self) -> Option<uuid::Uuid> {
        match self {
            UserId::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    /// The text, for a text id.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            UserId::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The id as one string that says which kind it is (`42`, `u:<uuid>`, `s:<text>`), for
    /// stores that keep ids of any kind in a text column; [`from_key`](Self::from_key) reads
    /// it back. Integer ids keep their plain decimal form.
    pub fn to_key(&self) -> String {
        match self {
            UserId::Int(i) => i.to_string(),
            UserId::Uuid(u) => format!("u:{}", u.hyphenated()),
            UserId::Text(s) => format!("s:{s}"),
        }
    }

    /// Reads [`to_key`](Self::to_key)'s form back; `None` for anything else.
    pub fn from_key(key: &str) -> Option<UserId> {
        if let Some(u) = key.strip_prefix("u:") {
            uuid::Uuid::try_parse(u).ok().map(UserId::Uuid)
        } else if let Some(s) = key.strip_prefix("s:") {
            Some(UserId::Text(s.into()))
        } else if key.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            key.parse().ok().map(UserId::Int)
        } else {
            None
        }
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Int(i) => fmt::Debug::fmt(i, f),
            UserId::Uuid(u) => write!(f, "{u}"),
            UserId::Text(s) => fmt::Debug::fmt(s, f),
        }
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Int(i) => fmt::Display::fmt(i, f),
            UserId::Uuid(u) => fmt::Display::fmt(u, f),
            UserId::Text(s) => f.write_str(s),
        }
    }
}

impl From<i64> for UserId {
    fn from(i: i64) -> Self {
        UserId::Int(i)
    }
}

impl From<uuid::Uuid> for UserId {
    fn from(u: uuid::Uuid) -> Self {
        UserId::Uuid(u)
    }
}

impl From<String> for UserId {
    fn from(s: String) -> Self {
        UserId::Text(s.into())
    }
}

impl From<&str> for UserId {
    fn from(s: &str) -> Self {
        UserId::Text(s.into())
    }
}

impl PartialEq<i64> for UserId {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

/// An id of another kind than the one asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("user id {id} is not {wanted}")]
pub struct UserIdKindError {
    id: String,
    wanted: &'static str,
}

impl TryFrom<&UserId> for i64 {
    type Error = UserIdKindError;
    fn try_from(id: &UserId) -> Result<Self, Self::Error> {
        id.as_i64().ok_or_else(|| UserIdKindError {
            id: id.to_key(),
            wanted: "an integer",
        })
    }
}

impl TryFrom<&UserId> for uuid::Uuid {
    type Error = UserIdKindError;
    fn try_from(id: &UserId) -> Result<Self, Self::Error> {
        id.as_uuid().ok_or_else(|| UserIdKindError {
            id: id.to_key(),
            wanted: "a UUID",
        })
    }
}

/// JSON: an integer id is a number, the others are strings.
impl Serialize for UserId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            UserId::Int(i) => s.serialize_i64(*i),
            UserId::Uuid(u) => s.collect_str(&u.hyphenated()),
            UserId::Text(t) => s.serialize_str(t),
        }
    }
}

/// A number is an integer id; a string is a UUID id when it is a hyphenated UUID, otherwise a
/// text id.
impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Int(i) => UserId::Int(i),
            Raw::Text(t) => match uuid::Uuid::try_parse(&t) {
                Ok(u) if t.len() == 36 => UserId::Uuid(u),
                _ => UserId::Text(t.into()),
            },
        })
    }
}

/// An app's own user type, so that its stores, guards and handlers work with it.
///
/// Implement it for the row type of your users table, return
/// [`User::from_app`]`(row)` from your [`UserStore`](crate::store::UserStore), and read your type
/// back in a handler with the adapter's `CurrentUser<YourUser>` (or
/// [`User::app`]). The guards read the flags through the built-in [`User`] the service keeps
/// beside your value, so they work unchanged.
///
/// ```
/// use auth_core::{AuthUser, User, UserId};
/// #[derive(Clone)]
/// struct Member { id: uuid::Uuid, login: String, hash: String, display_name: String }
/// impl AuthUser for Member {
///     fn id(&self) -> UserId { self.id.into() }
///     fn username(&self) -> &str { &self.login }
///     fn password_hash(&self) -> &str { &self.hash }
/// }
/// let user = User::from_app(Member {
///     id: uuid::Uuid::nil(), login: "ann".into(), hash: "!".into(), display_name: "Ann".into(),
/// });
/// assert_eq!(user.username, "ann");
/// assert!(user.is_active && !user.is_staff);
/// assert_eq!(user.app::<Member>().unwrap().display_name, "Ann");
/// ```
pub trait AuthUser: Send + Sync + 'static {
    /// The primary key.
    fn id(&self) -> UserId;
    /// The login name (shown in logs and the built-in pages).
    fn username(&self) -> &str;
    /// The encoded password hash (see [`crate::password`]); `"!"` (Django's unusable marker)
    /// for a user who cannot log in with a password. The session is bound to it: when it
    /// changes, the user's other sessions end.
    fn password_hash(&self) -> &str;
    /// The email address, or `""`.
    fn email(&self) -> &str {
        ""
    }
    /// Inactive users cannot log in and are anonymous on their next request. Default: `true`.
    fn is_active(&self) -> bool {
        true
    }
    /// Staff users pass `#[staff_required]`. Default: `false`.
    fn is_staff(&self) -> bool {
        false
    }
    /// Active superusers have every permission. Default: `false`.
    fn is_superuser(&self) -> bool {
        false
    }
    /// When the user last logged in, if the table records it.
    fn last_login(&self) -> Option<OffsetDateTime> {
        None
    }
    /// When the account was made, if the table records it.
    fn date_joined(&self) -> Option<OffsetDateTime> {
        None
    }
}

/// An account, with the fields Django's `AbstractUser` has for authentication, and, for a
/// store over an app's own table, the app's user value ([`User::app`]).
///
/// `Debug` never prints the password hash.
#[derive(Clone, Serialize, Deserialize)]
pub struct User {
    /// Primary key, assigned by the store.
    pub id: UserId,
    /// Unique (case-insensitively) login name.
    pub username: String,
    /// Email address; unique (case-insensitively) when not empty.
    pub email: String,
    /// Encoded password hash (see [`crate::password`]). Never serialized.
    #[serde(skip_serializing, default)]
    pub password_hash: String,
    /// Inactive users cannot log in and are anonymous on their next request.
    pub is_active: bool,
    /// Staff users pass `#[staff_required]`.
    pub is_staff: bool,
    /// Active superusers have every permission.
    pub is_superuser: bool,
    /// When the user last logged in.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login: Option<OffsetDateTime>,
    /// When the account was created (the Unix epoch when the store does not know).
    #[serde(with = "time::serde::rfc3339")]
    pub date_joined: OffsetDateTime,
    /// The app's own user value, from [`User::from_app`].
    #[serde(skip)]
    pub(crate) app: Option<Arc<dyn Any + Send + Sync>>,
}

impl User {
    /// An active, non-staff user with no email and an unusable password, joined now; set the
    /// public fields to change the rest.
    ///
    /// ```
    /// let mut u = auth_core::User::new(7, "alice");
    /// u.is_staff = true;
    /// assert_eq!(u.id, 7);
    /// ```
    pub fn new(id: impl Into<UserId>, username: impl Into<String>) -> Self {
        User {
            id: id.into(),
            username: username.into(),
            email: String::new(),
            password_hash: "!".to_owned(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            last_login: None,
            date_joined: OffsetDateTime::now_utc(),
            app: None,
        }
    }

    /// The built-in view of an app's user value, carrying the value itself (see
    /// [`AuthUser`]).
    pub fn from_app<T: AuthUser>(app: T) -> Self {
        Self::from_app_arc(Arc::new(app))
    }

    /// [`from_app`](Self::from_app) for a value that is already shared.
    pub fn from_app_arc<T: AuthUser>(app: Arc<T>) -> Self {
        User {
            id: app.id(),
            username: app.username().to_owned(),
            email: app.email().to_owned(),
            password_hash: app.password_hash().to_owned(),
            is_active: app.is_active(),
            is_staff: app.is_staff(),
            is_superuser: app.is_superuser(),
            last_login: app.last_login(),
            date_joined: app.date_joined().unwrap_or(OffsetDateTime::UNIX_EPOCH),
            app: Some(app),
        }
    }

    /// The app's user value, when the store made this user with [`User::from_app`] from a
    /// `T`.
    pub fn app<T: Any>(&self) -> Option<&T> {
        self.app.as_deref()?.downcast_ref()
    }

    /// The app's user value, shared.
    pub fn app_arc<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.app.clone()?.downcast().ok()
    }

    /// Whether this user carries an app value (of any type).
    pub fn has_app(&self) -> bool {
        self.app.is_some()
    }
}

/// Users are equal when their fields are; the app values, when both have one, must be the
/// same shared value.
impl PartialEq for User {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.username == o.username
            && self.email == o.email
            && self.password_hash == o.password_hash
            && self.is_active == o.is_active
            && self.is_staff == o.is_staff
            && self.is_superuser == o.is_superuser
            && self.last_login == o.last_login
            && self.date_joined == o.date_joined
            && match (&self.app, &o.app) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

impl Eq for User {}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .field("last_login", &self.last_login)
            .field("date_joined", &self.date_joined)
            .field("app", &self.app.is_some())
            .finish()
    }
}

/// The fields needed to create a user; the store assigns `id` and `date_joined`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Email address, may be empty.
    pub email: String,
    /// An encoded hash from [`crate::password::hash`], or an unusable marker.
    pub password_hash: String,
    /// Defaults to `true`.
    pub is_active: bool,
    /// Defaults to `false`.
    pub is_staff: bool,
    /// Defaults to `false`.
    pub is_superuser: bool,
}

impl NewUser {
    /// An active, non-staff user.
    pub fn new(
        username: impl Into<String>,
        email: impl Into<String>,
        password_hash: impl Into<String>,
    ) -> Self {
        NewUser {
            username: username.into(),
            email: email.into(),
            password_hash: password_hash.into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
        }
    }
}

/// A named set of users that can be granted permissions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Primary key.
    pub id: i64,
    /// Unique name, for example `Editors`.
    pub name: String,
}

/// The comparison key of usernames and emails (see [`crate::names::name_key`]).
pub fn fold_case(s: &str) -> String {
    crate::names::name_key(s)
}
