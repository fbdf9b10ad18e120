//! The bring-your-own-users app as a real process over HTTP: its users live in its own table
//! (UUID ids), the toolkit reads them, logs them in through the JSON API, and the app's
//! handlers get its own user type back.

use auth_tests::blackbox::{api_csrf, api_login};
use auth_tests::server::{Browser, Server};

const BIN: &str = env!("CARGO_BIN_EXE_byo-users");
const PW: &str = "correct horse battery";

async fn with_ann() -> Server {
    let s = Server::start(BIN).await;
    s.admin(&[
        "adduser",
        "--email",
        "Ann@Example.com",
        "--name",
        "Ann <Example>",
        "--tenant",
        "7",
        "--password",
        PW,
    ])
    .await;
    s
}

#[tokio::test]
async fn login_through_the_json_api_and_read_the_apps_own_user() {
    let s = with_ann().await;
    // Anonymous: pages go to the front end's login form, the API answers 401.
    let mut page = Browser::new(&s);
    let r = page.get("/dashboard").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/?next=/dashboard"));
    let mut b = Browser::api(&s);
    assert_eq!(b.get("/api/whoami").await.status, 401);

    let token = api_csrf(&mut b).await;
    assert_eq!(
        api_login(&mut b, &token, "ann@example.com", "wrong")
            .await
            .status,
        401
    );
    let ok = api_login(&mut b, &token, "ANN@example.com", PW).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let user = ok.json();
    let id = user["id"].as_str().expect("a UUID id, as a string");
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        user["last_login"].is_null(),
        "a read-only store records no last_login"
    );

    // The app's own fields, typed, without a second lookup in the handler.
    let who = b.get("/api/whoami").await;
    assert_eq!(who.status, 200, "{}", who.body);
    let who = who.json();
    assert_eq!(who["display_name"], "Ann <Example>");
    assert_eq!(who["tenant_id"], 7);
    assert_eq!(who["id"], id);
    assert!(who.get("password_hash").is_none());
    let dash = b.get("/dashboard").await;
    assert_eq!(dash.status, 200);
    assert!(
        dash.body.contains("Welcome, Ann &lt;Example&gt;"),
        "{}",
        dash.body
    );
    assert!(dash.body.contains("Tenant 7"));

    // Permissions come from the app's table, read on each request.
    assert_eq!(b.get("/invoices").await.status, 403);
    s.admin(&[
        "grant",
        "--email",
        "ann@example.com",
        "--permission",
        "billing.view_invoices",
    ])
    .await;
    let inv = b.get("/invoices").await;
    assert_eq!(inv.status, 200, "{}", inv.body);
    assert_eq!(inv.json()["tenant_id"], 7);

    // The app changes the password in its own table: the session bound to the old hash ends.
    s.admin(&[
        "setpassword",
        "--email",
        "ann@example.com",
        "--password",
        "another long one",
    ])
    .await;
    assert_eq!(b.get("/api/whoami").await.status, 401);
    let token = api_csrf(&mut b).await;
    assert_eq!(
        api_login(&mut b, &token, "ann@example.com", PW)
            .await
            .status,
        401
    );
    assert_eq!(
        api_login(&mut b, &token, "ann@example.com", "another long one")
            .await
            .status,
        200
    );
    // Deactivated in the app's table: anonymous on the next request, and no new login.
    s.admin(&["deactivate", "--email", "ann@example.com"]).await;
    assert_eq!(b.get("/api/whoami").await.status, 401);
    let token = api_csrf(&mut b).await;
    assert_eq!(
        api_login(&mut b, &token, "ann@example.com", "another long one")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_forged_ids_are_anonymous() {
    let s = with_ann().await;
    let mut b = Browser::api(&s);
    let token = api_csrf(&mut b).await;
    assert_eq!(
        api_login(&mut b, &token, "ann@example.com", PW)
            .await
            .status,
        200
    );
    let session = b.session().unwrap();
    let fresh = api_csrf(&mut b).await;
    let out = b
        .request(
            "POST",
            "/api/auth/logout",
            None,
            vec![],
            &[("x-csrftoken", &fresh)],
        )
        .await;
    assert_eq!(out.status, 204);
    let mut replay = Browser::api(&s);
    replay.jar.insert("sessionid".into(), session);
    assert_eq!(replay.get("/api/whoami").await.status, 401);
    for forged in [
        "x",
        "../../etc",
        &"A".repeat(4000),
        "u:00000000-0000-0000-0000-000000000000",
    ] {
        let mut f = Browser::api(&s);
        f.jar.insert("sessionid".into(), forged.to_owned());
        assert_eq!(f.get("/api/whoami").await.status, 401, "{forged}");
    }
    // The front end itself is served to anyone.
    let home = Browser::new(&s).get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("X-CSRFToken") || home.body.contains("doc.header"));
}
