//! Accounts and tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{Role, User};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::openapi::{
    fields,
    reference::{ProgrammeCode, TerritoryId},
};

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Project lead.
    Lead,
    /// Administrator.
    Admin,
    /// Observer (read-only analyst).
    Observer,
}

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Self {
        match role {
            RoleName::Lead => Role::Lead,
            RoleName::Admin => Role::Admin,
            RoleName::Observer => Role::Observer,
        }
    }
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Lead => RoleName::Lead,
            Role::Admin => RoleName::Admin,
            Role::Observer => RoleName::Observer,
        }
    }
}

/// `POST /auth/register`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address, unique (case-insensitive).
    #[schema(schema_with = fields::email)]
    pub email: String,
    /// 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    /// Name shown to others.
    #[schema(schema_with = fields::display_name)]
    pub display_name: String,
}

/// `POST /auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token received at login or at the last refresh.
    pub refresh_token: String,
}

/// A new pair of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds before the access token expires.
    pub expires_in: i64,
    /// Opaque, single-use token to get the next pair.
    pub refresh_token: String,
}

/// An administrator's scope, as written by a national administrator.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeInput {
    /// Only this programme.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// Only this territory subtree (`kind:code`).
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
}

/// An administrator's scope; both `null` means national.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeView {
    /// Programme code, or `null` for every programme.
    pub programme: Option<String>,
    /// Territory id, or `null` for the whole country.
    pub territory: Option<String>,
}

/// An account (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Identifier.
    pub id: Uuid,
    /// Email address.
    pub email: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: RoleName,
    /// Scope of an administrator.
    pub scope: ScopeView,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// How the account hears about projects (`PUT /me/preferences`).
    pub mail: super::deliveries::MailPreferenceName,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id,
            email: user.email.to_string(),
            display_name: user.display_name,
            role: user.role.into(),
            scope: ScopeView {
                programme: user.scope.programme.map(|p| p.to_string()),
                territory: user.scope.territory.map(|t| t.id.to_string()),
            },
            disabled: user.disabled,
            mail: user.mail.into(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// `POST /users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Email address, unique.
    #[schema(schema_with = fields::email)]
    pub email: String,
    /// 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    /// Name shown.
    #[schema(schema_with = fields::display_name)]
    pub display_name: String,
    /// Role.
    pub role: RoleName,
    /// Scope (administrators only); absent means national.
    #[serde(default, deserialize_with = "object")]
    pub scope: Option<ScopeInput>,
}

/// `PATCH /users/{id}`: only the fields given change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New name shown.
    #[schema(schema_with = fields::display_name_or_null)]
    pub display_name: Option<String>,
    /// New role; leaving the admin role clears the scope.
    pub role: Option<RoleName>,
    /// New scope, replacing the old one (`{}` makes an administrator national).
    #[serde(default, deserialize_with = "object")]
    pub scope: Option<ScopeInput>,
    /// Disable (`true`) or enable (`false`) the account.
    pub disabled: Option<bool>,
}

/// An optional nested object, refusing the array form serde would otherwise accept for a struct.
fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error as _;
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value @ serde_json::Value::Object(_)) => serde_json::from_value(value)
            .map(Some)
            .map_err(D::Error::custom),
        Some(_) => Err(D::Error::custom("un objet JSON est attendu")),
    }
}
