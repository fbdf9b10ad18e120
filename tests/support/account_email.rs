//! The account-lifecycle pages over real HTTP, on an app that runs with
//! `require_email_verification`, `email_change_enabled`, `account_deletion = "delete"`,
//! `login_fields = username,email` and its mail written to [`Site::mail_dir`] (the example
//! apps as [`on_example`](crate::account::on_example) starts them): email verification with
//! "send it again", change of address, and deleting the account, on the pages and the JSON
//! API.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::account::Site;
use crate::blackbox::{PW, api_csrf};
use crate::server::{Browser, Page};

fn browser(site: &Site) -> Browser {
    Browser::at(&site.base, &site.addr)
}

/// Every mail written so far, oldest first.
fn mails(site: &Site) -> Vec<String> {
    crate::server::mails_in(&site.mail_dir)
}

/// The mails to `address` so far.
fn mails_to(site: &Site, address: &str) -> Vec<String> {
    let to = format!("To: {address}");
    mails(site)
        .into_iter()
        .filter(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&to)))
        .collect()
}

/// How many mails `address` has had so far.
fn count(site: &Site, address: &str) -> usize {
    mails_to(site, address).len()
}

/// Waits (up to 5 s) until `address` has had `n` mails, and returns the `n`th.
async fn nth_mail_to(site: &Site, address: &str, n: usize) -> String {
    for _ in 0..250 {
        let got = mails_to(site, address);
        if got.len() >= n {
            return got[n - 1].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no mail #{n} to {address}; mails: {:#?}", mails(site));
}

/// Asserts that `address` has had exactly `n` mails in all, after a moment for stragglers.
async fn mail_count_is(site: &Site, address: &str, n: usize, why: &str) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mails_to(site, address).len(), n, "{why}");
}

/// The link of a mail, as a path on the site.
fn link_in(site: &Site, mail: &str) -> String {
    let start = mail.find("http://").expect("a link in the mail");
    let link = mail[start..].split_whitespace().next().unwrap();
    assert!(
        link.starts_with(&site.base),
        "the link is on the site: {link}"
    );
    link[site.base.len()..].to_owned()
}

/// Opens a mailed confirmation link: the GET shows a button and changes nothing; the
/// button's POST acts. Returns the POST's answer.
async fn confirm(b: &mut Browser, path: &str, button: &str) -> Page {
    let page = b.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(button), "a button: {}", page.body);
    b.post_form(path, &page.form_fields()).await
}

/// Asserts that `r` sends the browser to the login page, follows it, and checks that the page
/// says `text`.
async fn to_login_saying(b: &mut Browser, r: Page, text: &str) -> Page {
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/login")),
        "{}",
        r.body
    );
    let login = b.follow(r).await;
    assert!(
        login.body.contains(text),
        "the login page says {text:?}: {}",
        login.body
    );
    login
}

/// A login form submission.
async fn log_in(b: &mut Browser, login: &str, password: &str) -> Page {
    b.submit("/login", &[("username", login), ("password", password)])
        .await
}

/// The registration form, filled in with password [`PW`] and submitted.
async fn register(b: &mut Browser, name: &str, email: &str) -> Page {
    let fields = [
        ("username", name),
        ("email", email),
        ("password", PW),
        ("confirm_password", PW),
    ];
    b.submit("/register", &fields).await
}

/// Every scenario of this module and of [`crate::account`], in an order that works on one
/// app: `user` and `other` exist with password [`PW`]; the rest register themselves.
pub async fn every_account_page(site: &Site, user: &str, other: &str) {
    use crate::account::{self, fresh_name};
    // The sessions page first: it counts the user's sessions.
    account::sessions_page(site, user, other).await;
    account::remember_me(site, user).await;
    account::password_change(site, user, "a brand new passphrase").await;
    account::password_change_json(site, other, "another new passphrase").await;
    email_verification(site, &fresh_name("verif")).await;
    let (mover, leaver, api_leaver) = (
        fresh_name("mover"),
        fresh_name("leaver"),
        fresh_name("apileaver"),
    );
    for name in [&mover, &leaver, &api_leaver] {
        register_verified(site, name).await;
    }
    email_change(site, &mover, other).await;
    account_delete(site, &leaver).await;
    account_delete_json(site, &api_leaver).await;
}

/// Registers `name` (address `{name}@example.com`, password [`PW`]) and follows the
/// verification link it is mailed, as a new user would; the account can log in afterwards.
pub async fn register_verified(site: &Site, name: &str) {
    let email = format!("{name}@example.com");
    let mut b = browser(site);
    let r = register(&mut b, name, &email).await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/login")),
        "{}",
        r.body
    );
    let mail = nth_mail_to(site, &email, 1).await;
    let r = confirm(&mut b, &link_in(site, &mail), "Verify my email address").await;
    assert_eq!(r.status, 303, "{}", r.body);
}

/// Registration with verification on: the account waits, login says so (only with the right
/// password), "send it again" mails a new link (the same answer for anybody), the link's GET
/// changes nothing, its POST activates the account once, and the JSON login says
/// `email_not_verified` until then.
pub async fn email_verification(site: &Site, name: &str) {
    let email = format!("{name}@example.com");
    let mut b = browser(site);
    let r = register(&mut b, name, &email).await;
    to_login_saying(&mut b, r, "We have emailed you a link").await;
    assert!(
        b.session().is_none() || b.me().await.0 == 401,
        "not logged in"
    );
    let first = nth_mail_to(site, &email, 1).await;
    assert!(
        first.contains("Subject: Verify your email address"),
        "{first}"
    );
    let first_link = link_in(site, &first);
    assert!(first_link.starts_with("/verify-email/"), "{first_link}");

    // Before verification: a wrong password gets the usual answer, the right one says why.
    let wrong = log_in(&mut browser(site), name, "not the password").await;
    // A fresh unknown name: PostgreSQL keeps the failure counters between runs.
    let nobody = crate::account::fresh_name("nobody");
    let unknown = log_in(&mut browser(site), &nobody, "not the password").await;
    assert_eq!(wrong.status, unknown.status);
    assert!(!wrong.body.contains("not verified"), "{}", wrong.body);
    let waiting = log_in(&mut b, name, PW).await;
    assert_eq!(waiting.status, 403, "{}", waiting.body);
    assert!(
        waiting.body.contains("not verified yet"),
        "{}",
        waiting.body
    );
    assert!(
        waiting.body.contains("/verify-email/resend"),
        "{}",
        waiting.body
    );
    assert_eq!(b.me().await.0, 401, "still not logged in");
    let mut api = browser(site);
    let token = api_csrf(&mut api).await;
    let r = crate::blackbox::api_login(&mut api, &token, name, PW).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["error"], "email_not_verified");

    // Send it again: from the not-verified page, and the same answer for nobody.
    let resend = b
        .post_form("/verify-email/resend", &waiting.form_fields())
        .await;
    assert_eq!(resend.status, 200, "{}", resend.body);
    assert!(
        resend.body.contains("we have emailed a new link"),
        "{}",
        resend.body
    );
    let second = nth_mail_to(site, &email, 2).await;
    let mut nobody = browser(site);
    let form = nobody.visit("/login").await.form_fields();
    let mut fields: BTreeMap<String, String> = form;
    fields.insert("identifier".into(), "nobody@example.com".into());
    let r = nobody.post_form("/verify-email/resend", &fields).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("we have emailed a new link"));
    mail_count_is(
        site,
        "nobody@example.com",
        0,
        "no mail for an unknown address",
    )
    .await;

    // The GET of the link shows a button and changes nothing.
    let link = link_in(site, &second);
    let page = browser(site).get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(log_in(&mut browser(site), name, PW).await.status, 403);
    // Its POST activates the account, once; every older link dies with it.
    let mut v = browser(site);
    let r = confirm(&mut v, &link, "Verify my email address").await;
    to_login_saying(&mut v, r, "verified").await;
    for used in [&link, &first_link] {
        let again = browser(site).get(used).await;
        assert!(
            again.body.contains("invalid, expired or already used"),
            "{}",
            again.body
        );
    }
    let r = log_in(&mut browser(site), name, PW).await;
    assert_eq!((r.status, r.location()), (303, Some("/")), "{}", r.body);
    // A forged link is refused.
    let forged = browser(site).get(&format!("{link}x")).await;
    assert!(forged.body.contains("invalid"), "{}", forged.body);
}

/// Change of address: the password again, a link to the new address (an address in use gets
/// the same answer and no mail), the swap when the link's POST comes, a notice to the old
/// address, and login and reset on the new address only.
pub async fn email_change(site: &Site, user: &str, other: &str) {
    let old = format!("{user}@example.com");
    let new = format!("{user}-new@example.com");
    let taken = format!("{other}@example.com");
    let (old_had, taken_had) = (count(site, &old), count(site, &taken));
    let mut b = browser(site);
    let anon = b.get("/email-change").await;
    assert_eq!(anon.status, 303, "anonymous users go to the login page");
    assert!(anon.location().unwrap().starts_with("/login"));
    b.login(user, PW).await;
    let page = b.visit("/email-change").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&old),
        "shows the address in force: {}",
        page.body
    );

    let wrong = b
        .submit(
            "/email-change",
            &[("password", "not it"), ("new_email", &new)],
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.body.contains(&new), "keeps what was typed");
    let bad = b
        .submit(
            "/email-change",
            &[("password", PW), ("new_email", "not an address")],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // Another user's address: the same answer as a free one, and no mail.
    let r = b
        .submit("/email-change", &[("password", PW), ("new_email", &taken)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sent = b.follow(r).await;
    assert!(
        sent.body.contains("We have emailed a link to"),
        "{}",
        sent.body
    );
    mail_count_is(site, &taken, taken_had, "no mail to an address in use").await;

    let r = b
        .submit("/email-change", &[("password", PW), ("new_email", &new)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mail = nth_mail_to(site, &new, 1).await;
    assert!(
        mail.contains("Subject: Confirm your new email address"),
        "{mail}"
    );
    let link = link_in(site, &mail);
    assert!(link.starts_with("/email-change/confirm/"), "{link}");
    // Nothing changed yet: the old address still logs in.
    let mut by_old = browser(site);
    assert_eq!(log_in(&mut by_old, &old, PW).await.status, 303);

    let r = confirm(&mut b, &link, "Use this address").await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/email-change")),
        "{}",
        r.body
    );
    let done = b.follow(r).await;
    assert!(
        done.body
            .contains(&format!("Your email address is now {new}")),
        "{}",
        done.body
    );
    let notice = nth_mail_to(site, &old, old_had + 1).await;
    assert!(notice.contains("was changed to"), "{notice}");
    assert!(notice.contains(&new), "{notice}");

    // Single use; login and reset follow the address in force.
    let again = browser(site).get(&link).await;
    assert!(
        again.body.contains("invalid, expired or already used"),
        "{}",
        again.body
    );
    assert_eq!(log_in(&mut browser(site), &old, PW).await.status, 200);
    let r = log_in(&mut browser(site), &new, PW).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let reset = browser(site)
        .submit("/password-reset", &[("email", &new)])
        .await;
    assert_eq!(reset.status, 303);
    let mail = nth_mail_to(site, &new, 2).await;
    assert!(mail.contains("/password-reset/confirm/"), "{mail}");
    mail_count_is(site, &old, old_had + 1, "no reset mail to the old address").await;
}

/// Delete my account: the password again, then the account is gone, with every session.
pub async fn account_delete(site: &Site, user: &str) {
    let mut b = browser(site);
    assert_eq!(
        b.get("/account/delete").await.status,
        303,
        "anonymous: to the login page"
    );
    b.login(user, PW).await;
    let mut elsewhere = browser(site);
    elsewhere.login(user, PW).await;
    let page = b.visit("/account/delete").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Delete my account"), "{}", page.body);
    let wrong = b.submit("/account/delete", &[("password", "not it")]).await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert_eq!(
        elsewhere.get("/protected").await.status,
        200,
        "nothing ended yet"
    );

    let r = b.submit("/account/delete", &[("password", PW)]).await;
    to_login_saying(&mut b, r, "Your account was deleted").await;
    assert_eq!(b.get("/protected").await.status, 303, "this session ended");
    assert_eq!(
        elsewhere.get("/protected").await.status,
        303,
        "every session ended"
    );
    assert_eq!(
        log_in(&mut browser(site), user, PW).await.status,
        200,
        "gone"
    );
}

/// `POST /api/auth/account/delete`: 401 anonymous, 403 without the token, 400 with a wrong
/// password, 200 and every session gone.
pub async fn account_delete_json(site: &Site, user: &str) {
    let mut api = browser(site);
    let token = api_csrf(&mut api).await;
    let path = "/api/auth/account/delete";
    let body = |pw: &str| {
        serde_json::json!({ "password": pw })
            .to_string()
            .into_bytes()
    };
    let json = Some("application/json");
    let r = api
        .request("POST", path, json, body(PW), &[("x-csrftoken", &token)])
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = crate::blackbox::api_login(&mut api, &token, user, PW).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut elsewhere = browser(site);
    elsewhere.login(user, PW).await;
    let token = api_csrf(&mut api).await;
    let r = api.request("POST", path, json, body(PW), &[]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = api
        .request(
            "POST",
            path,
            json,
            body("not it"),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["fields"]["password"].is_array(), "{}", r.body);
    let r = api
        .request("POST", path, json, body(PW), &[("x-csrftoken", &token)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["deleted"], true);
    assert_eq!(r.json()["mode"], "delete");
    assert_eq!(api.get("/api/auth/me").await.status, 401);
    assert_eq!(elsewhere.get("/protected").await.status, 303);
    let token = api_csrf(&mut api).await;
    let r = crate::blackbox::api_login(&mut api, &token, user, PW).await;
    assert_eq!(r.status, 401, "the account is gone: {}", r.body);
}
