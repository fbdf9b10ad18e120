//! For adapter authors: all that `auth-axum` and `auth-actix` are built from, so that a third
//! framework gets the same sessions, guards, denials and pages. Applications do not need this
//! module.
//!
//! # One request, from the attribute to the response
//!
//! Take `#[permission_required("blog.publish_post")] async fn publish(auth: Auth, ..)`:
//!
//! 1. **Expansion** (the crate `auth-macros`). The macro emits a unit type that implements
//!    [`Policy`] for the adapter's [`Adapter`] type, with the stack's requirements
//!    (`Requirement::Perm("blog.publish_post")`, its literal checked at compile time), and
//!    puts the adapter's guard extractor, typed by that policy, first in the handler's
//!    parameters; the `Auth` parameter is taken back out of the guard in the body.
//! 2. **Origin check** (the adapter's middleware). [`OriginPolicy::check`] reads the request's
//!    headers through a [`RequestHeader`] lookup; a refusal is answered with
//!    [`cross_origin_denial`] or, for a bad `Host`, 400 [`BAD_HOST_MESSAGE`].
//! 3. **Session load** (the middleware). [`RequestAuth::start`] loads the session once (or
//!    answers a [`PendingLoad`] when a store must be awaited), from the session cookie
//!    ([`session_id_from_cookie_header`], [`cookie_value`]) and the CSRF cookie
//!    ([`CSRF_COOKIE`], [`nonce_from_cookies`]); the [`RequestAuth`] goes where the
//!    extractors find it.
//! 4. **Guard extractor** (the adapter's `Guard<P>`). Being first, it runs before any body
//!    extractor: it wraps the loaded session in the adapter's `Auth` (an
//!    [`AuthHandle`](crate::http::AuthHandle)) and calls [`evaluate`] with the policy's
//!    requirements ([`requirement_met`] checks one).
//! 5. **The denial**. A failed check is a [`Denial`](crate::guard::Denial), logged by
//!    [`audit_denial`]; [`answer`] says who answers it ([`Answer`]): the guard's `on_denied`
//!    hook if it has one, else the app, that is the app-wide handler given to the middleware
//!    or, without one,
//!    [`DenialResponse::for_denial`](crate::http::DenialResponse::for_denial) (a redirect
//!    with [`REDIRECT_STATUS`], a JSON body or an HTML page), which the adapter turns into
//!    its framework's response.
//! 6. **After the handler**, [`RequestAuth::finish`] saves what changed and returns a
//!    [`Finish`] whose [`FinishHeader`]s (session and CSRF cookies) the middleware appends.
//!
//! Built-in pages (the crate `auth-pages`) take a `PageRequest`: read the body up to
//! [`MAX_FORM_BYTES`] (draining at most [`DRAIN_BYTES`] of a larger one) and report
//! [`FormError`] for what could not be read; [`Form`] and [`query_param`] parse it.

pub use crate::guard::{Adapter, Answer, Policy, answer, audit_denial, evaluate, requirement_met};
pub use crate::http::csrf::{CSRF_COOKIE, nonce_from_cookies};
pub use crate::http::form::{DRAIN_BYTES, Form, FormError, MAX_FORM_BYTES, query_param};
pub use crate::http::origin::{
    BAD_HOST_MESSAGE, OriginPolicy, RequestHeader, Verdict, cross_origin_denial,
};
pub use crate::http::request::{Finish, FinishHeader, PendingLoad, RequestAuth};
pub use crate::http::response::REDIRECT_STATUS;
pub use crate::session::{cookie_value, session_id_from_cookie_header};
