//! The typed model a guard stack is parsed into: every guard and `#[page]` attribute of the
//! function, in source order. Each node keeps the tokens it came from, so that validation can
//! point at them. Filled by `stack` (which attributes) and `args` (their arguments).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Ident, LitStr, Path};

/// Which guard.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Login,
    Perm,
    Group,
    Staff,
    Superuser,
    /// `#[user_passes_test(predicate)]`.
    Test,
}

impl Kind {
    pub(crate) const ALL: [Kind; 6] = [
        Kind::Login,
        Kind::Perm,
        Kind::Group,
        Kind::Staff,
        Kind::Superuser,
        Kind::Test,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Login => "login_required",
            Kind::Perm => "permission_required",
            Kind::Group => "group_required",
            Kind::Staff => "staff_required",
            Kind::Superuser => "superuser_required",
            Kind::Test => "user_passes_test",
        }
    }

    pub(crate) fn takes_strings(self) -> bool {
        matches!(self, Kind::Perm | Kind::Group)
    }
}

/// The attribute being expanded: the top of its stack.
#[derive(Clone, Copy)]
pub(crate) enum Outer {
    Guard(Kind),
    Page,
}

impl Outer {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Outer::Guard(kind) => kind.name(),
            Outer::Page => "page",
        }
    }
}

/// Where an attribute is written, for errors about it as a whole.
#[derive(Clone)]
pub(crate) enum Site {
    /// The attribute being expanded: `Span::call_site()`.
    Outer,
    /// An attribute collected from below it, as tokens.
    Below(TokenStream),
}

impl Site {
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        match self {
            Site::Outer => syn::Error::new(Span::call_site(), message),
            Site::Below(tokens) => syn::Error::new_spanned(tokens, message),
        }
    }
}

/// One guard of a stack, as written.
pub(crate) struct Guard {
    pub(crate) kind: Kind,
    pub(crate) site: Site,
    /// The permissions or group names.
    pub(crate) strings: Vec<LitStr>,
    /// The predicate of `#[user_passes_test]`.
    pub(crate) predicate: Option<Path>,
    /// `any` (valid on `#[permission_required]` only).
    pub(crate) any: Option<Ident>,
    pub(crate) on_denied: Option<Path>,
    pub(crate) redirect: Option<LitStr>,
    pub(crate) shared: Shared,
}

impl Guard {
    pub(crate) fn new(kind: Kind, site: Site) -> Self {
        Guard {
            kind,
            site,
            strings: Vec::new(),
            predicate: None,
            any: None,
            on_denied: None,
            redirect: None,
            shared: Shared::default(),
        }
    }
}

/// The options that hold for the whole stack, whichever of its attributes gives them: a stack
/// checks one context, in one mode, through one `auth_core` path.
#[derive(Default, Clone)]
pub(crate) struct Shared {
    pub(crate) adapter: Option<Path>,
    pub(crate) auth: Option<Ident>,
    pub(crate) service: Option<Ident>,
    /// `crate = path`.
    pub(crate) krate: Option<Path>,
}

/// `#[page(..)]`, as written.
pub(crate) struct Page {
    pub(crate) site: Site,
    pub(crate) route: Option<LitStr>,
    pub(crate) method: Option<LitStr>,
    /// The `login_required` flag.
    pub(crate) login_flag: Option<Ident>,
    /// The login guard it adds, holding the guard options given (`on_denied`, `redirect`,
    /// `adapter`, `auth`) and `crate = path` (a page option too, in `login.shared`).
    pub(crate) login: Guard,
    /// The first login guard option, as written, for the error when the flag is missing.
    pub(crate) first_guard_option: Option<TokenStream>,
}

/// One attribute of the stack (a handful per function, built once per expansion: their size
/// does not matter).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Layer {
    Guard(Guard),
    Page(Page),
}

/// A guard attribute found below an attribute that is not one: the stack is split.
pub(crate) struct Stray {
    pub(crate) attr: syn::Attribute,
    /// The attribute that splits the stack, and the last stack attribute above it.
    pub(crate) after: syn::Attribute,
    pub(crate) above: String,
}

/// A whole stack: what one expansion writes.
pub(crate) struct Stack {
    pub(crate) outer: Outer,
    pub(crate) layers: Vec<Layer>,
    pub(crate) strays: Vec<Stray>,
}

impl Stack {
    /// Every guard in source order, `#[page(login_required)]`'s among them.
    pub(crate) fn guards(&self) -> impl Iterator<Item = &Guard> {
        self.layers.iter().filter_map(|l| match l {
            Layer::Guard(g) => Some(g),
            Layer::Page(p) => p.login_flag.is_some().then_some(&p.login),
        })
    }

    pub(crate) fn pages(&self) -> impl Iterator<Item = &Page> {
        self.layers.iter().filter_map(|l| match l {
            Layer::Page(p) => Some(p),
            Layer::Guard(_) => None,
        })
    }
}

/// A path as the user wrote it, without spaces, for messages.
pub(crate) fn text(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}
