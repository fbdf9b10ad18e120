//! The account endpoints of the JSON API: change the password, list and end sessions, delete
//! the account.

use super::{ApiRequest, ApiResponse, json_body};
use crate::config::AuthConfig;
use crate::error::{AuthError, StoreError};
use crate::http::request::AuthHandle;
use crate::service::{AccountFormError, PasswordChangeError};
use crate::validators::FormErrors;

#[derive(serde::Deserialize)]
struct PasswordChange {
    old_password: String,
    new_password: String,
    confirm_password: String,
}

#[derive(serde::Deserialize)]
struct DeleteAccount {
    password: String,
}

#[derive(serde::Deserialize)]
struct EndSession {
    #[serde(default)]
    handle: Option<String>,
    #[serde(default)]
    others: bool,
}

fn unauthenticated(cfg: &AuthConfig) -> ApiResponse {
    ApiResponse::error(401, "unauthenticated", &cfg.messages.login_required)
}

/// The JSON body of a logged-in user's request, or the answer that refuses it (`401` first).
fn signed_in_body<T: serde::de::DeserializeOwned>(
    auth: &AuthHandle,
    req: &ApiRequest<'_>,
    cfg: &AuthConfig,
    hint: &str,
) -> Result<T, ApiResponse> {
    if !auth.is_authenticated() {
        return Err(unauthenticated(cfg));
    }
    json_body(auth, req, cfg, hint)
}

/// The answer for a failed sessions call: a store that cannot list sessions is `501`.
fn sessions_error(e: &AuthError, cfg: &AuthConfig) -> ApiResponse {
    match e {
        AuthError::Store(StoreError::Unsupported { .. }) => {
            ApiResponse::error(501, "not_supported", &cfg.messages.sessions_unsupported)
        }
        e => ApiResponse::for_auth_error(e, cfg),
    }
}

pub(super) async fn password_change(
    auth: &mut AuthHandle,
    req: &ApiRequest<'_>,
    cfg: &AuthConfig,
) -> ApiResponse {
    let hint = "send {\"old_password\": \"...\", \"new_password\": \"...\", \"confirm_password\": \"...\"}";
    let body: PasswordChange = match signed_in_body(auth, req, cfg, hint) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match auth
        .change_password(
            &body.old_password,
            &body.new_password,
            &body.confirm_password,
        )
        .await
    {
        Ok(()) => ApiResponse::json(
            200,
            &serde_json::json!({
                "changed": true,
                "other_sessions_kept": cfg.password_change_keeps_other_sessions,
            }),
        ),
        Err(PasswordChangeError::Invalid(errors)) => invalid(&errors),
        Err(PasswordChangeError::Auth(e)) => ApiResponse::for_auth_error(&e, cfg),
    }
}

/// `400 invalid` with the form's first message and every field's.
fn invalid(errors: &FormErrors) -> ApiResponse {
    let message = errors
        .fields
        .values()
        .flatten()
        .chain(&errors.form)
        .next()
        .cloned()
        .unwrap_or_default();
    ApiResponse::json(
        400,
        &serde_json::json!({
            "error": "invalid",
            "message": message,
            "fields": errors.fields,
        }),
    )
}

pub(super) async fn delete_account(
    auth: &mut AuthHandle,
    req: &ApiRequest<'_>,
    cfg: &AuthConfig,
) -> ApiResponse {
    let body: DeleteAccount = match signed_in_body(auth, req, cfg, "send {\"password\": \"...\"}") {
        Ok(b) => b,
        Err(r) => return r,
    };
    match auth.delete_account(&body.password).await {
        Ok(()) => ApiResponse::json(
            200,
            &serde_json::json!({ "deleted": true, "mode": cfg.account_deletion }),
        ),
        Err(AccountFormError::Invalid(errors)) => invalid(&errors),
        Err(AccountFormError::Auth(AuthError::Store(e @ StoreError::Unsupported { .. }))) => {
            // A user store that cannot delete (or deactivate): say so, not "try later".
            ApiResponse::error(501, "not_supported", &e.to_string())
        }
        Err(AccountFormError::Auth(e)) => ApiResponse::for_auth_error(&e, cfg),
    }
}

pub(super) async fn sessions(auth: &AuthHandle, cfg: &AuthConfig) -> ApiResponse {
    if !auth.is_authenticated() {
        return unauthenticated(cfg);
    }
    match auth.sessions().await {
        Ok(list) => ApiResponse::json(200, &serde_json::json!({ "sessions": list })),
        Err(e) => sessions_error(&e, cfg),
    }
}

pub(super) async fn end_session(
    auth: &mut AuthHandle,
    req: &ApiRequest<'_>,
    cfg: &AuthConfig,
) -> ApiResponse {
    let hint = "send {\"handle\": \"...\"} or {\"others\": true}";
    let body: EndSession = match signed_in_body(auth, req, cfg, hint) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ended = match (body.handle.as_deref(), body.others) {
        (Some(handle), false) => match auth.end_session(handle).await {
            Ok(true) => Ok(1),
            Ok(false) => {
                return ApiResponse::error(404, "not_found", &cfg.messages.session_not_found);
            }
            Err(e) => Err(e),
        },
        (None, true) => auth.end_other_sessions().await,
        _ => return ApiResponse::error(400, "bad_request", hint),
    };
    match ended {
        Ok(n) => ApiResponse::json(200, &serde_json::json!({ "ended": n })),
        Err(e) => sessions_error(&e, cfg),
    }
}
