//! The request path: what an adapter's middleware and extractors, and the built-in pages, work
//! with. [`RequestAuth`] and [`AuthHandle`] (one request's auth state), the cross-origin check
//! ([`OriginPolicy`]), the CSRF token of the built-in forms, `next=` validation, form bodies,
//! and the denial answers ([`DenialResponse`]) with the HTML document around them.

pub(crate) mod csrf;
pub(crate) mod document;
pub(crate) mod form;
pub(crate) mod origin;
pub(crate) mod redirect;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod web_origin;

pub use crate::http::csrf::{CSRF_COOKIE, CSRF_FIELD, nonce_from_cookies, same_origin};
pub use crate::http::document::{STYLESHEET, denial_content, document};
pub use crate::http::form::{DRAIN_BYTES, Form, FormError, MAX_FORM_BYTES, query_param};
pub use crate::http::origin::{
    BAD_HOST_MESSAGE, OriginPolicy, RequestHeader, Verdict, cross_origin_denial,
};
pub use crate::http::redirect::{percent_encode, safe_next, url_has_allowed_host_and_scheme};
pub use crate::http::request::{
    AuthHandle, Finish, FinishHeader, LoginOptions, PendingLoad, RequestAuth, SessionCheck,
};
pub use crate::http::response::{DenialResponse, REDIRECT_STATUS};
