//! A user's crate outside this workspace depends on `auth-axum` with `sqlite` (and nothing else
//! of the toolkit) by a path under a folder named
//! `packages/` (the word the old manifest reader mistook for a `package = ` rename) and runs a
//! guarded handler: the macros find `auth_core` through the adapter, and the guard answers.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn a_crate_depending_on_auth_axum_under_packages_builds_and_guards() {
    let root = workspace();
    let dir = std::env::temp_dir().join(format!("auth-scratch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("app/src")).unwrap();
    // `packages` is the user's folder of vendored crates: here, this workspace.
    std::os::unix::fs::symlink(&root, dir.join("packages")).unwrap();
    std::fs::write(
        dir.join("app/Cargo.toml"),
        r#"[package]
name = "scratch-app"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
auth-axum = { path = "../packages/auth-axum", features = ["sqlite"] }
axum = { version = "0.8", default-features = false, features = ["tokio", "http1"] }
tokio = { version = "1", default-features = false, features = ["rt", "macros", "net", "io-util"] }

[workspace]
"#,
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/scratch/main.rs"),
        dir.join("app/src/main.rs"),
    )
    .unwrap();
    // The same versions as this workspace, so nothing new is downloaded.
    std::fs::copy(root.join("Cargo.lock"), dir.join("app/Cargo.lock")).unwrap();

    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.join("app/Cargo.toml"))
        .env(
            "CARGO_TARGET_DIR",
            root.join("target/tests/packages-scratch"),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the scratch crate did not build or run:\n{stderr}\n{stdout}"
    );
    assert!(
        stdout.contains("sqlite: true"),
        "the user registered through the service is in the SQLite store: {stdout}"
    );
    assert!(
        stdout.contains("publish: HTTP/1.1 401"),
        "anonymous JSON request to the permission-guarded route: {stdout}"
    );
    assert!(
        stdout.contains("json: HTTP/1.1 401"),
        "anonymous JSON request: {stdout}"
    );
    assert!(
        stdout.contains("html: HTTP/1.1 303 See Other /login?next=%2Fsecret")
            || stdout.contains("html: HTTP/1.1 303 See Other /login?next=/secret"),
        "anonymous browser request: {stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
