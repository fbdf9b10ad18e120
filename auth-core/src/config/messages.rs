//! [`Messages`] and [`FieldNames`]: every text a user can see, and the form field names.

use serde::{Deserialize, Serialize};

/// Every message a user can see. Override any of them in code or TOML (`[messages]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Messages {
    /// Wrong identifier, wrong password, or inactive account: one message for all three.
    pub invalid_login: String,
    /// Shown by the 401 JSON answer.
    pub login_required: String,
    /// Shown by the 403 page and JSON answer.
    pub permission_denied: String,
    /// Shown by the 503 answer when a store is down.
    pub service_unavailable: String,
    /// Registration: the username is missing.
    pub username_required: String,
    /// Registration: the username has characters other than letters, digits and `@.+-_`.
    pub username_invalid: String,
    /// Registration: the username is longer than 150 characters.
    pub username_too_long: String,
    /// Registration: the email is missing.
    pub email_required: String,
    /// Registration: the email does not look like `name@domain.tld`.
    pub email_invalid: String,
    /// Registration: the username or the email is already in use. One message for both, so
    /// the form does not say which one exists.
    pub account_unavailable: String,
    /// A password shorter than `password_min_length`; `{min}` is replaced.
    pub password_too_short: String,
    /// A password longer than the 4096-byte limit.
    pub password_too_long: String,
    /// The confirmation differs.
    pub password_mismatch: String,
    /// The password is on the common-password list.
    pub password_too_common: String,
    /// The password is all digits.
    pub password_entirely_numeric: String,
    /// The password is too similar to the username or email; `{field}` is replaced.
    pub password_too_similar: String,
    /// Too many failed logins; `{minutes}` is replaced.
    pub login_throttled: String,
    /// Password change: the current password is wrong.
    pub password_incorrect: String,
    /// Login: the "remember me" checkbox.
    pub remember_me_label: String,
    /// Title of the change-password page.
    pub password_change_title: String,
    /// Change password: the current password.
    pub old_password_label: String,
    /// Change password: the new password.
    pub new_password_label: String,
    /// Change password: the button.
    pub password_change_button: String,
    /// Shown after a password change.
    pub password_changed: String,
    /// Shown after a password change that ended other sessions.
    pub password_changed_others_ended: String,
    /// Title of the sessions page.
    pub sessions_title: String,
    /// Sessions page: the text above the list.
    pub sessions_intro: String,
    /// Sessions page: the mark of this device's session.
    pub session_current: String,
    /// Sessions page: the button that ends one session.
    pub session_end_button: String,
    /// Sessions page: the button that ends every other session.
    pub sessions_end_others_button: String,
    /// Shown after ending one session.
    pub session_ended: String,
    /// Shown after ending the other sessions; `{count}` is replaced.
    pub sessions_ended: String,
    /// Ending a session that is not (or no longer) one of the user's.
    pub session_not_found: String,
    /// The session store cannot list a user's sessions.
    pub sessions_unsupported: String,
    /// Title of the email-verification pages.
    pub verify_email_title: String,
    /// Shown after a registration that needs verification.
    pub verify_email_registered: String,
    /// Verification link page: the text above the button.
    pub verify_email_prompt: String,
    /// Verification link page: the button.
    pub verify_email_button: String,
    /// Shown after a verification link was followed.
    pub email_verified: String,
    /// A verification link that is invalid, expired or used.
    pub verify_email_invalid_link: String,
    /// Login with the right password before verification.
    pub email_not_verified: String,
    /// The button that sends the link again.
    pub verify_email_resend_button: String,
    /// Shown after a resend request (the same whether or not one was sent).
    pub verify_email_resent: String,
    /// Subject of the verification mail.
    pub verify_email_subject: String,
    /// Body of the verification mail; `{brand}`, `{username}`, `{link}` are replaced.
    pub verify_email_body: String,
    /// Title of the change-email page.
    pub email_change_title: String,
    /// Change email: the text above the form; `{email}` is the address in force.
    pub email_change_intro: String,
    /// Change email: the new address.
    pub new_email_label: String,
    /// Password re-entry on the change-email and delete-account pages.
    pub current_password_label: String,
    /// Change email: the button.
    pub email_change_button: String,
    /// Shown after a change-email request; `{email}` is the new address.
    pub email_change_sent: String,
    /// Change email: the new address is the one in force.
    pub email_change_same: String,
    /// Change-of-address link page; `{email}` is the new address.
    pub email_change_confirm_prompt: String,
    /// Change-of-address link page: the button.
    pub email_change_confirm_button: String,
    /// Shown after the address was changed; `{email}` is the new address.
    pub email_changed: String,
    /// A change-of-address link that is invalid, expired, used or for an address taken meanwhile.
    pub email_change_invalid_link: String,
    /// Subject of the mail to the new address.
    pub email_change_subject: String,
    /// Body of the mail to the new address; `{brand}`, `{username}`, `{link}` are replaced.
    pub email_change_body: String,
    /// Subject of the notice to the old address.
    pub email_changed_notice_subject: String,
    /// Body of the notice to the old address; `{brand}`, `{username}`, `{email}` (the new address) are replaced.
    pub email_changed_notice_body: String,
    /// Title of the delete-account page.
    pub account_delete_title: String,
    /// Delete account: the warning above the form.
    pub account_delete_intro: String,
    /// Delete account: the button.
    pub account_delete_button: String,
    /// Shown after the account was deleted or deactivated.
    pub account_deleted: String,
    /// Title of the login page.
    pub login_title: String,
    /// Label of the identifier field when it takes a username.
    pub username_label: String,
    /// Label of the identifier field when it takes an email.
    pub email_label: String,
    /// Label of the identifier field when it takes either.
    pub username_or_email_label: String,
    /// Label of password fields.
    pub password_label: String,
    /// Label of password confirmation fields.
    pub confirm_password_label: String,
    /// Login button.
    pub login_button: String,
    /// Title of the registration page.
    pub register_title: String,
    /// Registration button.
    pub register_button: String,
    /// Shown on the login page after a successful registration.
    pub registered_notice: String,
    /// Title of the password reset request page.
    pub password_reset_title: String,
    /// Explains the password reset request form.
    pub password_reset_intro: String,
    /// Password reset request button.
    pub password_reset_button: String,
    /// Shown after a reset request, whether or not the address has an account.
    pub password_reset_sent: String,
    /// Title of the page that sets the new password.
    pub password_reset_confirm_title: String,
    /// Button that sets the new password.
    pub password_reset_confirm_button: String,
    /// Shown for an invalid, expired or used reset link.
    pub password_reset_invalid_link: String,
    /// Shown once the new password is set.
    pub password_reset_complete: String,
    /// Subject of the reset email.
    pub password_reset_email_subject: String,
    /// Body of the reset email; `{link}`, `{username}` and `{brand}` are replaced.
    pub password_reset_email_body: String,
    /// Link to the registration page.
    pub signup_link: String,
    /// Link to the password reset page.
    pub forgot_password_link: String,
    /// Link back to the login page.
    pub back_to_login_link: String,
    /// A form post failed the CSRF check.
    pub csrf_failed: String,
    /// A form post was too large or not UTF-8 form data.
    pub bad_form: String,
    /// A cross-origin request or WebSocket upgrade was refused (403).
    pub cross_origin_denied: String,
    /// Too many registrations or reset requests from one client; `{minutes}` is replaced.
    pub rate_limited: String,
    /// Registration with email login on: the username contains `@`.
    pub username_no_at: String,
}

impl Default for Messages {
    fn default() -> Self {
        Messages {
            invalid_login: "Please enter a correct username and password. Both fields may be case-sensitive.".into(),
            login_required: "Authentication required. Log in and try again.".into(),
            permission_denied: "You do not have permission to access this page.".into(),
            service_unavailable: "The service is temporarily unavailable. Try again in a moment.".into(),
            username_required: "Enter a username.".into(),
            username_invalid: "Enter a valid username: letters, digits and @ . + - _ only.".into(),
            username_too_long: "Use a username of at most 150 characters.".into(),
            email_required: "Enter an email address.".into(),
            email_invalid: "Enter a valid email address, such as name@example.com.".into(),
            account_unavailable: "This username or email address cannot be used. Choose another, or log in if you already have an account.".into(),
            password_too_short: "This password is too short. It must contain at least {min} characters.".into(),
            password_too_long: "This password is too long. Use at most 4096 bytes.".into(),
            password_mismatch: "The two password fields didn't match.".into(),
            password_too_common: "This password is too common. Choose one that is harder to guess.".into(),
            password_entirely_numeric: "This password is entirely numeric. Add letters or symbols.".into(),
            password_too_similar: "The password is too similar to the {field}.".into(),
            login_throttled: "Too many failed login attempts. Wait {minutes} minutes, then try again.".into(),
            password_incorrect: "Your old password was entered incorrectly. Please enter it again.".into(),
            remember_me_label: "Remember me on this device".into(),
            password_change_title: "Change your password".into(),
            old_password_label: "Current password".into(),
            new_password_label: "New password".into(),
            password_change_button: "Change password".into(),
            password_changed: "Your password was changed.".into(),
            password_changed_others_ended: "Your password was changed. You were logged out everywhere else.".into(),
            sessions_title: "Your sessions".into(),
            sessions_intro: "These are the devices logged in to your account. End any you do not recognise, then change your password.".into(),
            session_current: "This device".into(),
            session_end_button: "End session".into(),
            sessions_end_others_button: "Log out all other sessions".into(),
            session_ended: "The session was ended.".into(),
            sessions_ended: "{count} other sessions were ended.".into(),
            session_not_found: "That session has already ended.".into(),
            sessions_unsupported: "This site's session store cannot list sessions.".into(),
            verify_email_title: "Verify your email address".into(),
            verify_email_registered: "Your account was created. We have emailed you a link: open it to activate your account, then log in.".into(),
            verify_email_prompt: "Confirm that this is your email address to activate your account.".into(),
            verify_email_button: "Verify my email address".into(),
            email_verified: "Your email address is verified. You can log in now.".into(),
            verify_email_invalid_link: "This verification link is invalid, expired or already used. Log in to have a new one sent.".into(),
            email_not_verified: "Your email address is not verified yet. Open the link we emailed you, or have it sent again.".into(),
            verify_email_resend_button: "Send the link again".into(),
            verify_email_resent: "If the account still waits for verification, we have emailed a new link. Check your inbox and spam folder.".into(),
            verify_email_subject: "Verify your email address for {brand}".into(),
            verify_email_body: "Hello {username},\n\nWelcome to {brand}. To activate your account, open this link:\n\n{link}\n\nIf you did not create this account, ignore this message.\n".into(),
            email_change_title: "Change your email address".into(),
            email_change_intro: "Your address is {email}. We will email a link to the new address; it replaces the old one when you open it.".into(),
            new_email_label: "New email address".into(),
            current_password_label: "Your password".into(),
            email_change_button: "Send confirmation link".into(),
            email_change_sent: "We have emailed a link to {email}. Your address changes when you open it.".into(),
            email_change_same: "That is already your email address.".into(),
            email_change_confirm_prompt: "Use {email} as the email address of your account?".into(),
            email_change_confirm_button: "Use this address".into(),
            email_changed: "Your email address is now {email}.".into(),
            email_change_invalid_link: "This link is invalid, expired or already used, or the address now belongs to another account. Ask for a new one.".into(),
            email_change_subject: "Confirm your new email address for {brand}".into(),
            email_change_body: "Hello {username},\n\nSomeone asked to use this address for the {brand} account {username}. To confirm, open this link:\n\n{link}\n\nIf it was not you, ignore this message; nothing changes.\n".into(),
            email_changed_notice_subject: "Your {brand} email address was changed".into(),
            email_changed_notice_body: "Hello {username},\n\nThe email address of your {brand} account was changed to {email}. If you did not do this, reset your password and contact us.\n".into(),
            account_delete_title: "Delete your account".into(),
            account_delete_intro: "This ends every session of your account and closes it for good. Enter your password to confirm.".into(),
            account_delete_button: "Delete my account".into(),
            account_deleted: "Your account was deleted.".into(),
            login_title: "Log in".into(),
            username_label: "Username".into(),
            email_label: "Email".into(),
            username_or_email_label: "Username or email".into(),
            password_label: "Password".into(),
            confirm_password_label: "Confirm password".into(),
            login_button: "Log in".into(),
            register_title: "Create an account".into(),
            register_button: "Sign up".into(),
            registered_notice: "Your account was created. You can log in now.".into(),
            password_reset_title: "Reset your password".into(),
            password_reset_intro: "Enter the email address of your account and we will send you a link to set a new password.".into(),
            password_reset_button: "Send reset link".into(),
            password_reset_sent: "If an account uses that address, we have emailed it a link to set a new password. Check your inbox and spam folder.".into(),
            password_reset_confirm_title: "Set a new password".into(),
            password_reset_confirm_button: "Set password".into(),
            password_reset_invalid_link: "This password reset link is invalid, expired or already used. Request a new one.".into(),
            password_reset_complete: "Your password has been set. You can log in now.".into(),
            password_reset_email_subject: "Reset your {brand} password".into(),
            password_reset_email_body: "Hello {username},\n\nSomeone asked to reset the password of your {brand} account. To choose a new password, open this link:\n\n{link}\n\nIf it was not you, ignore this message; your password stays as it is.\n".into(),
            signup_link: "Create an account".into(),
            forgot_password_link: "Forgot your password?".into(),
            back_to_login_link: "Back to log in".into(),
            csrf_failed: "The form expired or was sent from another site. Reload the page and try again.".into(),
            bad_form: "The form could not be read. Reload the page and try again.".into(),
            cross_origin_denied: "This request came from another site and was refused. Go back to the page on this site and try again.".into(),
            rate_limited: "Too many requests from your network. Wait {minutes} minutes, then try again.".into(),
            username_no_at: "Usernames cannot contain @ on this site, because addresses log in too.".into(),
        }
    }
}

/// Form field names of the built-in pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldNames {
    /// Login: the identifier. Default `username`.
    pub login_username: String,
    /// Login: the password. Default `password`.
    pub login_password: String,
    /// Registration: username. Default `username`.
    pub register_username: String,
    /// Registration: email. Default `email`.
    pub register_email: String,
    /// Registration: password. Default `password`.
    pub register_password: String,
    /// Registration: confirmation. Default `confirm_password`.
    pub register_confirm_password: String,
    /// Reset request: email. Default `email`.
    pub reset_email: String,
    /// Reset confirm: new password. Default `new_password`.
    pub reset_new_password: String,
    /// Reset confirm: confirmation. Default `confirm_password`.
    pub reset_confirm_password: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            login_username: "username".into(),
            login_password: "password".into(),
            register_username: "username".into(),
            register_email: "email".into(),
            register_password: "password".into(),
            register_confirm_password: "confirm_password".into(),
            reset_email: "email".into(),
            reset_new_password: "new_password".into(),
            reset_confirm_password: "confirm_password".into(),
        }
    }
}
