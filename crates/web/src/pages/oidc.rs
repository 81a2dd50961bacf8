//! `/auth/oidc/login` and `/auth/oidc/callback`: signing in through ProConnect (SPEC §20). The
//! session opened is the one a local sign-in opens (§10); every refusal is a page in French
//! that says what to do, never a 500, and signs nobody in.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use maud::html;
use serde::Deserialize;
use terrain_app::oidc::{self, Callback, FLOW_COOKIE, Refusal};

use crate::{
    WebState,
    layout::Page,
    session::{Viewer, cookie, is_local_path, landing, session_cookie},
};

/// `?retour=…`: where to go once signed in.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    retour: Option<String>,
}

fn flow_cookie(value: &str, secure: bool, max_age: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    // Lax: the provider sends the browser back with a top-level GET, which carries it.
    format!(
        "{FLOW_COOKIE}={value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

fn refusal_page(viewer: Viewer, refusal: &Refusal) -> Response {
    let (status, title, message) = match refusal {
        Refusal::NotConfigured => (
            StatusCode::NOT_FOUND,
            "Connexion par ProConnect indisponible",
            "Ce service ne propose pas la connexion par ProConnect : connectez-vous avec votre adresse et votre mot de passe.".to_owned(),
        ),
        Refusal::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ProConnect ne répond pas",
            "Le fournisseur d'identité ne répond pas pour l'instant : réessayez dans quelques minutes, ou connectez-vous avec votre mot de passe.".to_owned(),
        ),
        Refusal::State => (
            StatusCode::BAD_REQUEST,
            "Connexion interrompue",
            "Cette connexion n'a pas été commencée ici, ou elle a expiré (dix minutes au plus) : recommencez depuis la page de connexion.".to_owned(),
        ),
        Refusal::Denied(_) => (
            StatusCode::FORBIDDEN,
            "Connexion refusée par ProConnect",
            "Le fournisseur d'identité n'a pas confirmé votre identité (connexion annulée ou refusée) : recommencez si besoin.".to_owned(),
        ),
        Refusal::Code(_) => (
            StatusCode::BAD_REQUEST,
            "Connexion déjà utilisée",
            "Ce retour de ProConnect a déjà servi ou a expiré : recommencez depuis la page de connexion.".to_owned(),
        ),
        Refusal::Token(_) => (
            StatusCode::BAD_REQUEST,
            "Identité non vérifiée",
            "Le jeton d'identité reçu n'a pas pu être vérifié (signature, émetteur, destinataire, expiration ou nonce) : recommencez depuis la page de connexion.".to_owned(),
        ),
        Refusal::Account(reason) => (StatusCode::FORBIDDEN, "Connexion impossible", reason.clone()),
        Refusal::App(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Connexion impossible pour l'instant",
            "Le service n'a pas pu ouvrir votre session : réessayez dans quelques instants.".to_owned(),
        ),
    };
    if !matches!(refusal, Refusal::Account(_) | Refusal::NotConfigured) {
        tracing::warn!(error = %refusal, "sign-in through the identity provider refused");
    }
    let body = html! {
        h1 { (title) }
        div.warning role="alert" { p { (message) } }
        p { a href="/connexion" { "Revenir à la page de connexion" } }
    };
    Page::new(title, viewer, body)
        .with_status(status)
        .into_response()
}

/// `GET /auth/oidc/login`: sends the browser to the provider.
pub async fn start_sign_in(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(query): Query<LoginQuery>,
) -> Response {
    let retour = query.retour.filter(|r| is_local_path(r));
    match oidc::begin(&state.app, retour).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.redirect).into_response();
            let max_age = oidc::FLOW_TTL.num_seconds();
            if let Ok(value) =
                HeaderValue::from_str(&flow_cookie(&started.cookie, state.secure_cookies, max_age))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(refusal) => refusal_page(viewer, &refusal),
    }
}

/// `GET /auth/oidc/callback`: checks what the provider sent and opens the session.
pub async fn finish_sign_in(
    State(state): State<WebState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Response {
    let flow = cookie(&headers, FLOW_COOKIE);
    let outcome = oidc::finish(&state.app, flow.as_deref(), callback).await;
    // The sign-in in progress is spent, whatever came of it: a replay finds no cookie.
    let spent = HeaderValue::from_str(&flow_cookie("", state.secure_cookies, 0)).ok();
    let mut response = match outcome {
        Ok(done) => {
            let to = landing(done.session.user.role, done.retour.as_deref());
            let mut response = Redirect::to(&to).into_response();
            if let Ok(value) =
                HeaderValue::from_str(&session_cookie(&done.session.cookie, state.secure_cookies))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(refusal) => refusal_page(viewer, &refusal),
    };
    if let Some(spent) = spent {
        response.headers_mut().append(header::SET_COOKIE, spent);
    }
    response
}
