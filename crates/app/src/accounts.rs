//! Accounts: registration, sign-in with tokens and their rotation, sign-out, and account
//! management by national administrators.

use std::net::IpAddr;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use terrain_domain::{
    Actor, DisplayName, Email, FieldErrors, Password, ProgrammeCode, Role, TerritoryId, User,
    access,
};
use terrain_persistence::{
    StoreError,
    repo::{
        Page, tokens,
        users::{self, NewUser, UserChanges},
    },
    retrying,
};
use uuid::Uuid;

use crate::{
    App, AppError, limits, password,
    tokens::{ACCESS_TTL_SECS, REFRESH_TTL_DAYS, hash_refresh_token, new_refresh_token},
};

/// What it takes to create an account, as typed by someone.
#[derive(Debug, Clone)]
pub struct AccountInput {
    /// Email address.
    pub email: String,
    /// Password in clear.
    pub password: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Scope programme code (administrators only).
    pub programme: Option<String>,
    /// Scope territory id (administrators only).
    pub territory: Option<String>,
}

/// A scope checked against the reference data.
#[derive(Debug, Clone, Default)]
pub struct ResolvedScope {
    /// Existing programme.
    pub programme: Option<ProgrammeCode>,
    /// Existing territory.
    pub territory: Option<TerritoryId>,
}

/// Checks that a scope names an existing programme and territory, and is held by an admin.
///
/// # Errors
/// 422 naming `scope.programme` or `scope.territory`.
pub fn resolve_scope(
    app: &App,
    role: Role,
    programme: Option<&str>,
    territory: Option<&str>,
) -> Result<ResolvedScope, AppError> {
    if role != Role::Admin && (programme.is_some() || territory.is_some()) {
        return Err(AppError::invalid(
            "scope",
            "seuls les administrateurs ont un périmètre",
        ));
    }
    let catalogue = app.catalogue();
    let mut errors = FieldErrors::new();
    let mut scope = ResolvedScope::default();
    if let Some(code) = programme {
        match catalogue.programme(code).map(|p| p.code.clone()) {
            Some(code) => scope.programme = Some(code),
            None => errors.push("scope.programme", "programme inconnu"),
        }
    }
    if let Some(id) = territory {
        match catalogue.territory(id).map(|t| t.id().clone()) {
            Some(id) => scope.territory = Some(id),
            None => errors.push("scope.territory", "territoire inconnu"),
        }
    }
    errors.finish(|| Some(scope)).map_err(Into::into)
}

/// Creates an account after checking every field (registration, national administrators, the
/// command line).
///
/// # Errors
/// 422 listing every invalid field, 409 when the email is taken.
pub async fn create_account(app: &App, input: AccountInput) -> Result<User, AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    let secret = errors.check("password", Password::parse(&input.password));
    let name = errors.check("display_name", DisplayName::parse(&input.display_name));
    let (email, secret, name) = errors.finish(|| Some((email?, secret?, name?)))?;
    let scope = resolve_scope(
        app,
        input.role,
        input.programme.as_deref(),
        input.territory.as_deref(),
    )?;
    let password_hash = password::hash(secret).await?;
    let txn = app.store().begin_write().await?;
    let user = users::insert(
        &txn,
        NewUser {
            email,
            display_name: name,
            password_hash,
            role: input.role,
            scope_programme: scope.programme,
            scope_territory: scope.territory,
        },
        app.now(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => {
            AppError::Conflict("Un compte existe déjà avec cette adresse.".into())
        }
        other => other.into(),
    })?;
    txn.commit().await?;
    Ok(user)
}

/// Registers a project lead (rate limited per client address).
///
/// # Errors
/// 429, then as [`create_account`].
pub async fn register(
    app: &App,
    client: IpAddr,
    email: String,
    password: String,
    display_name: String,
) -> Result<User, AppError> {
    limits::hit_address(app, "register", client).await?;
    create_account(
        app,
        AccountInput {
            email,
            password,
            display_name,
            role: Role::Lead,
            programme: None,
            territory: None,
        },
    )
    .await
}

/// A new pair of tokens: a 15-minute access token and a single-use refresh token.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The JWT.
    pub access_token: String,
    /// Seconds before it expires.
    pub expires_in: i64,
    /// The opaque refresh token.
    pub refresh_token: String,
    /// The sign-in the refresh token belongs to (its family).
    pub family: Uuid,
    /// The account.
    pub user: User,
}

/// Signs in with an email and a password. Failed attempts are counted per address and per
/// account, whatever the address; once an account's failures are used up, even the right
/// password waits.
///
/// # Errors
/// 429 (with the seconds to wait), 401 for a wrong pair or a disabled account (the same answer
/// whether the address exists or not), 503 when every password check slot is taken.
pub async fn login(
    app: &App,
    client: IpAddr,
    email: &str,
    password: String,
) -> Result<Tokens, AppError> {
    limits::hit_address(app, "login", client).await?;
    let parsed = Email::parse(email).ok();
    let account = parsed
        .as_ref()
        .map_or_else(|| email.to_lowercase(), |e| e.as_str().to_owned());
    let failures = limits::account_failures(app);
    limits::check(app.store(), failures, &account).await?;
    let found = match &parsed {
        Some(email) => users::find_credentials(app.store().reader(), email).await?,
        None => None,
    };
    let (user, hash) = found.map_or((None, None), |(u, h)| (Some(u), Some(h)));
    let verified = password::verify(password, hash).await?;
    match user {
        Some(user) if verified && !user.disabled => {
            let txn = app.store().begin_write().await?;
            let tokens = issue(app, &txn, user, Uuid::now_v7()).await?;
            txn.commit().await?;
            Ok(tokens)
        }
        _ => {
            limits::hit(app.store(), failures, &account).await?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// Opens a sign-in (a new refresh-token family) for an account just created.
///
/// # Errors
/// When the database fails.
pub(crate) async fn sign_in(app: &App, user: User) -> Result<Tokens, AppError> {
    let txn = app.store().begin_write().await?;
    let tokens = issue(app, &txn, user, Uuid::now_v7()).await?;
    txn.commit().await?;
    Ok(tokens)
}

async fn issue(
    app: &App,
    txn: &terrain_persistence::Tx,
    user: User,
    family: Uuid,
) -> Result<Tokens, AppError> {
    let access_token = app.keys().issue(&user).map_err(AppError::internal)?;
    let (refresh_token, hash) = new_refresh_token();
    let now = app.now();
    tokens::insert(
        txn,
        user.id,
        family,
        hash,
        now + Duration::days(REFRESH_TTL_DAYS),
        now,
    )
    .await?;
    Ok(Tokens {
        access_token,
        expires_in: ACCESS_TTL_SECS,
        refresh_token,
        family,
        user,
    })
}

/// Exchanges a refresh token for a new pair; the old one is spent. Presenting a spent token
/// revokes every token of its family.
///
/// # Errors
/// 429, 401 for an unknown, expired, revoked or spent token, or a disabled account.
pub async fn refresh(app: &App, client: IpAddr, refresh_token: &str) -> Result<Tokens, AppError> {
    limits::hit_address(app, "refresh", client).await?;
    let hash = hash_refresh_token(refresh_token);
    let now = app.now();
    let txn = app.store().begin_write().await?;
    let record = tokens::find_by_hash(&txn, &hash)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if record.revoked_at.is_some() || record.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    if record.used_at.is_some() || !tokens::spend(&txn, record.id, now).await? {
        tracing::warn!(family = %record.family_id, "refresh token reused: family revoked");
        tokens::revoke_family(&txn, record.family_id, now).await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    let user = users::find(&txn, record.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AppError::Unauthenticated)?;
    let tokens = issue(app, &txn, user, record.family_id).await?;
    txn.commit().await?;
    Ok(tokens)
}

/// Ends the sign-in a refresh token belongs to: every token of its family stops working.
///
/// # Errors
/// 429, 401 for an unknown, expired or revoked token.
pub async fn logout(app: &App, client: IpAddr, refresh_token: &str) -> Result<(), AppError> {
    limits::hit_address(app, "refresh", client).await?;
    let hash = hash_refresh_token(refresh_token);
    let now = app.now();
    let record = tokens::find_by_hash(app.store().reader(), &hash)
        .await?
        .filter(|r| r.revoked_at.is_none() && r.expires_at > now)
        .ok_or(AppError::Unauthenticated)?;
    let txn = app.store().begin_write().await?;
    tokens::revoke_family(&txn, record.family_id, now).await?;
    txn.commit().await?;
    Ok(())
}

/// The account behind an access token, read again so that a disabled account is refused at
/// once and the role comes from the database.
///
/// # Errors
/// 401 for an invalid token, an unknown or disabled account.
pub async fn authenticate(app: &App, access_token: &str) -> Result<User, AppError> {
    let claims = app
        .keys()
        .verify(access_token)
        .ok_or(AppError::Unauthenticated)?;
    let id = Uuid::parse_str(&claims.sub).map_err(|_| AppError::Unauthenticated)?;
    users::find(app.store().reader(), id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AppError::Unauthenticated)
}

pub(crate) fn national(actor: &Actor) -> Result<(), AppError> {
    if access::manages_accounts(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Cette action est réservée aux administrateurs nationaux.".into(),
        ))
    }
}

/// Creates an account of any role (national administrators).
///
/// # Errors
/// 403, then as [`create_account`].
pub async fn create_user(app: &App, actor: &Actor, input: AccountInput) -> Result<User, AppError> {
    national(actor)?;
    create_account(app, input).await
}

/// Accounts by id, after `after` (national administrators).
///
/// # Errors
/// 403.
pub async fn list_users(
    app: &App,
    actor: &Actor,
    role: Option<Role>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<User>, AppError> {
    national(actor)?;
    Ok(users::list(app.store().reader(), role, after, limit).await?)
}

/// One account (national administrators).
///
/// # Errors
/// 403, 404.
pub async fn user(app: &App, actor: &Actor, id: Uuid) -> Result<User, AppError> {
    national(actor)?;
    users::find(app.store().reader(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes to an account, as typed; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// Name shown.
    pub display_name: Option<String>,
    /// Role; leaving the admin role clears the scope.
    pub role: Option<Role>,
    /// New scope (programme, territory), replacing the old one.
    pub scope: Option<(Option<String>, Option<String>)>,
    /// Disable or enable.
    pub disabled: Option<bool>,
}

/// Changes an account (national administrators). None changes its own role, scope or state,
/// and no change leaves the service without an enabled national administrator; disabling an
/// account ends all its sessions.
///
/// # Errors
/// 403, 404, 409 for a change of oneself or one that would leave no national administrator,
/// 422 for an invalid name or scope.
pub async fn update_user(
    app: &App,
    actor: &Actor,
    id: Uuid,
    patch: UserPatch,
) -> Result<User, AppError> {
    national(actor)?;
    users::find(app.store().reader(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if id == actor.id && (patch.role.is_some() || patch.scope.is_some() || patch.disabled.is_some())
    {
        return Err(AppError::Conflict(
            "Un administrateur ne change ni son propre rôle, ni son périmètre, ni son état : \
             demandez-le à un autre administrateur national."
                .into(),
        ));
    }
    let display_name = patch
        .display_name
        .map(|n| {
            DisplayName::parse(&n).map_err(|e| AppError::invalid("display_name", e.to_string()))
        })
        .transpose()?;
    // Two national admins disabling each other at once deadlock on PostgreSQL (each holds the
    // other's row): the loser is run again and then sees the rule broken.
    retrying(|| async {
        let now = app.now();
        let txn = app.store().begin_write().await?;
        // Read again inside the transaction: the role the change is checked against is current.
        let current = users::find(&txn, id).await?.ok_or(AppError::NotFound)?;
        let role = patch.role.unwrap_or(current.role);
        let mut changes = UserChanges {
            display_name: display_name.clone(),
            role: patch.role,
            disabled: patch.disabled,
            ..UserChanges::default()
        };
        if let Some((programme, territory)) = &patch.scope {
            let resolved = resolve_scope(app, role, programme.as_deref(), territory.as_deref())?;
            changes.scope_programme = Some(resolved.programme);
            changes.scope_territory = Some(resolved.territory);
        } else if role != Role::Admin {
            changes.scope_programme = Some(None);
            changes.scope_territory = Some(None);
        }
        let user = users::update(&txn, id, changes, now)
            .await?
            .ok_or(AppError::NotFound)?;
        if users::count_enabled_national_admins(&txn).await? == 0 {
            return Err(AppError::Conflict(
                "Ce changement ne laisserait aucun administrateur national actif.".into(),
            ));
        }
        if user.disabled {
            tokens::revoke_all_of(&txn, user.id, now).await?;
        }
        txn.commit().await?;
        Ok(user)
    })
    .await
}

/// Sets how the caller hears about projects (`PUT /me/preferences`).
///
/// # Errors
/// When the database fails.
pub async fn set_mail_preference(
    app: &App,
    actor: &Actor,
    mail: terrain_domain::MailPreference,
) -> Result<User, AppError> {
    let txn = app.store().begin_write().await?;
    let user = users::update(
        &txn,
        actor.id,
        UserChanges {
            mail: Some(mail),
            ..UserChanges::default()
        },
        app.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(user)
}

/// Who an identity provider says signed in, once its ID token (and signed userinfo) checked.
#[derive(Debug, Clone)]
pub struct Federated {
    /// The provider.
    pub issuer: String,
    /// The person's stable identifier there.
    pub subject: String,
    /// Their address, as the provider gives it.
    pub email: Option<String>,
    /// Whether the provider verified it.
    pub email_verified: bool,
    /// Their name, as the provider gives it.
    pub name: Option<String>,
}

/// The account of a person an identity provider signed in (SPEC §20): the one linked to their
/// subject; else, the first time, the one of their verified address, which gets linked; else a
/// new lead. Roles and scopes are never taken from the provider. Then a sign-in, as a local one.
///
/// # Errors
/// 403 with the reason: an address the provider did not verify, a disabled account, an address
/// whose account is linked to another subject.
pub async fn federated(app: &App, who: Federated) -> Result<Tokens, AppError> {
    let conn = app.store().reader();
    let user = match users::find_by_subject(conn, &who.issuer, &who.subject).await? {
        Some(user) => user,
        None => {
            let email = match (who.email.as_deref(), who.email_verified) {
                (Some(email), true) => Email::parse(email).map_err(|_| {
                    AppError::Forbidden(
                        "L'adresse transmise par le fournisseur est invalide.".into(),
                    )
                })?,
                _ => {
                    return Err(AppError::Forbidden(
                        "Le fournisseur d'identité n'a pas vérifié votre adresse électronique : \
                         Terrain ne peut pas vous identifier."
                            .into(),
                    ));
                }
            };
            link_or_create(app, &who, email).await?
        }
    };
    if user.disabled {
        return Err(AppError::Forbidden(
            "Ce compte est désactivé : adressez-vous à l'administration de Terrain.".into(),
        ));
    }
    sign_in(app, user).await
}

async fn link_or_create(app: &App, who: &Federated, email: Email) -> Result<User, AppError> {
    let txn = app.store().begin_write().await?;
    let user = match users::find_by_email(&txn, &email).await? {
        Some((user, linked)) => {
            if linked.is_some()
                || !users::link_subject(&txn, user.id, &who.issuer, &who.subject).await?
            {
                return Err(AppError::Forbidden(
                    "Le compte de cette adresse est déjà lié à une autre identité du fournisseur."
                        .into(),
                ));
            }
            user
        }
        None => {
            let name = who
                .name
                .as_deref()
                .and_then(|n| DisplayName::parse(n.trim()).ok())
                .or_else(|| DisplayName::parse(email.as_str()).ok())
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("no display name")))?;
            // No password: the account signs in through the provider (a reset sets one).
            let unusable: [u8; 32] = rand::random();
            let secret =
                Password::parse(&URL_SAFE_NO_PAD.encode(unusable)).map_err(AppError::internal)?;
            let password_hash = password::hash(secret).await?;
            let user = users::insert(
                &txn,
                NewUser {
                    email,
                    display_name: name,
                    password_hash,
                    role: Role::Lead,
                    scope_programme: None,
                    scope_territory: None,
                },
                app.now(),
            )
            .await?;
            users::link_subject(&txn, user.id, &who.issuer, &who.subject).await?;
            user
        }
    };
    txn.commit().await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Forbidden(
            "Cette identité vient d'être liée à un autre compte : réessayez.".into(),
        ),
        other => other.into(),
    })?;
    Ok(user)
}
