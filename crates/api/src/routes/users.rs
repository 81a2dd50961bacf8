//! `/users`: account management by national administrators.

use axum::{
    Json,
    extract::{OriginalUri, State},
    http::{StatusCode, header},
};
use serde::Deserialize;
use terrain_domain::{DisplayName, Role};
use terrain_persistence::{
    StoreError,
    repo::{
        tokens,
        users::{self, UserChanges},
    },
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    accounts::{self, AccountInput},
    auth::NationalAdmin,
    dto::accounts::{CreateUserRequest, RoleName, UpdateUserRequest, UserView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery},
    pagination::{self, Cursor, Listed, Page},
    state::AppState,
};

const LIST: &str = "users";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user))
}

/// Filters and pagination of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this role.
    #[param(inline)]
    role: Option<RoleName>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Creates an account of any role (national administrators only).
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Compte créé.", body = UserView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Adresse déjà utilisée.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_user(
    State(state): State<AppState>,
    _admin: NationalAdmin,
    ApiJson(body): ApiJson<CreateUserRequest>,
) -> Result<super::Created<UserView>, ApiError> {
    let scope = body.scope.unwrap_or_default();
    let input = AccountInput {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
        role: body.role.into(),
        programme: scope.programme,
        territory: scope.territory,
    };
    let user = accounts::create_account(&state.db, &state.reference, input).await?;
    let location = format!("/api/v1/users/{}", user.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(user.into()),
    ))
}

/// Accounts, oldest first (national administrators only).
#[utoipa::path(get, path = "/users", tag = "accounts", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les comptes.", body = Page<UserView>),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_users(
    State(state): State<AppState>,
    _admin: NationalAdmin,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<UserView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .map(|c| {
            let key = Cursor::decode(LIST, &c)?;
            Uuid::parse_str(&key).map_err(|_| ApiError::invalid("cursor", "curseur invalide"))
        })
        .transpose()?;
    let page = users::list(state.db.reader(), query.role.map(Into::into), after, limit).await?;
    let next = page
        .more
        .then(|| {
            page.items
                .last()
                .map(|u| Cursor::new(LIST, &u.id.to_string()))
        })
        .flatten();
    Ok(Listed::new(
        page.items.into_iter().map(Into::into).collect(),
        next,
        &uri,
    ))
}

/// One account (national administrators only).
#[utoipa::path(get, path = "/users/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Identifiant du compte")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le compte.", body = UserView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Compte inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_user(
    State(state): State<AppState>,
    _admin: NationalAdmin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<UserView>, ApiError> {
    let user = users::find(state.db.reader(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(user.into()))
}

/// Changes the role, scope, name or disabled flag of an account (national administrators only).
#[utoipa::path(patch, path = "/users/{id}", tag = "accounts", request_body = UpdateUserRequest,
    params(("id" = Uuid, Path, description = "Identifiant du compte")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le compte modifié.", body = UserView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Compte inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Un administrateur ne change pas son propre rôle, périmètre ou état, et il reste toujours un administrateur national actif.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_user(
    State(state): State<AppState>,
    NationalAdmin(admin): NationalAdmin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> Result<Json<UserView>, ApiError> {
    users::find(state.db.reader(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if id == admin.id && (body.role.is_some() || body.scope.is_some() || body.disabled.is_some()) {
        return Err(ApiError::Conflict(
            "Un administrateur ne change ni son propre rôle, ni son périmètre, ni son état : \
             demandez-le à un autre administrateur national."
                .into(),
        ));
    }
    let txn = state.db.begin_write().await?;
    // Read again inside the transaction: the role the change is checked against is current.
    let current = users::find(&txn, id).await?.ok_or(ApiError::NotFound)?;
    let role: Role = body.role.map_or(current.role, Into::into);
    let mut changes = UserChanges {
        display_name: body
            .display_name
            .map(|n| {
                DisplayName::parse(&n).map_err(|e| ApiError::invalid("display_name", e.to_string()))
            })
            .transpose()?,
        role: body.role.map(Into::into),
        disabled: body.disabled,
        ..UserChanges::default()
    };
    if let Some(scope) = body.scope {
        let resolved = accounts::resolve_scope(
            &state.reference,
            role,
            scope.programme.as_deref(),
            scope.territory.as_deref(),
        )?;
        changes.scope_programme = Some(resolved.programme);
        changes.scope_territory = Some(resolved.territory);
    } else if role != Role::Admin {
        changes.scope_programme = Some(None);
        changes.scope_territory = Some(None);
    }
    let user = users::update(&txn, id, changes)
        .await?
        .ok_or(ApiError::NotFound)?;
    if users::count_enabled_national_admins(&txn).await? == 0 {
        return Err(ApiError::Conflict(
            "Ce changement ne laisserait aucun administrateur national actif.".into(),
        ));
    }
    if user.disabled {
        tokens::revoke_all_of(&txn, user.id).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(user.into()))
}
