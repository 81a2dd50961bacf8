//! Sessions of the web interface. A session is a random cookie value pointing at a row (stored
//! by its hash), tied to the refresh-token family of the sign-in that opened it: signing out,
//! a reused refresh token or disabling the account revoke the family, and the session ends with
//! it. A session idle for longer than [`IDLE`] ends too.

use std::net::IpAddr;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use terrain_domain::User;
use terrain_persistence::repo::{sessions, tokens, users};

use crate::{App, AppError, accounts};

/// A session idle for longer ends.
pub const IDLE: Duration = Duration::hours(12);

/// How often the time of a request is written (not at every page).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cookie's value.
    pub cookie: String,
    /// The account, read again at each request.
    pub user: User,
    /// The token every form of the session carries.
    pub csrf: String,
    /// A notice left by the previous request (taken: it shows once).
    pub notice: Option<String>,
    /// The identity provider's ID token, when the provider opened the session.
    pub id_token: Option<String>,
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(cookie: &str) -> String {
    Sha256::digest(cookie.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signs in with an email and a password (the rate limits and answers of
/// [`accounts::login`]) and opens a session.
///
/// # Errors
/// As [`accounts::login`].
pub async fn open(
    app: &App,
    client: IpAddr,
    email: &str,
    password: String,
) -> Result<Session, AppError> {
    let tokens = accounts::login(app, client, email, password).await?;
    start(app, tokens.user, tokens.family).await
}

/// Registers a project lead (as [`accounts::register`]) and opens a session for it.
///
/// # Errors
/// As [`accounts::register`].
pub async fn register(
    app: &App,
    client: IpAddr,
    email: String,
    password: String,
    display_name: String,
) -> Result<Session, AppError> {
    let user = accounts::register(app, client, email, password, display_name).await?;
    let tokens = accounts::sign_in(app, user).await?;
    start(app, tokens.user, tokens.family).await
}

/// Opens a session for an account already signed in (after registration, or through an
/// identity provider) on the refresh-token family `family`.
///
/// # Errors
/// When the database fails.
pub async fn start(app: &App, user: User, family: uuid::Uuid) -> Result<Session, AppError> {
    let cookie = random_token();
    let csrf = random_token();
    let txn = app.store().begin_write().await?;
    sessions::insert(&txn, &hash(&cookie), user.id, family, &csrf, app.now()).await?;
    txn.commit().await?;
    Ok(Session {
        cookie,
        user,
        csrf,
        notice: None,
        id_token: None,
    })
}

/// Opens a session for a person an identity provider signed in, keeping its ID token for the
/// sign-out.
///
/// # Errors
/// When the database fails.
pub async fn start_federated(
    app: &App,
    tokens: accounts::Tokens,
    id_token: &str,
) -> Result<Session, AppError> {
    let mut session = start(app, tokens.user, tokens.family).await?;
    let txn = app.store().begin_write().await?;
    sessions::set_id_token(&txn, &hash(&session.cookie), id_token).await?;
    txn.commit().await?;
    session.id_token = Some(id_token.to_owned());
    Ok(session)
}

/// The session of a cookie, if it is alive: its sign-in not ended, its account enabled, not
/// idle for too long. Takes its notice.
///
/// # Errors
/// When the database fails.
pub async fn find(app: &App, cookie: &str) -> Result<Option<Session>, AppError> {
    let id = hash(cookie);
    let Some(row) = sessions::find_alive(app.store().reader(), &id).await? else {
        return Ok(None);
    };
    let now = app.now();
    if now - row.last_seen_at > IDLE {
        end(app, cookie).await?;
        return Ok(None);
    }
    let Some(user) = users::find(app.store().reader(), row.user_id)
        .await?
        .filter(|u| !u.disabled)
    else {
        return Ok(None);
    };
    if row.notice.is_some() || now - row.last_seen_at > TOUCH_EVERY {
        let txn = app.store().begin_write().await?;
        sessions::touch(&txn, &id, now, row.notice.is_some().then_some(None)).await?;
        txn.commit().await?;
    }
    Ok(Some(Session {
        cookie: cookie.to_owned(),
        user,
        csrf: row.csrf,
        notice: row.notice,
        id_token: row.id_token,
    }))
}

/// Leaves a notice for the next page of the session.
///
/// # Errors
/// When the database fails.
pub async fn notify(app: &App, session: &Session, notice: String) -> Result<(), AppError> {
    let txn = app.store().begin_write().await?;
    sessions::touch(&txn, &hash(&session.cookie), app.now(), Some(Some(notice))).await?;
    txn.commit().await?;
    Ok(())
}

/// Ends a session and its sign-in: the refresh tokens of its family stop working too.
///
/// # Errors
/// When the database fails.
pub async fn end(app: &App, cookie: &str) -> Result<(), AppError> {
    let id = hash(cookie);
    let row = sessions::find_alive(app.store().reader(), &id).await?;
    let now = app.now();
    let txn = app.store().begin_write().await?;
    if let Some(row) = row {
        tokens::revoke_family(&txn, row.family_id, now).await?;
    }
    sessions::delete(&txn, &id).await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets the sessions idle for longer than [`IDLE`] (a background chore).
///
/// # Errors
/// When the database fails.
pub async fn purge(app: &App, now: DateTime<Utc>) -> Result<u64, AppError> {
    let txn = app.store().begin_write().await?;
    let purged = sessions::purge_idle(&txn, now - IDLE).await?;
    txn.commit().await?;
    Ok(purged)
}
