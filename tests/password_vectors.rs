//! `password::verify` against every row of the shared password-hash vectors (passlib and
//! Django hashes made by the real Python libraries; copied from `shared/vectors/`).

use auth_core::password;

#[test]
fn every_vector_row() {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("vectors/password-hashes.json")).expect("vectors parse");
    assert_eq!(rows.len(), 41);
    // The slow rows (Django's PBKDF2 at 1M iterations, argon2 at 100 MiB) run on both cores.
    let half = rows.len().div_ceil(2);
    let rows_ref = &rows;
    let results: Vec<(usize, Result<bool, password::PasswordError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = rows_ref
            .chunks(half)
            .enumerate()
            .map(|(c, chunk)| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let pw = r["password"].as_str().unwrap();
                            let enc = r["encoded"].as_str().unwrap();
                            (c * half + i, password::verify(pw, enc))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let (mut valid, mut invalid, mut malformed) = (0, 0, 0);
    for (i, got) in results {
        let r = &rows[i];
        let what = format!(
            "row {i} {} {}: {}",
            r["system"],
            r["algorithm"],
            r.get("note").and_then(|n| n.as_str()).unwrap_or("")
        );
        if r["valid"] == true {
            assert_eq!(got, Ok(true), "{what}");
            valid += 1;
        } else if r.get("malformed") == Some(&serde_json::Value::Bool(true)) {
            assert!(
                got != Ok(true),
                "{what}: a malformed hash must never verify"
            );
            malformed += 1;
        } else {
            assert_eq!(got, Ok(false), "{what}");
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid, malformed), (19, 17, 5));
}

#[test]
fn verified_legacy_formats_need_rehash_and_argon2id_defaults_do_not() {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("vectors/password-hashes.json")).unwrap();
    for r in rows.iter().filter(|r| r["valid"] == true) {
        let enc = r["encoded"].as_str().unwrap();
        // argon2-cffi's defaults (64 MiB, t=3, p=4) are stronger than ours: no rehash needed.
        let expected = r["algorithm"] != "argon2id";
        assert_eq!(password::needs_rehash(enc), expected, "{enc}");
    }
    assert!(!password::needs_rehash(&password::hash("x").unwrap()));
}

#[test]
fn malformed_rows_are_errors_not_false() {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("vectors/password-hashes.json")).unwrap();
    for r in rows
        .iter()
        .filter(|r| r.get("malformed") == Some(&serde_json::Value::Bool(true)))
    {
        let enc = r["encoded"].as_str().unwrap();
        let got = password::verify(r["password"].as_str().unwrap(), enc);
        if r["algorithm"] == "unusable" {
            assert_eq!(
                got,
                Ok(false),
                "the unusable marker is a known format that never verifies"
            );
        } else {
            assert!(got.is_err(), "{enc}: {got:?}");
        }
    }
}

#[test]
fn check_format_agrees_with_verify_without_hashing() {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("vectors/password-hashes.json")).unwrap();
    for r in &rows {
        let enc = r["encoded"].as_str().unwrap();
        let malformed = r.get("malformed") == Some(&serde_json::Value::Bool(true));
        let got = password::check_format(enc);
        if malformed && r["algorithm"] != "unusable" {
            assert!(got.is_err(), "{enc}");
        } else {
            assert!(got.is_ok(), "{enc}: {got:?}");
        }
    }
}
