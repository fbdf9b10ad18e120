//! The actix-web example and the axum example answer the same script identically (status,
//! headers, cookies, redirects, bodies); only framework-chosen headers may differ.

#[tokio::test]
async fn actix_and_axum_examples_answer_identically() {
    let actix = env!("CARGO_BIN_EXE_local-auth-actix");
    let axum = std::path::Path::new(actix).with_file_name("local-auth-axum");
    assert!(
        axum.exists(),
        "{} is missing: run `cargo test --workspace` (which builds both examples) or `cargo build -p local-auth-axum` first",
        axum.display()
    );
    auth_tests::parity::compare(axum.to_str().unwrap(), actix).await;
}
