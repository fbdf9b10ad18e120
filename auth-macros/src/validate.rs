//! Phase 2: the rules, in one place. Each error points at the token at fault and says what to
//! write instead; all of them are reported together (`syn::Error::combine`). Which parameter
//! is the auth context is `context`'s part of this phase.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{ReturnType, Signature};

use crate::args;
use crate::context::{self, Context};
use crate::item::GuardFn;
use crate::model::{Guard, Kind, Layer, Outer, Page, Shared, Stack, text};

/// What validation hands to the expansion.
pub(crate) struct Checked {
    /// The stack's shared options, merged.
    pub(crate) shared: Shared,
    /// Where the guards get their context; `None` for a `#[page]` without guards.
    pub(crate) context: Option<Context>,
}

/// Collected errors.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn check(&mut self, r: syn::Result<()>) {
        if let Err(e) = r {
            self.push(e);
        }
    }
}

pub(crate) fn stack(stack: &Stack, func: &GuardFn) -> syn::Result<Checked> {
    let mut errors = Errors::default();
    for layer in &stack.layers {
        match layer {
            Layer::Guard(g) => guard(g, &mut errors),
            Layer::Page(p) => page(p, &mut errors),
        }
    }
    for stray in &stack.strays {
        let other = text(stray.after.path());
        errors.push(syn::Error::new_spanned(
            &stray.attr,
            format!(
                "#[{}] is cut off from #[{}] above it by #[{other}]: a guard stack expands as one, so put the guard attributes together, above #[{other}]",
                text(stray.attr.path()),
                stray.above,
            ),
        ));
    }
    for extra in stack.pages().skip(1) {
        errors.push(extra.site.error(
            "#[page] is given twice: a handler has one route (for another, write another handler that calls this one)",
        ));
    }
    let shared = merge(stack, &mut errors);
    let page = stack.pages().next().is_some();
    let mut context = None;
    if let Some(first) = stack.guards().next() {
        let name = first.kind.name();
        errors.check(function(stack.outer, Some(name), func, page));
        match context::find(name, &func.sig, &shared) {
            Ok(found) => {
                // With a page, `function` has refused a method already.
                if matches!(found, Context::Http { .. }) && !page {
                    errors.check(refuse_in_impl(name, func));
                }
                context = Some(found);
            }
            Err(e) => errors.push(e),
        }
    } else {
        errors.check(function(stack.outer, None, func, page));
    }
    match errors.0 {
        Some(e) => Err(e),
        None => Ok(Checked { shared, context }),
    }
}

/// One guard's own rules.
fn guard(g: &Guard, errors: &mut Errors) {
    let kind = g.kind;
    let mut own = Errors::default();
    if let Some(s) = g.strings.first()
        && !kind.takes_strings()
    {
        own.push(syn::Error::new(
            s.span(),
            format!(
                "#[{}] takes no strings; for permissions use #[permission_required(\"app.codename\")], for groups #[group_required(\"Name\")]",
                kind.name()
            ),
        ));
    }
    // Permissions are checked by `auth_core`'s own rule, in the `const` the expansion emits.
    if kind == Kind::Group {
        for s in g.strings.iter().filter(|s| s.value().trim().is_empty()) {
            own.push(syn::Error::new(s.span(), "a group name cannot be empty"));
        }
    }
    match (&g.any, kind) {
        (None, _) | (Some(_), Kind::Perm) => {}
        (Some(id), Kind::Group) => own.push(syn::Error::new(
            id.span(),
            "#[group_required] already passes with any one of its groups; `any` is for #[permission_required]",
        )),
        (Some(id), _) => own.push(args::unknown(kind, id)),
    }
    if let Some(lit) = &g.redirect {
        own.check(redirect(lit));
    }
    // Only when nothing else is wrong with the attribute: it may be the cause.
    if own.0.is_none() && kind.takes_strings() && g.strings.is_empty() {
        let what = if kind == Kind::Perm {
            "at least one permission, e.g. #[permission_required(\"blog.publish_post\")]"
        } else {
            "at least one group name, e.g. #[group_required(\"Editors\")]"
        };
        own.push(g.site.error(format!("#[{}] needs {what}", kind.name())));
    }
    if let Some(e) = own.0 {
        errors.push(e);
    }
}

fn redirect(lit: &syn::LitStr) -> syn::Result<()> {
    let v = lit.value();
    if v.chars().any(|c| c.is_control() || c == '\\') {
        return Err(syn::Error::new(
            lit.span(),
            "`redirect` cannot contain control characters or backslashes (browsers read `/\\host` as another site)",
        ));
    }
    if !(v.starts_with('/') || v.starts_with("https://") || v.starts_with("http://"))
        || v.starts_with("//")
    {
        return Err(syn::Error::new(
            lit.span(),
            "`redirect` must be a path starting with `/` (or an http(s) URL)",
        ));
    }
    Ok(())
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

fn page(p: &Page, errors: &mut Errors) {
    match &p.route {
        None => errors.push(p.site.error("#[page] needs `route = \"/path\"`")),
        Some(s) if !s.value().starts_with('/') || s.value().contains(char::is_whitespace) => {
            errors.push(syn::Error::new(
                s.span(),
                "a route starts with `/` and has no spaces",
            ));
        }
        Some(_) => {}
    }
    if let Some(m) = &p.method
        && !METHODS.contains(&m.value().to_ascii_uppercase().as_str())
    {
        errors.push(syn::Error::new(
            m.span(),
            format!("method must be one of {}", METHODS.join(", ")),
        ));
    }
    match (&p.login_flag, &p.first_guard_option) {
        (None, Some(first)) => errors.push(syn::Error::new_spanned(
            first,
            "this option belongs to the login guard: add `login_required` (or put it on a guard attribute of its own)",
        )),
        (Some(_), _) => guard(&p.login, errors),
        (None, None) => {}
    }
}

/// The stack's shared options: each may be given on any of its attributes, and where it is
/// given on several they must agree.
fn merge(stack: &Stack, errors: &mut Errors) -> Shared {
    const WHY: [(&str, &str); 3] = [
        (
            "auth",
            "a guard stack checks one auth context, named once (on any of its guards)",
        ),
        (
            "adapter",
            "a guard stack checks one auth context, of one adapter type (given once, on any of its guards)",
        ),
        (
            "crate",
            "a stack expands once, through one `auth_core` path (given once, on any of its attributes)",
        ),
    ];
    let mut merged = Shared::default();
    // Where each option was first given: the attribute's name and the value as written.
    let mut first: [Option<(&'static str, String)>; 3] = Default::default();
    for layer in &stack.layers {
        let (name, shared) = match layer {
            Layer::Guard(g) => (g.kind.name(), &g.shared),
            Layer::Page(p) => ("page", &p.login.shared),
        };
        let given = [
            shared.auth.as_ref().map(ToTokens::to_token_stream),
            shared.adapter.as_ref().map(ToTokens::to_token_stream),
            shared.krate.as_ref().map(ToTokens::to_token_stream),
        ];
        for ((slot, value), (key, why)) in first.iter_mut().zip(given).zip(WHY) {
            let Some(value) = value else { continue };
            let written = text(&value);
            match slot {
                None => *slot = Some((name, written)),
                Some((above, old)) if *old != written => errors.push(syn::Error::new_spanned(
                    value,
                    format!("`{key} = {written}` differs from `{key} = {old}` on #[{above}] above: {why}"),
                )),
                Some(_) => {}
            }
        }
        merged.auth = merged.auth.or_else(|| shared.auth.clone());
        merged.adapter = merged.adapter.or_else(|| shared.adapter.clone());
        merged.krate = merged.krate.or_else(|| shared.krate.clone());
        merged.service = merged.service.or_else(|| shared.service.clone());
    }
    merged
}

/// Whether the function is one the stack can wrap: a body, `async`, not `const`; for
/// `#[page]` also not generic and not a method. The first refusal is reported, in the words
/// of the attribute being expanded (`guard` names the first guard, if there is one).
fn function(outer: Outer, guard: Option<&str>, f: &GuardFn, page: bool) -> syn::Result<()> {
    if let Some(guard) = guard
        && f.body.is_none()
    {
        return Err(syn::Error::new(
            f.sig.ident.span(),
            format!(
                "#[{guard}] needs a function with a body; on a trait, guard the method in each `impl` (or the default body), not the declaration"
            ),
        ));
    }
    if guard.is_some()
        && let Some(c) = &f.sig.constness
    {
        return Err(syn::Error::new(
            c.span(),
            "a guarded function cannot be `const`: its check reads the session at run time",
        ));
    }
    if f.sig.asyncness.is_none() {
        let guard = match (outer, guard) {
            (Outer::Guard(_), Some(guard)) => guard,
            _ => {
                return Err(syn::Error::new_spanned(
                    f.sig.fn_token,
                    "#[page] goes on an `async fn` handler; add `async`",
                ));
            }
        };
        if returns_boxed_future(&f.sig) {
            return Err(syn::Error::new(
                f.sig.ident.span(),
                format!(
                    "#[{guard}] cannot guard a method that `#[async_trait]` has already turned into a fn returning a boxed future; \
                     Rust has `async fn` in traits natively: drop `#[async_trait]` from this impl, or guard a function the method calls"
                ),
            ));
        }
        return Err(syn::Error::new(
            f.sig.fn_token.span(),
            format!("#[{guard}] can only guard an `async fn`; add `async`"),
        ));
    }
    if page && !f.sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &f.sig.generics,
            "a #[page] handler cannot be generic: its route registers one concrete function",
        ));
    }
    if page && is_method(&f.sig) {
        return Err(syn::Error::new(
            f.sig.ident.span(),
            "#[page] goes on a free function (module level): it defines a route type next to the handler, which an `impl` cannot hold",
        ));
    }
    Ok(())
}

/// An HTTP guard emits a policy type beside the function, which an `impl` cannot hold.
fn refuse_in_impl(guard: &str, func: &GuardFn) -> syn::Result<()> {
    if is_method(&func.sig) {
        return Err(syn::Error::new(
            func.sig.ident.span(),
            format!(
                "#[{guard}] on an HTTP handler inside an `impl`: the guard defines a policy type next to the function, \
                 which an `impl` block cannot hold; make `{}` a free function (module level), or take the context \
                 by reference (`auth: &Auth`, returning `Result`) for a service-layer check",
                func.sig.ident
            ),
        ));
    }
    Ok(())
}

/// Whether the signature returns `Pin<Box<dyn Future ..>>` (what `#[async_trait]` makes).
fn returns_boxed_future(sig: &Signature) -> bool {
    match &sig.output {
        ReturnType::Type(_, ty) => {
            let text = quote::quote!(#ty).to_string();
            text.contains("Pin") && text.contains("Future")
        }
        ReturnType::Default => false,
    }
}

/// Whether the signature belongs to a method: a receiver, or `Self` anywhere in it.
pub(crate) fn is_method(sig: &Signature) -> bool {
    sig.receiver().is_some() || {
        let text = quote::quote!(#sig).to_string();
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == "Self")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::returns_result;

    fn sig(tokens: proc_macro2::TokenStream) -> Signature {
        syn::parse2(tokens).unwrap()
    }

    #[test]
    fn shapes() {
        use quote::quote;
        assert!(is_method(&sig(quote!(async fn f(&self)))));
        assert!(is_method(&sig(quote!(async fn f(a: Auth) -> Self))));
        assert!(!is_method(&sig(quote!(async fn f(a: Auth) -> SelfTest))));
        assert!(returns_result(&sig(quote!(async fn f() -> io::Result<()>))));
        assert!(returns_result(&sig(quote!(async fn f() -> AppResult<u8>))));
        assert!(!returns_result(&sig(quote!(async fn f() -> String))));
        assert!(returns_boxed_future(&sig(
            quote!(fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>>)
        )));
    }
}
