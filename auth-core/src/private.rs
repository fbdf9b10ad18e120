//! Support for the guard macros' expansions. Not a public API: names here may change in any
//! release.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;

pub use crate::guard::{Adapter, AuthContext, Denial, Policy, Requirement, check};

/// Tells, at the expansion site, whether an `on_denied` hook returned a future.
pub struct Probe<T>(PhantomData<T>);

/// A [`Probe`] for the type of `_value`.
pub fn probe<T>(_value: &T) -> Probe<T> {
    Probe(PhantomData)
}

/// The hook returned a future: await it.
pub struct IsFuture;
/// The hook returned a value: use it as it is.
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
    check(cx, reqs)
        .await
        .map_err(|f| f.into_denial(String::new(), crate::guard::Wants::Json, None))
}
