//! Sign-in through ProConnect, or any OpenID provider (SPEC §20), with the `openidconnect`
//! crate: the provider's endpoints and keys discovered from its issuer at each sign-in (so a
//! key rotation needs nothing); a fresh `state`, `nonce` and PKCE verifier kept in a
//! short-lived cookie signed with the service's secret; at the callback, the state compared,
//! the code exchanged once, the ID token verified (signature with the provider's keys, `iss`,
//! `aud`, `exp`, `nonce`), the userinfo read — and verified when the provider signs it, as
//! ProConnect does — then the account matched by [`accounts::federated`].

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationFlow, AuthorizationCode, ClientId,
    ClientSecret, CsrfToken, EndSessionUrl, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope, UserInfoClaims,
    core::{
        CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
        CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
        CoreSubjectIdentifierType,
    },
    http,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{
    App, AppError,
    accounts::{self, Federated},
    config::OidcSettings,
    sessions::{self, Session},
};

/// The cookie holding a sign-in in progress.
pub const FLOW_COOKIE: &str = "terrain_oidc";

/// How long a sign-in at the provider may take.
pub const FLOW_TTL: Duration = Duration::minutes(10);

/// Why a sign-in through the provider did not happen. Nothing was signed in.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The service has no provider configured.
    #[error("no identity provider")]
    NotConfigured,
    /// The provider could not be reached or answered nonsense.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// No sign-in in progress, or not this one: a `state` that is not the one sent, an expired
    /// or tampered cookie.
    #[error("state mismatch")]
    State,
    /// The provider refused, or the person cancelled.
    #[error("provider refused: {0}")]
    Denied(String),
    /// The code was refused by the provider (spent, replayed, expired).
    #[error("code refused: {0}")]
    Code(String),
    /// The ID token (or the signed userinfo) did not verify.
    #[error("token refused: {0}")]
    Token(String),
    /// The account cannot be signed in (unverified address, disabled, linked elsewhere).
    #[error("{0}")]
    Account(String),
    /// Anything else.
    #[error(transparent)]
    App(#[from] AppError),
}

/// What ProConnect adds to the standard claims.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ProConnectClaims {
    /// The family name (ProConnect's `usual_name`).
    #[serde(default)]
    usual_name: Option<String>,
}

impl AdditionalClaims for ProConnectClaims {}

/// What RP-initiated logout adds to the provider's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EndSession {
    end_session_endpoint: Option<EndSessionUrl>,
}

impl AdditionalProviderMetadata for EndSession {}

/// The provider's metadata, its end of session endpoint included.
type Metadata = ProviderMetadata<
    EndSession,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The sign-in in progress, in its signed cookie.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    retour: Option<String>,
    expires_at: DateTime<Utc>,
}

fn settings(app: &App) -> Result<&OidcSettings, Refusal> {
    app.settings()
        .auth
        .oidc
        .as_ref()
        .ok_or(Refusal::NotConfigured)
}

fn mac(app: &App) -> Result<Hmac<Sha256>, Refusal> {
    let secret = app
        .settings()
        .auth
        .jwt_secret
        .as_ref()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no signing secret")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(AppError::internal)?;
    mac.update(b"terrain-oidc-flow:");
    Ok(mac)
}

fn seal(app: &App, flow: &Flow) -> Result<String, Refusal> {
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(flow).map_err(AppError::internal)?);
    let mut mac = mac(app)?;
    mac.update(body.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{body}.{tag}"))
}

fn open(app: &App, cookie: &str) -> Result<Flow, Refusal> {
    let (body, tag) = cookie.split_once('.').ok_or(Refusal::State)?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Refusal::State)?;
    let mut mac = mac(app)?;
    mac.update(body.as_bytes());
    mac.verify_slice(&tag).map_err(|_| Refusal::State)?;
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| Refusal::State)?;
    let flow: Flow = serde_json::from_slice(&bytes).map_err(|_| Refusal::State)?;
    if flow.expires_at < app.now() {
        return Err(Refusal::State);
    }
    Ok(flow)
}

/// The HTTP client the protocol runs on: no redirect followed, bounded in time.
fn http_client() -> Result<reqwest::Client, Refusal> {
    crate::webhooks::install_tls();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| Refusal::Unavailable(e.to_string()))
}

/// One request of the protocol, over reqwest.
async fn send(
    client: reqwest::Client,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<Vec<u8>>, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

/// The provider's metadata (endpoints, keys, end of session), discovered from its issuer.
async fn discover(app: &App, client: &reqwest::Client) -> Result<Metadata, Refusal> {
    let settings = settings(app)?;
    let issuer =
        IssuerUrl::new(settings.issuer.clone()).map_err(|e| Refusal::Unavailable(e.to_string()))?;
    let http = |request| send(client.clone(), request);
    Metadata::discover_async(issuer, &http)
        .await
        .map_err(|e| Refusal::Unavailable(e.to_string()))
}

fn redirect_url(app: &App) -> Result<RedirectUrl, Refusal> {
    let settings = settings(app)?;
    RedirectUrl::new(format!(
        "{}{}",
        app.settings().server.public_url(),
        settings.redirect_path
    ))
    .map_err(|e| AppError::internal(anyhow::anyhow!("redirect URL: {e}")).into())
}

/// Where to send the browser to sign in, and the cookie of the sign-in in progress.
#[derive(Debug)]
pub struct Started {
    /// The provider's authorization URL.
    pub redirect: String,
    /// The value of [`FLOW_COOKIE`].
    pub cookie: String,
}

/// Starts a sign-in at the provider: a fresh `state`, `nonce` and PKCE verifier.
///
/// # Errors
/// [`Refusal::NotConfigured`], [`Refusal::Unavailable`].
pub async fn begin(app: &App, retour: Option<String>) -> Result<Started, Refusal> {
    let settings = settings(app)?;
    let http = http_client()?;
    let metadata = discover(app, &http).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(
            settings.client_secret.expose_secret().to_owned(),
        )),
    )
    .set_redirect_uri(redirect_url(app)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in settings.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    let flow = Flow {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        retour,
        expires_at: app.now() + FLOW_TTL,
    };
    Ok(Started {
        redirect: url.to_string(),
        cookie: seal(app, &flow)?,
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Callback {
    /// The authorization code.
    pub code: Option<String>,
    /// The state sent.
    pub state: Option<String>,
    /// An error code (`access_denied`…).
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
}

/// A sign-in done: the session, and where the person wanted to go.
#[derive(Debug)]
pub struct Finished {
    /// The session opened.
    pub session: Session,
    /// The page asked for before signing in.
    pub retour: Option<String>,
}

/// Finishes a sign-in: checks everything, then opens a session as a local sign-in does.
///
/// # Errors
/// A [`Refusal`], and nothing is signed in.
pub async fn finish(
    app: &App,
    cookie: Option<&str>,
    callback: Callback,
) -> Result<Finished, Refusal> {
    let settings = settings(app)?;
    let flow = open(app, cookie.ok_or(Refusal::State)?)?;
    if let Some(error) = callback.error {
        return Err(Refusal::Denied(callback.error_description.unwrap_or(error)));
    }
    let given = callback.state.ok_or(Refusal::State)?;
    // Both are random strings of the same length: comparing them in constant time costs
    // nothing and leaks nothing.
    if !constant_time_eq(given.as_bytes(), flow.state.as_bytes()) {
        return Err(Refusal::State);
    }
    let code = callback
        .code
        .ok_or_else(|| Refusal::Code("no code".into()))?;
    let http_client = http_client()?;
    let metadata = discover(app, &http_client).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(
            settings.client_secret.expose_secret().to_owned(),
        )),
    )
    .set_redirect_uri(redirect_url(app)?);
    let http = |request| send(http_client.clone(), request);
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| Refusal::Unavailable(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier))
        .request_async(&http)
        .await
        .map_err(|e| Refusal::Code(e.to_string()))?;
    let id_token = tokens
        .extra_fields()
        .id_token()
        .ok_or_else(|| Refusal::Token("no ID token".into()))?;
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(flow.nonce))
        .map_err(|e| Refusal::Token(e.to_string()))?;
    let subject = claims.subject().to_string();
    let mut email = claims.email().map(|e| e.to_string());
    let mut verified = claims.email_verified().unwrap_or(false);
    let mut name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string());
    // The userinfo holds what ProConnect keeps out of the ID token; a signed one is verified
    // with the provider's keys, and must be about the same subject.
    if let Ok(request) = client.user_info(
        tokens.access_token().clone(),
        Some(claims.subject().clone()),
    ) {
        let info: UserInfoClaims<ProConnectClaims, CoreGenderClaim> = request
            .request_async(&http)
            .await
            .map_err(|e| Refusal::Token(format!("userinfo: {e}")))?;
        if let Some(address) = info.email() {
            email = Some(address.to_string());
            verified = info.email_verified().unwrap_or(false);
        }
        let given = info
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string());
        let family = info.additional_claims().usual_name.clone().or_else(|| {
            info.family_name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string())
        });
        let full = [given, family]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !full.trim().is_empty() {
            name = Some(full);
        } else if name.is_none() {
            name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
        }
    }
    let signed_in = accounts::federated(
        app,
        Federated {
            issuer: settings.issuer.clone(),
            subject,
            email,
            email_verified: verified,
            name,
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Forbidden(reason) => Refusal::Account(reason),
        other => Refusal::App(other),
    })?;
    let session = sessions::start_federated(app, signed_in, &id_token.to_string()).await?;
    Ok(Finished {
        session,
        retour: flow.retour,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where to send the browser so that the provider ends its session too, then comes back to
/// `/connexion`; `None` when the provider has no end of session endpoint or cannot be reached
/// (the local session is ended anyway).
pub async fn end_session_url(app: &App, id_token: &str) -> Option<String> {
    let http = http_client().ok()?;
    let metadata = discover(app, &http).await.ok()?;
    let mut url = metadata
        .additional_metadata()
        .end_session_endpoint
        .as_ref()?
        .url()
        .clone();
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair(
            "post_logout_redirect_uri",
            &format!(
                "{}/connexion?session=terminee",
                app.settings().server.public_url()
            ),
        )
        .append_pair("state", &URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>()));
    Some(url.to_string())
}

/// The origin of the provider (for the pages' `form-action`: signing out sends the browser
/// there), when one is configured.
pub fn provider_origin(settings: &crate::config::Settings) -> Option<String> {
    let issuer = url::Url::parse(&settings.auth.oidc.as_ref()?.issuer).ok()?;
    Some(issuer.origin().ascii_serialization())
}
