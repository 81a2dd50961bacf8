//! Forgotten passwords (SPEC §10): a link by mail, valid one hour, usable once; the answer to
//! a request is the same whether the address has an account or not; using the link ends every
//! session and every API sign-in of the account.

use std::net::IpAddr;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use minijinja::context;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use terrain_domain::{Email, Password, User};
use terrain_persistence::repo::{outbox, password_resets, tokens, users};

use crate::{App, AppError, limits, mail::Draft, notify, password};

/// How long a link works.
pub const VALID_FOR: Duration = Duration::hours(1);

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sends a reset link to `email` if it names an enabled account; rate limited per client
/// address. Says nothing of whether it did.
///
/// # Errors
/// 429 beyond the rate, 422 when `email` is not an address at all.
pub async fn request(app: &App, client: IpAddr, email: &str) -> Result<(), AppError> {
    limits::hit_address(app, "password_reset", client).await?;
    let email =
        Email::parse(email.trim()).map_err(|e| AppError::invalid("email", e.to_string()))?;
    let Some((user, _)) = users::find_credentials(app.store().reader(), &email).await? else {
        return Ok(());
    };
    if user.disabled {
        return Ok(());
    }
    let bytes: [u8; 32] = rand::rng().random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = app.now();
    let draft = Draft {
        kind: "password_reset",
        subject: "Réinitialisation de votre mot de passe Terrain".into(),
        to: user.email.clone(),
        name: Some(user.display_name.clone()),
        values: context! {},
        link: Some((
            notify::link(app, &format!("/mot-de-passe-oublie/{token}")),
            "Choisir un nouveau mot de passe".into(),
        )),
    };
    let row = notify::delivery(&draft, None, None)?;
    let txn = app.store().begin_write().await?;
    password_resets::insert(&txn, &hash(&token), user.id, now, now + VALID_FOR).await?;
    outbox::insert(&txn, vec![row], now).await?;
    txn.commit().await?;
    app.outbox_written();
    Ok(())
}

/// Whether a link still works (unused, unexpired).
///
/// # Errors
/// When the database fails.
pub async fn is_live(app: &App, token: &str) -> Result<bool, AppError> {
    Ok(
        password_resets::live(app.store().reader(), &hash(token), app.now())
            .await?
            .is_some(),
    )
}

/// Sets a new password through a link, which stops working; every refresh-token family of the
/// account is revoked, so its page sessions and API sign-ins end.
///
/// # Errors
/// 429 beyond the rate, 422 on the password, 404 when the link is unknown, used or expired.
pub async fn reset(
    app: &App,
    client: IpAddr,
    token: &str,
    new_password: &str,
) -> Result<User, AppError> {
    limits::hit_address(app, "password_reset", client).await?;
    let secret =
        Password::parse(new_password).map_err(|e| AppError::invalid("password", e.to_string()))?;
    if !is_live(app, token).await? {
        return Err(AppError::NotFound);
    }
    let password_hash = password::hash(secret).await?;
    let now = app.now();
    let txn = app.store().begin_write().await?;
    let user_id = password_resets::spend(&txn, &hash(token), now)
        .await?
        .ok_or(AppError::NotFound)?;
    users::set_password_hash(&txn, user_id, password_hash, now).await?;
    tokens::revoke_all_of(&txn, user_id, now).await?;
    let user = users::find(&txn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(user)
}
