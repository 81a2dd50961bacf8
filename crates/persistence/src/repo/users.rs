//! Accounts.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use terrain_domain::{
    DisplayName, Email, MailPreference, ProgrammeCode, Role, Scope, TerritoryId, User,
};
use uuid::Uuid;

use super::{Page, reference, rows::corrupt};
use crate::{StoreError, entities::user};

/// An account to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Address, unique.
    pub email: Email,
    /// Name shown.
    pub display_name: DisplayName,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Scope programme (administrators only).
    pub scope_programme: Option<ProgrammeCode>,
    /// Scope territory (administrators only).
    pub scope_territory: Option<TerritoryId>,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<DisplayName>,
    /// New role.
    pub role: Option<Role>,
    /// New scope programme (`Some(None)` removes it).
    pub scope_programme: Option<Option<ProgrammeCode>>,
    /// New scope territory (`Some(None)` removes it).
    pub scope_territory: Option<Option<TerritoryId>>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// How the account wants to hear about projects.
    pub mail: Option<MailPreference>,
}

/// Creates an account.
///
/// # Errors
/// [`StoreError::Conflict`] when the email is taken.
pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email.as_str().to_owned()),
        display_name: Set(new.display_name.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        scope_programme: Set(new.scope_programme.map(|p| p.as_str().to_owned())),
        scope_territory: Set(new.scope_territory.map(|t| t.as_str().to_owned())),
        disabled: Set(false),
        mail_preference: Set(MailPreference::Instant.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        oidc_issuer: Set(None),
        oidc_subject: Set(None),
    };
    let inserted = user::Entity::insert(model)
        .exec_with_returning(conn)
        .await?;
    to_user(conn, inserted).await
}

/// One account.
///
/// # Errors
/// When the database fails.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<User>, StoreError> {
    match user::Entity::find_by_id(id).one(conn).await? {
        Some(model) => to_user(conn, model).await.map(Some),
        None => Ok(None),
    }
}

/// An account and its password hash, by email, for logging in.
///
/// # Errors
/// When the database fails.
pub async fn find_credentials(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<(User, String)>, StoreError> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?;
    match found {
        Some(model) => {
            let hash = model.password_hash.clone();
            Ok(Some((to_user(conn, model).await?, hash)))
        }
        None => Ok(None),
    }
}

/// Accounts by id (creation order), after `after`.
///
/// # Errors
/// When the database fails.
pub async fn list(
    conn: &impl ConnectionTrait,
    role: Option<Role>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<User>, StoreError> {
    let mut query = user::Entity::find();
    if let Some(role) = role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(user::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(user::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        users.push(to_user(conn, row).await?);
    }
    Ok(Page::from_overfetch(users, limit))
}

/// Applies `changes` to an account.
///
/// # Errors
/// When the database fails.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    changes: UserChanges,
    now: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    let Some(current) = user::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let mut model: user::ActiveModel = current.into();
    if let Some(name) = changes.display_name {
        model.display_name = Set(name.as_str().to_owned());
    }
    if let Some(role) = changes.role {
        model.role = Set(role.as_str().to_owned());
    }
    if let Some(programme) = changes.scope_programme {
        model.scope_programme = Set(programme.map(|p| p.as_str().to_owned()));
    }
    if let Some(territory) = changes.scope_territory {
        model.scope_territory = Set(territory.map(|t| t.as_str().to_owned()));
    }
    if let Some(disabled) = changes.disabled {
        model.disabled = Set(disabled);
    }
    if let Some(mail) = changes.mail {
        model.mail_preference = Set(mail.as_str().to_owned());
    }
    model.updated_at = Set(now);
    let updated = user::Entity::update(model).exec(conn).await?;
    to_user(conn, updated).await.map(Some)
}

pub(crate) async fn to_user(
    conn: &impl ConnectionTrait,
    model: user::Model,
) -> Result<User, StoreError> {
    let programme = model
        .scope_programme
        .as_deref()
        .map(|p| ProgrammeCode::parse(p).map_err(|_| corrupt(p)))
        .transpose()?;
    let territory = match model.scope_territory.as_deref() {
        Some(id) => {
            let id = TerritoryId::parse(id).map_err(|_| corrupt(id))?;
            let found = reference::find_territory(conn, &id)
                .await?
                .ok_or_else(|| corrupt(&id))?;
            Some(found.path)
        }
        None => None,
    };
    Ok(User {
        id: model.id,
        email: Email::parse(&model.email).map_err(|_| corrupt(&model.email))?,
        role: model.role.parse().map_err(|_| corrupt(&model.role))?,
        display_name: model.display_name,
        scope: Scope {
            programme,
            territory,
        },
        disabled: model.disabled,
        mail: model
            .mail_preference
            .parse()
            .map_err(|_| corrupt(&model.mail_preference))?,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// How many enabled national administrators there are. On PostgreSQL their rows are locked
/// (in id order) until the end of the transaction, so that two administrators changing each
/// other at the same time cannot both leave none.
///
/// # Errors
/// When the database fails.
pub async fn count_enabled_national_admins(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let mut select = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::ScopeProgramme.is_null())
        .filter(user::Column::ScopeTerritory.is_null())
        .order_by_asc(user::Column::Id);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        select = select.lock(sea_orm::sea_query::LockType::Update);
    }
    let ids: Vec<Uuid> = select.into_tuple().all(conn).await?;
    Ok(ids.len() as u64)
}

/// How many accounts there are.
///
/// # Errors
/// When the database fails.
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait as _;
    Ok(user::Entity::find().count(conn).await?)
}

/// The enabled administrators (for the mails of their scope; there are tens to hundreds).
///
/// # Errors
/// When the database fails.
pub async fn enabled_admins(conn: &impl ConnectionTrait) -> Result<Vec<User>, StoreError> {
    let models = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Disabled.eq(false))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?;
    let mut users = Vec::with_capacity(models.len());
    for model in models {
        users.push(to_user(conn, model).await?);
    }
    Ok(users)
}

/// Sets an account's password hash.
///
/// # Errors
/// When the database fails.
pub async fn set_password_hash(
    conn: &impl ConnectionTrait,
    id: Uuid,
    hash: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The account linked to `subject` at the identity provider `issuer`, if any.
///
/// # Errors
/// When the database fails.
pub async fn find_by_subject(
    conn: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> Result<Option<User>, StoreError> {
    match user::Entity::find()
        .filter(user::Column::OidcIssuer.eq(issuer))
        .filter(user::Column::OidcSubject.eq(subject))
        .one(conn)
        .await?
    {
        Some(model) => to_user(conn, model).await.map(Some),
        None => Ok(None),
    }
}

/// The account of an address, if any.
///
/// # Errors
/// When the database fails.
pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    match user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?
    {
        Some(model) => {
            let linked = model.oidc_subject.clone();
            to_user(conn, model).await.map(|u| Some((u, linked)))
        }
        None => Ok(None),
    }
}

/// Links an account to `subject` at `issuer`, if it is linked to no one yet. Returns whether it
/// did.
///
/// # Errors
/// [`StoreError::Conflict`] when another account holds that subject.
pub async fn link_subject(
    conn: &impl ConnectionTrait,
    id: Uuid,
    issuer: &str,
    subject: &str,
) -> Result<bool, StoreError> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::OidcIssuer, Expr::value(issuer))
        .col_expr(user::Column::OidcSubject, Expr::value(subject))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::OidcSubject.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
