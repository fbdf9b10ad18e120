//! Compile-time behaviour of the guard macros (trybuild). `fail/` cases must not compile and
//! their errors must match the `.stderr` files; `pass/` cases must compile.
//! Regenerate the expected errors with `TRYBUILD=overwrite cargo test -p auth-tests --test ui`.
//! Compiler output drifts between releases: these were recorded with rustc 1.95.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
