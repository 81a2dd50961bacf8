//! Access tokens (JWT, HS256 only, 15 minutes) and opaque refresh tokens.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng as _;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use terrain_domain::User;
use uuid::Uuid;

use crate::config::AuthSettings;

/// Lifetime of an access token, in seconds.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: u64 = 5;
/// Lifetime of a refresh token, in days.
pub const REFRESH_TTL_DAYS: i64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The user's role when the token was issued (informative: the database decides).
    pub role: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before (seconds since the epoch); the issue time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Token id.
    pub jti: String,
}

/// Keys and rules for access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from the settings; `secret` is the HS256 secret (at least 32 bytes, checked at start).
    pub fn new(settings: &AuthSettings, secret: &secrecy::SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        TokenKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        }
    }

    /// Signs an access token for `user`.
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue(&self, user: &User) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.id.to_string(),
            role: user.role.as_str().to_owned(),
            iat: now,
            nbf: Some(now),
            exp: now + ACCESS_TTL_SECS,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims of a valid token: right algorithm and signature, not expired, not used
    /// before its time, right issuer and audience, issued in the past (within the leeway) and
    /// for no longer than the access-token lifetime.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        let now = Utc::now().timestamp();
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
        let issued_in_the_past = claims.iat <= now + leeway;
        let lifetime_allowed = claims.exp.checked_sub(claims.iat)? <= ACCESS_TTL_SECS;
        (issued_in_the_past && lifetime_allowed).then_some(claims)
    }
}

/// A new refresh token and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let bytes: [u8; 32] = rand::rng().random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The stored form of a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
