//! API tokens (SPEC §12): a program acts with its owner's rights, narrowed to a programme, a
//! territory and (for `read` tokens) to reads, without the owner's password. The secret is
//! shown once and stored as a SHA-256 hash; every use reads the token afresh, so a revoked or
//! expired token, or a disabled owner, is refused at once on every instance.

use chrono::NaiveDate;
use terrain_domain::{
    Actor, ApiToken, Catalogue, FieldErrors, ProgrammeCode, Scope, TerritoryId, TokenAccess, User,
    integration::{self, TOKEN_PREFIX},
};
use terrain_persistence::repo::{
    api_tokens::{self, StoredToken},
    users,
};
use uuid::Uuid;

use crate::{
    App, AppError,
    accounts::national,
    tokens::{hash_refresh_token, new_refresh_token},
};

/// A token to create, as given.
#[derive(Debug, Clone)]
pub struct TokenInput {
    /// Its name.
    pub name: String,
    /// Read or write.
    pub access: TokenAccess,
    /// Its last day.
    pub expires_on: NaiveDate,
    /// A programme code to narrow it to.
    pub programme: Option<String>,
    /// A territory id to narrow it to.
    pub territory: Option<String>,
}

/// A token just created, with its secret (shown this once).
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The token.
    pub token: ApiToken,
    /// `trn_…`: what the program sends as `Authorization: Bearer`.
    pub secret: String,
}

/// A programme and territory given to narrow a token or a hook, checked against the reference
/// data; each unknown one is named in `errors`.
pub(crate) fn parse_reach(
    catalogue: &Catalogue,
    programme: Option<&str>,
    territory: Option<&str>,
    errors: &mut FieldErrors,
) -> Scope {
    let programme = programme.and_then(|code| {
        let found = catalogue.programme(code).map(|p| p.code.clone());
        if found.is_none() {
            errors.push("programme", "programme inconnu");
        }
        found
    });
    let territory = territory.and_then(|id| {
        let found = catalogue.territory(id).map(|t| t.path.clone());
        if found.is_none() {
            errors.push("territory", "territoire inconnu");
        }
        found
    });
    Scope {
        programme,
        territory,
    }
}

/// A stored reach (a territory by id) as a scope.
pub(crate) fn stored_reach(
    app: &App,
    programme: Option<ProgrammeCode>,
    territory: Option<TerritoryId>,
) -> Scope {
    Scope {
        programme,
        territory: territory.and_then(|t| {
            app.catalogue()
                .territory(t.as_str())
                .map(|t| t.path.clone())
        }),
    }
}

fn to_domain(app: &App, stored: StoredToken) -> ApiToken {
    ApiToken {
        reach: stored_reach(app, stored.programme, stored.territory),
        id: stored.id,
        user_id: stored.user_id,
        name: stored.name,
        access: stored.access,
        expires_on: stored.expires_on,
        created_at: stored.created_at,
        last_used_at: stored.last_used_at,
        revoked_at: stored.revoked_at,
    }
}

/// Creates a token for `owner` (from a signed-in session: the front doors refuse tokens here).
///
/// # Errors
/// 422 naming each field at fault: a blank or long name, an expiry not within a year, an
/// unknown programme or territory, or a reach outside the owner's scope.
pub async fn create(app: &App, owner: &User, input: TokenInput) -> Result<NewToken, AppError> {
    let catalogue = app.catalogue();
    let today = app.now().date_naive();
    let mut errors = FieldErrors::new();
    errors.check("name", integration::TOKEN_NAME.check(&input.name));
    if let Err(message) = integration::check_expiry(input.expires_on, today) {
        errors.push("expires_on", message);
    }
    let reach = parse_reach(
        &catalogue,
        input.programme.as_deref(),
        input.territory.as_deref(),
        &mut errors,
    );
    if errors.is_empty() && owner.scope.intersect(&reach).is_none() {
        let field = if reach.territory.is_some() {
            "territory"
        } else {
            "programme"
        };
        errors.push(field, "hors de votre périmètre");
    }
    errors.finish(|| Some(()))?;
    let name = input.name;
    let (random, _) = new_refresh_token();
    let secret = format!("{TOKEN_PREFIX}{random}");
    let stored = StoredToken {
        id: Uuid::now_v7(),
        user_id: owner.id,
        name,
        access: input.access,
        programme: reach.programme.clone(),
        territory: reach.territory.as_ref().map(|t| t.id.clone()),
        expires_on: input.expires_on,
        created_at: app.now(),
        last_used_at: None,
        revoked_at: None,
    };
    let txn = app.store().begin_write().await?;
    api_tokens::insert(&txn, &stored, hash_refresh_token(&secret)).await?;
    txn.commit().await?;
    tracing::info!(token = %stored.id, owner = %owner.id, access = %stored.access, "API token created");
    Ok(NewToken {
        token: to_domain(app, stored),
        secret,
    })
}

/// The caller's tokens that are not revoked, newest first.
///
/// # Errors
/// When the database fails.
pub async fn mine(app: &App, owner: &Actor) -> Result<Vec<ApiToken>, AppError> {
    let stored = api_tokens::of_user(app.store().reader(), owner.id).await?;
    Ok(stored.into_iter().map(|t| to_domain(app, t)).collect())
}

/// Any account's tokens (national administrators).
///
/// # Errors
/// 403 for anyone else, 404 for an unknown account.
pub async fn of_account(
    app: &App,
    actor: &Actor,
    account: Uuid,
) -> Result<Vec<ApiToken>, AppError> {
    national(actor)?;
    users::find(app.store().reader(), account)
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = api_tokens::of_user(app.store().reader(), account).await?;
    Ok(stored.into_iter().map(|t| to_domain(app, t)).collect())
}

/// Revokes one of the caller's tokens, or, for a national administrator, anyone's (`any`).
///
/// # Errors
/// 404 when the token is unknown, revoked already or someone else's (for anyone but a
/// national administrator revoking through the administrators' route); 403 on that route for
/// anyone else.
pub async fn revoke(app: &App, actor: &Actor, id: Uuid, any: bool) -> Result<(), AppError> {
    if any {
        national(actor)?;
    }
    let txn = app.store().begin_write().await?;
    let found = api_tokens::find(&txn, id)
        .await?
        .filter(|t| any || t.user_id == actor.id)
        .ok_or(AppError::NotFound)?;
    if !api_tokens::revoke(&txn, found.id, app.now()).await? {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    tracing::info!(token = %id, by = %actor.id, "API token revoked");
    Ok(())
}

/// Whether `credential` (an `Authorization: Bearer` value) is an API token rather than a
/// session's access token.
pub fn is_api_token(credential: &str) -> bool {
    credential.starts_with(TOKEN_PREFIX)
}

/// The account an API token acts as: its owner, narrowed to the token's reach. `writes` says
/// whether the request changes something.
///
/// # Errors
/// 401 for an unknown, revoked or expired token, a disabled owner, or a reach the owner's
/// scope no longer meets; 403 for a write with a `read` token.
pub async fn authenticate(app: &App, secret: &str, writes: bool) -> Result<User, AppError> {
    let (stored, owner) =
        api_tokens::find_with_owner(app.store().reader(), &hash_refresh_token(secret))
            .await?
            .ok_or(AppError::Unauthenticated)?;
    let now = app.now();
    let token = to_domain(app, stored);
    if !token.is_live(now.date_naive()) || owner.disabled {
        return Err(AppError::Unauthenticated);
    }
    let acting = token.acting_as(&owner).ok_or(AppError::Unauthenticated)?;
    if writes && token.access == TokenAccess::Read {
        return Err(AppError::Forbidden(
            "Ce jeton ne permet que la lecture : créez un jeton en écriture pour modifier.".into(),
        ));
    }
    if token
        .last_used_at
        .is_none_or(|at| now - at > chrono::Duration::minutes(1))
    {
        let txn = app.store().begin_write().await?;
        api_tokens::touch(&txn, token.id, now).await?;
        txn.commit().await?;
    }
    Ok(acting)
}
