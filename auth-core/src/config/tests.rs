//! The configuration's tests.

use super::*;

#[test]
fn defaults_match_the_design() {
    let c = AuthConfig::default();
    assert_eq!(c.login_url, "/login");
    assert_eq!(c.signup_url, "/register");
    assert_eq!(c.password_reset_url, "/password-reset");
    assert_eq!(c.session_absolute_timeout_secs, 604_800);
    assert_eq!(c.session_idle_timeout_secs, 172_800);
    assert_eq!(c.logout_preserve_session_keys, vec!["theme".to_string()]);
    assert_eq!(c.password_min_length, 8);
    assert_eq!(c.login_fields, vec![LoginField::Username]);
    c.validate().unwrap();
}

#[test]
fn toml_round_trip_and_unknown_keys() {
    let c = AuthConfig::from_toml_str(
        "login_fields = [\"username\", \"email\"]\nbrand_text = \"Shop\"",
    )
    .unwrap();
    assert_eq!(
        c.login_fields,
        vec![LoginField::Username, LoginField::Email]
    );
    assert_eq!(c.brand_text, "Shop");
    let err = AuthConfig::from_toml_str("login_ulr = \"/x\"").unwrap_err();
    assert!(err.to_string().contains("login_ulr"), "{err}");
    let err = AuthConfig::from_toml_str("password_min_length = \"eight\"").unwrap_err();
    assert!(err.to_string().contains("password_min_length"), "{err}");
    assert!(AuthConfig::from_toml_str("login_fields = []").is_err());
    assert!(AuthConfig::from_toml_str("login_url = \"javascript:alert(1)\"").is_err());
}

#[test]
fn env_overrides_by_type() {
    let env = |k: &str| match k {
        "AUTH_LOGIN_URL" => Some("/signin".to_string()),
        "AUTH_SIGNUP_ENABLED" => Some("false".to_string()),
        "AUTH_PASSWORD_MIN_LENGTH" => Some("12".to_string()),
        "AUTH_LOGIN_FIELDS" => Some("username, email".to_string()),
        "AUTH_SITE_ORIGIN" => Some("https://example.com".to_string()),
        _ => None,
    };
    let c = AuthConfig::default().with_overrides_from(env).unwrap();
    assert_eq!(c.login_url, "/signin");
    assert!(!c.signup_enabled);
    assert_eq!(c.password_min_length, 12);
    assert_eq!(
        c.login_fields,
        vec![LoginField::Username, LoginField::Email]
    );
    assert_eq!(c.site_origin.as_deref(), Some("https://example.com"));

    let bad = |k: &str| (k == "AUTH_SIGNUP_ENABLED").then(|| "maybe".to_string());
    let err = AuthConfig::default().with_overrides_from(bad).unwrap_err();
    assert!(err.to_string().contains("AUTH_SIGNUP_ENABLED"), "{err}");
    let bad = |k: &str| (k == "AUTH_LOGIN_FIELDS").then(|| "phone".to_string());
    assert!(AuthConfig::default().with_overrides_from(bad).is_err());
}

#[test]
fn the_secret_is_redacted_but_overrides_keep_it() {
    let c = AuthConfig {
        secret_key: "super-secret-value".into(),
        ..AuthConfig::default()
    };
    assert!(!format!("{c:?}").contains("super-secret-value"));
    assert!(format!("{c:?}").contains("<redacted>"));
    let toml = toml::to_string(&c).unwrap();
    assert!(!toml.contains("super-secret-value"), "{toml}");
    // Environment overrides round-trip through serialization: the real secret survives.
    let c2 = c
        .clone()
        .with_overrides_from(|k| (k == "AUTH_BRAND_TEXT").then(|| "Shop".to_string()))
        .unwrap();
    assert_eq!(c2.secret_key, "super-secret-value");
    let c3 = AuthConfig::default()
        .with_overrides_from(|k| (k == "AUTH_SECRET_KEY").then(|| "from-env".to_string()))
        .unwrap();
    assert_eq!(c3.secret_key, "from-env");
}

#[test]
fn client_ip_counts_trusted_proxies_from_the_right() {
    let peer: Option<std::net::IpAddr> = Some("10.0.0.9".parse().unwrap());
    let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
    let xff = AuthConfig {
        client_ip_header: Some("x-forwarded-for".into()),
        ..AuthConfig::default()
    };
    assert_eq!(
        xff.client_ip(peer, |_| Some("1.1.1.1, 2.2.2.2")),
        ip("2.2.2.2")
    );
    assert_eq!(xff.client_ip(peer, |_| None), peer);
    assert_eq!(xff.client_ip(peer, |_| Some("nonsense")), peer);
    assert_eq!(xff.client_ip(peer, |_| Some("")), peer);
    assert_eq!(
        xff.client_ip(peer, |_| Some("[2001:db8::1]:443")),
        ip("2001:db8::1")
    );
    let two = AuthConfig {
        trusted_proxies: 2,
        ..xff.clone()
    };
    assert_eq!(
        two.client_ip(peer, |_| Some("6.6.6.6, 1.1.1.1, 2.2.2.2")),
        ip("1.1.1.1")
    );
    assert_eq!(
        two.client_ip(peer, |_| Some("2.2.2.2")),
        peer,
        "fewer entries than proxies"
    );
    let fwd = AuthConfig {
        client_ip_header: Some("forwarded".into()),
        ..AuthConfig::default()
    };
    assert_eq!(
        fwd.client_ip(peer, |_| Some(
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https"
        )),
        ip("2001:db8::7")
    );
    assert_eq!(fwd.client_ip(peer, |_| Some("for=_hidden")), peer);
    assert!(
        AuthConfig {
            trusted_proxies: 0,
            ..AuthConfig::default()
        }
        .validate()
        .is_err()
    );
}

#[test]
fn production_mode_lists_every_problem() {
    let c = AuthConfig {
        production: true,
        ..AuthConfig::default()
    };
    let err = c.validate().unwrap_err().to_string();
    assert!(
        err.contains("secret_key is empty") && err.contains("site_origin is not set"),
        "{err}"
    );
    let c = AuthConfig {
        production: true,
        secret_key: "x".repeat(40),
        site_origin: Some("https://shop.example".into()),
        session_cookie_secure: true,
        ..AuthConfig::default()
    };
    c.validate().unwrap();
    assert!(
        AuthConfig {
            site_origin: Some("shop.example".into()),
            ..AuthConfig::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        AuthConfig {
            csrf_trusted_origins: vec!["https://a.example/path".into()],
            ..AuthConfig::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        AuthConfig {
            csrf_exempt_paths: vec!["hooks".into()],
            ..AuthConfig::default()
        }
        .validate()
        .is_err()
    );
}

#[test]
fn host_prefix_implies_secure() {
    let c = AuthConfig {
        session_cookie_host_prefix: true,
        ..AuthConfig::default()
    };
    assert_eq!(c.cookie_name(), "__Host-sessionid");
    assert!(c.cookie_secure());
}

#[test]
fn every_top_level_setting_is_overridable_from_the_environment() {
    let keys: Vec<&str> = AuthConfig::keys().collect();
    assert!(keys.len() >= 45, "{keys:?}");
    for k in [
        "login_url",
        "secret_key",
        "site_origin",
        "password_hash_idle_priority",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
    assert!(!keys.contains(&"messages") && !keys.contains(&"field_names"));
    // Each key is a real field: setting it through the environment changes the config.
    let toml::Value::Table(defaults) = toml::Value::try_from(AuthConfig::default()).unwrap() else {
        unreachable!()
    };
    for k in &keys {
        assert!(
            defaults.contains_key(*k)
                || matches!(*k, "brand_icon_src" | "site_origin" | "client_ip_header"),
            "{k} is not a field"
        );
    }
}
