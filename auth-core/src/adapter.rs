//! For adapter authors: the plumbing `auth-axum` and `auth-actix` are built from, so that a
//! third framework gets the same sessions, guards, denials and pages. Applications do not need
//! this module.
//!
//! One request through an adapter:
//!
//! 1. The middleware checks the request's origin with [`OriginPolicy::check`] (reading headers
//!    through a [`RequestHeader`] lookup); a refusal is answered with
//!    [`cross_origin_denial`] or, for a bad `Host`, 400 [`BAD_HOST_MESSAGE`].
//! 2. It loads the session once: [`RequestAuth::start`] (or its non-blocking variant that
//!    answers a [`PendingLoad`] when a store must be awaited) and stores the [`RequestAuth`]
//!    where extractors find it.
//! 3. The framework's `Auth` extractor wraps an [`AuthHandle`](crate::http::AuthHandle); a guard macro's policy type
//!    implements [`Policy`] for the adapter's [`Adapter`] type, and the adapter's guard
//!    extractor calls [`evaluate`] with the policy's requirements before the handler runs.
//! 4. After the handler, [`RequestAuth::finish`] saves what changed and returns a [`Finish`]
//!    whose [`FinishHeader`]s (session and CSRF cookies) the middleware appends.
//!
//! Built-in pages (feature `pages`) take a [`crate::pages::PageRequest`]: read the body up to
//! [`MAX_FORM_BYTES`] (draining at most [`DRAIN_BYTES`] of a larger one) and report
//! [`FormError`] for what could not be read.

pub use crate::guard::{Adapter, Policy, audit_denial, evaluate, requirement_met};
pub use crate::http::csrf::{CSRF_COOKIE, nonce_from_cookies};
pub use crate::http::form::{DRAIN_BYTES, Form, FormError, MAX_FORM_BYTES, query_param};
pub use crate::http::origin::{
    BAD_HOST_MESSAGE, OriginPolicy, RequestHeader, Verdict, cross_origin_denial,
};
pub use crate::http::request::{Finish, FinishHeader, PendingLoad, RequestAuth};
pub use crate::http::response::REDIRECT_STATUS;
pub use crate::session::{cookie_value, session_id_from_cookie_header};
