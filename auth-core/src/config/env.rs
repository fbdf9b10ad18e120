//! Overrides from the environment: `AUTH_<KEY>` for every top-level key, the key list derived
//! from the struct itself (so a new setting is overridable the day it is added).

use serde::Deserialize;

use super::{AuthConfig, ConfigError};

impl AuthConfig {
    /// Applies `AUTH_<KEY>` environment variables over `self`, for every top-level key
    /// (for example `AUTH_LOGIN_URL=/signin`, `AUTH_SIGNUP_ENABLED=false`,
    /// `AUTH_LOGIN_FIELDS=username,email`). Messages stay TOML-only.
    pub fn with_env_overrides(self) -> Result<Self, ConfigError> {
        self.with_overrides_from(|key| std::env::var(key).ok())
    }

    /// [`with_env_overrides`](Self::with_env_overrides) with a custom lookup (handy in tests).
    pub fn with_overrides_from(
        self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let toml::Value::Table(mut table) =
            toml::Value::try_from(&self).map_err(|e| ConfigError::Invalid(e.to_string()))?
        else {
            unreachable!("a struct serializes to a table")
        };
        // Serialization redacts the secret; put the real one back.
        table.insert(
            "secret_key".into(),
            toml::Value::String(self.secret_key.clone()),
        );
        table.insert(
            "secret_key_fallbacks".into(),
            toml::Value::Array(
                self.secret_key_fallbacks
                    .iter()
                    .cloned()
                    .map(toml::Value::String)
                    .collect(),
            ),
        );
        let keys: Vec<String> = Self::keys().map(str::to_owned).collect();
        for key in keys {
            let var = format!("AUTH_{}", key.to_ascii_uppercase());
            let Some(raw) = lookup(&var) else { continue };
            let value = override_value(&key, &raw).map_err(|reason| ConfigError::Env {
                var: var.clone(),
                reason,
            })?;
            table.insert(key, value);
        }
        let cfg: AuthConfig = toml::Value::Table(table).try_into()?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Code, then `AUTH_CONFIG` (a TOML file) if set, then `AUTH_*` overrides.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_over(Self::default())
    }

    /// [`from_env`](Self::from_env) starting from `base` instead of the defaults (an
    /// `AUTH_CONFIG` file, when set, replaces `base`).
    ///
    /// ```
    /// use auth_core::AuthConfig;
    /// let base = AuthConfig { sessions_page_enabled: true, ..AuthConfig::default() };
    /// assert!(AuthConfig::from_env_over(base).unwrap().sessions_page_enabled);
    /// ```
    pub fn from_env_over(base: AuthConfig) -> Result<Self, ConfigError> {
        let base = match std::env::var("AUTH_CONFIG") {
            Ok(path) if !path.is_empty() => Self::from_toml_file(path)?,
            _ => base,
        };
        let mut cfg = base.with_env_overrides()?;
        if std::env::var("AUTH_ENV").is_ok_and(|v| v.eq_ignore_ascii_case("production")) {
            cfg.production = true;
        }
        Ok(cfg)
    }

    /// The top-level keys an `AUTH_<KEY>` variable can set: every field of the struct, as
    /// serde knows them, except the two tables (`messages`, `field_names`), which stay
    /// TOML-only.
    pub(super) fn keys() -> impl Iterator<Item = &'static str> {
        struct_fields::<AuthConfig>()
            .iter()
            .copied()
            .filter(|k| !matches!(*k, "messages" | "field_names"))
    }
}

fn override_value(key: &str, raw: &str) -> Result<toml::Value, String> {
    use toml::Value;
    let defaults = toml::Value::try_from(AuthConfig::default()).map_err(|e| e.to_string())?;
    let sample = defaults.get(key);
    Ok(match (key, sample) {
        ("brand_icon_src" | "site_origin" | "client_ip_header" | "secret_key", _) => {
            Value::String(raw.to_owned())
        }
        (_, Some(Value::Boolean(_))) => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::Boolean(true),
            "0" | "false" | "no" | "off" => Value::Boolean(false),
            _ => return Err(format!("expected true or false, got {raw:?}")),
        },
        (_, Some(Value::Integer(_))) => Value::Integer(
            raw.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("expected a non-negative integer, got {raw:?}"))?,
        ),
        (_, Some(Value::Array(_))) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        _ => Value::String(raw.to_owned()),
    })
}

/// The field names of a struct as its derived `Deserialize` declares them: asked of a
/// deserializer that only records them.
fn struct_fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Fields<'a>(&'a mut &'static [&'static str]);

    impl<'de> de::Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut fields));
    fields
}
