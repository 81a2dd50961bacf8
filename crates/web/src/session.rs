//! Who is looking at a page: the session behind the `terrain_session` cookie, or nobody. Pages
//! behind a session redirect to `/connexion?retour=…` when there is none.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use rand::Rng as _;
use terrain_app::{limits, sessions};
use terrain_domain::{Actor, Role};

use crate::{WebState, error::PageError};

/// The session cookie.
pub const SESSION_COOKIE: &str = "terrain_session";
/// The cookie of the token that forms carry before anyone is signed in.
pub const CSRF_COOKIE: &str = "terrain_csrf";

/// The value of a cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// Who is looking: a session, or an anonymous visitor with the token of their forms.
#[derive(Debug, Clone)]
pub struct Viewer {
    session: Option<sessions::Session>,
    csrf: String,
    new_csrf: bool,
    /// Whether cookies are sent only over HTTPS (`server.public_url` in `https://`).
    pub secure: bool,
}

impl Viewer {
    /// Nobody (error pages: no form, no session read).
    pub fn nobody() -> Self {
        Viewer {
            session: None,
            csrf: String::new(),
            new_csrf: false,
            secure: false,
        }
    }

    /// The session, if signed in.
    pub fn session(&self) -> Option<&sessions::Session> {
        self.session.as_ref()
    }

    /// The token every form of this page carries.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// The `Set-Cookie` of a new anonymous form token, when one must be set.
    pub fn csrf_cookie(&self) -> Option<String> {
        (self.session.is_none() && self.new_csrf).then(|| csrf_cookie(&self.csrf, self.secure))
    }

    /// The notice left by the previous action.
    pub fn notice(&self) -> Option<&str> {
        self.session().and_then(|s| s.notice.as_deref())
    }

    /// Whether `submitted` is this viewer's form token (compared in constant time).
    pub fn owns_token(&self, submitted: &str) -> bool {
        let expected = self.csrf.as_bytes();
        let submitted = submitted.as_bytes();
        expected.len() == submitted.len()
            && !expected.is_empty()
            && expected
                .iter()
                .zip(submitted)
                .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// Refuses a form whose token is not this viewer's (a forged or stale form): 403, nothing
    /// changes.
    ///
    /// # Errors
    /// [`PageError::BadToken`].
    pub fn check(&self, submitted: &str) -> Result<(), PageError> {
        if self.owns_token(submitted) {
            Ok(())
        } else {
            Err(PageError::BadToken)
        }
    }
}

fn new_token() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl FromRequestParts<WebState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, PageError> {
        let secure = state.secure_cookies;
        if let Some(value) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some(session) = sessions::find(&state.app, &value).await?
        {
            return Ok(Viewer {
                csrf: session.csrf.clone(),
                session: Some(session),
                new_csrf: false,
                secure,
            });
        }
        let (csrf, new_csrf) = match cookie(&parts.headers, CSRF_COOKIE) {
            Some(csrf) if csrf.len() == 48 && csrf.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (csrf, false)
            }
            _ => (new_token(), true),
        };
        Ok(Viewer {
            session: None,
            csrf,
            new_csrf,
            secure,
        })
    }
}

/// A signed-in viewer; without a session, a redirect to the sign-in page that comes back here.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The viewer, for the page.
    pub viewer: Viewer,
    /// Its session.
    pub session: sessions::Session,
}

impl SignedIn {
    /// The actor.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.session.user)
    }
}

/// The answer to a page that needs a session when there is none.
#[derive(Debug)]
pub struct ToSignIn(String);

impl IntoResponse for ToSignIn {
    fn into_response(self) -> Response {
        let target = form_urlencoded::Serializer::new(String::new())
            .append_pair("retour", &self.0)
            .finish();
        Redirect::to(&format!("/connexion?{target}")).into_response()
    }
}

/// Why a page needing a session was not served.
#[derive(Debug)]
pub enum SignInRejection {
    /// No session: go and sign in.
    NoSession(ToSignIn),
    /// The page failed.
    Failed(PageError),
}

impl IntoResponse for SignInRejection {
    fn into_response(self) -> Response {
        match self {
            SignInRejection::NoSession(redirect) => redirect.into_response(),
            SignInRejection::Failed(error) => error.into_response(),
        }
    }
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = SignInRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state)
            .await
            .map_err(SignInRejection::Failed)?;
        if let Some(session) = viewer.session().cloned() {
            return Ok(SignedIn { viewer, session });
        }
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        Err(SignInRejection::NoSession(ToSignIn(here)))
    }
}

/// A signed-in project lead (others get a 403 page).
#[derive(Debug, Clone)]
pub struct Lead(pub SignedIn);

impl FromRequestParts<WebState> for Lead {
    type Rejection = SignInRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let signed = SignedIn::from_request_parts(parts, state).await?;
        if signed.session.user.role == Role::Lead {
            Ok(Lead(signed))
        } else {
            Err(SignInRejection::Failed(PageError::Forbidden(
                "Cet espace est réservé aux porteurs de projet.".into(),
            )))
        }
    }
}

/// A signed-in administrator (others get a 403 page).
#[derive(Debug, Clone)]
pub struct Admin(pub SignedIn);

impl FromRequestParts<WebState> for Admin {
    type Rejection = SignInRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let signed = SignedIn::from_request_parts(parts, state).await?;
        if signed.session.user.role == Role::Admin {
            Ok(Admin(signed))
        } else {
            Err(SignInRejection::Failed(PageError::Forbidden(
                "L'instruction est réservée aux administrateurs.".into(),
            )))
        }
    }
}

/// A signed-in national administrator (others get a 403 page).
#[derive(Debug, Clone)]
pub struct National(pub SignedIn);

impl FromRequestParts<WebState> for National {
    type Rejection = SignInRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let Admin(signed) = Admin::from_request_parts(parts, state).await?;
        if signed.actor().is_national_admin() {
            Ok(National(signed))
        } else {
            Err(SignInRejection::Failed(PageError::Forbidden(
                "L'administration des comptes est réservée aux administrateurs nationaux.".into(),
            )))
        }
    }
}

/// The client's address, as the API reads it (trusted proxies included).
#[derive(Debug, Clone, Copy)]
pub struct Client(pub IpAddr);

impl FromRequestParts<WebState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        let values = |name: &str| -> Vec<&str> {
            parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect()
        };
        Ok(Client(limits::client_address(
            peer,
            &values("x-forwarded-for"),
            &values("forwarded"),
            state.app.trusted_proxies(),
        )))
    }
}

/// Where to go after signing in: `retour` when it is a path of this site (never another
/// host), else the home of the role.
pub fn landing(role: Role, retour: Option<&str>) -> String {
    if let Some(path) = retour.filter(|p| is_local_path(p)) {
        return path.to_owned();
    }
    match role {
        Role::Lead => "/espace".into(),
        Role::Admin => "/instruction".into(),
        Role::Observer => "/".into(),
    }
}

/// A path of this site: `/…`, not `//host`, no backslash, no scheme, no control character.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 512
}

/// The `Set-Cookie` value of the session cookie.
pub fn session_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn expired_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The `Set-Cookie` value of the anonymous forms' token.
pub fn csrf_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed_after_signing_in() {
        assert_eq!(
            landing(Role::Lead, Some("/espace/projets/x")),
            "/espace/projets/x"
        );
        for forged in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(landing(Role::Lead, Some(forged)), "/espace", "{forged}");
        }
        assert_eq!(landing(Role::Admin, None), "/instruction");
        assert_eq!(landing(Role::Observer, None), "/");
    }
}
