//! Account creation, shared by registration, national administrators and the command line.

use terrain_domain::{DisplayName, Email, Password, ProgrammeCode, Role, TerritoryId, User};
use terrain_persistence::{
    Database, StoreError,
    repo::users::{self, NewUser},
};

use crate::{
    auth::password,
    error::{ApiError, FieldError},
    reference_data::Reference,
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
    reference: &Reference,
    role: Role,
    programme: Option<&str>,
    territory: Option<&str>,
) -> Result<ResolvedScope, ApiError> {
    if role != Role::Admin && (programme.is_some() || territory.is_some()) {
        return Err(ApiError::invalid(
            "scope",
            "seuls les administrateurs ont un périmètre",
        ));
    }
    let mut errors = Vec::new();
    let mut scope = ResolvedScope::default();
    if let Some(code) = programme {
        match reference.programme(code).map(|p| p.code.clone()) {
            Some(code) => scope.programme = Some(code),
            None => errors.push(FieldError::new("scope.programme", "programme inconnu")),
        }
    }
    if let Some(id) = territory {
        match reference.territory(id).map(|t| t.id().clone()) {
            Some(id) => scope.territory = Some(id),
            None => errors.push(FieldError::new("scope.territory", "territoire inconnu")),
        }
    }
    if errors.is_empty() {
        Ok(scope)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Creates an account after checking every field.
///
/// # Errors
/// 422 listing every invalid field, 409 when the email is taken.
pub async fn create_account(
    db: &Database,
    reference: &Reference,
    input: AccountInput,
) -> Result<User, ApiError> {
    let email = Email::parse(&input.email).map_err(|e| FieldError::new("email", e.to_string()));
    let secret =
        Password::parse(&input.password).map_err(|e| FieldError::new("password", e.to_string()));
    let name = DisplayName::parse(&input.display_name)
        .map_err(|e| FieldError::new("display_name", e.to_string()));
    let (email, secret, name) = match (email, secret, name) {
        (Ok(email), Ok(secret), Ok(name)) => (email, secret, name),
        (email, secret, name) => {
            return Err(ApiError::Validation(
                [email.err(), secret.err(), name.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            ));
        }
    };
    let scope = resolve_scope(
        reference,
        input.role,
        input.programme.as_deref(),
        input.territory.as_deref(),
    )?;
    let password_hash = password::hash(secret).await?;
    let txn = db.begin_write().await?;
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
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict("Un compte existe déjà avec cette adresse.".into())
        }
        other => other.into(),
    })?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(user)
}
