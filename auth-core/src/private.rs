//! Support for the guard macros' expansions. Not a public API: names here may change in any
//! release.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;

pub use crate::guard::{Adapter, AuthContext, Denial, Policy, Requirement, check};

/// Stops compilation, in the `const` the guard macros emit for each permission literal, when the
/// literal is not `app_label.codename`; the message says what is wrong.
pub const fn assert_permission(s: &str) {
    if let Err(reason) = crate::permission::syntax::check_permission_syntax(s) {
        panic!("{}", reason);
    }
}

/// Tells, at the expansion site, whether an `on_denied` hook returned a future.
pub struct Probe<T>(PhantomData<T>);

impl<T> std::fmt::Debug for Probe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Probe")
    }
}

/// A [`Probe`] for the type of `_value`.
pub fn probe<T>(_value: &T) -> Probe<T> {
    Probe(PhantomData)
}

/// The hook returned a future: await it.
#[derive(Debug)]
pub struct IsFuture;
/// The hook returned a value: use it as it is.
#[derive(Debug)]
pub struct IsValue;

/// Chosen by autoref when the probed type is a future.
pub trait ViaFuture {
    /// The kind.
    fn __auth_kind(&self) -> IsFuture {
        IsFuture
    }
}
impl<T: Future> ViaFuture for &Probe<T> {}

/// Chosen otherwise.
pub trait ViaValue {
    /// The kind.
    fn __auth_kind(&self) -> IsValue {
        IsValue
    }
}
impl<T> ViaValue for Probe<T> {}

/// Turns a hook's result into a future of its final value.
pub trait Resolve<R> {
    /// The final value.
    type Output;
    /// The future.
    type Fut: Future<Output = Self::Output>;
    /// Wraps or passes on.
    fn resolve(self, r: R) -> Self::Fut;
}

impl<R: Future> Resolve<R> for IsFuture {
    type Output = R::Output;
    type Fut = R;
    fn resolve(self, r: R) -> R {
        r
    }
}

impl<R> Resolve<R> for IsValue {
    type Output = R;
    type Fut = Ready<R>;
    fn resolve(self, r: R) -> Ready<R> {
        ready(r)
    }
}

/// Service-layer check: the requirements against a context, as a [`Denial`] outside HTTP.
pub async fn check_service<C: AuthContext + ?Sized>(
    cx: &C,
    reqs: &'static [Requirement],
) -> Result<(), Denial> {
    check(cx, reqs).await.map_err(|f| {
        let request = crate::guard::DeniedRequest {
            path: String::new(),
            wants: crate::guard::Wants::Json,
            htmx: false,
            method: Box::default(),
            headers: Box::default(),
        };
        f.into_denial(request, None)
    })
}

/// Implements `Deref`/`DerefMut` to [`crate::http::AuthHandle`] and [`AuthContext`] for an
/// adapter's `Auth` newtype (`struct Auth(AuthHandle)`), so both adapters share them.
#[macro_export]
#[doc(hidden)]
macro_rules! __auth_handle_newtype {
    ($ty:ident) => {
        impl ::std::ops::Deref for $ty {
            type Target = $crate::http::AuthHandle;
            fn deref(&self) -> &$crate::http::AuthHandle {
                &self.0
            }
        }

        impl ::std::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $crate::http::AuthHandle {
                &mut self.0
            }
        }

        #[$crate::async_trait]
        impl $crate::guard::AuthContext for $ty {
            fn current_user(&self) -> ::std::option::Option<&$crate::user::User> {
                $crate::guard::AuthContext::current_user(&self.0)
            }
            async fn grants(
                &self,
            ) -> ::std::result::Result<
                ::std::sync::Arc<$crate::permission::Grants>,
                $crate::error::StoreError,
            > {
                $crate::guard::AuthContext::grants(&self.0).await
            }
            fn is_unavailable(&self) -> bool {
                $crate::guard::AuthContext::is_unavailable(&self.0)
            }
        }
    };
}
