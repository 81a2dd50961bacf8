//! Signing in, out and up (SPEC §10). A wrong password never says whether the address exists;
//! the rate limits are the API's, per address and per account.

use axum::{
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{AppError, sessions};

use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, token},
    layout::Page,
    session::{
        Client, SignedIn, Viewer, expired_session_cookie, is_local_path, landing, session_cookie,
    },
};

/// `?retour=…` (where to go after signing in) and `?session=terminee` (just signed out).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInQuery {
    retour: Option<String>,
    session: Option<String>,
    #[serde(rename = "mot-de-passe")]
    password: Option<String>,
}

/// The sign-in form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    csrf: String,
    email: String,
    password: String,
    retour: String,
}

fn label(field: &str) -> String {
    match field {
        "email" => "Adresse électronique",
        "password" => "Mot de passe",
        "display_name" => "Nom affiché",
        _ => "Formulaire",
    }
    .to_owned()
}

fn sign_in_form(
    state: &WebState,
    viewer: &Viewer,
    email: &str,
    retour: &str,
    errors: &FormErrors,
) -> Markup {
    let provider = state.app.settings().auth.oidc.as_ref();
    let federated = if is_local_path(retour) {
        format!(
            "/auth/oidc/login?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("retour", retour)
                .finish()
        )
    } else {
        "/auth/oidc/login".to_owned()
    };
    html! {
        h1 { "Se connecter" }
        @if let Some(provider) = provider {
            p { a.button href=(federated) { (provider.label) } }
            p.hint { "Pour les agents de l'État et des collectivités. Sinon, avec votre adresse et votre mot de passe :" }
        }
        (errors.summary(&label))
        form.stack method="post" action="/connexion" novalidate {
            (token(viewer.csrf()))
            @if is_local_path(retour) {
                input type="hidden" name="retour" value=(retour);
            }
            (Field::new("email", "Adresse électronique", errors).required()
                .hint("Par exemple : prenom.nom@ac-lyon.fr")
                .input("email", email, Some("username")))
            (Field::new("password", "Mot de passe", errors).required()
                .input("password", "", Some("current-password")))
            button type="submit" { "Se connecter" }
        }
        p { a href="/mot-de-passe-oublie" { "Mot de passe oublié ?" } }
        p { "Pas encore de compte ? " a href="/inscription" { "Créer un compte de porteur de projet" } }
    }
}

/// `GET /connexion`.
pub async fn show_sign_in(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(query): Query<SignInQuery>,
) -> Response {
    if let Some(session) = viewer.session() {
        return Redirect::to(&landing(session.user.role, query.retour.as_deref())).into_response();
    }
    let retour = query.retour.unwrap_or_default();
    let mut body = sign_in_form(&state, &viewer, "", &retour, &FormErrors::none());
    if query.session.as_deref() == Some("terminee") {
        body = html! { p.notice role="status" { "Vous êtes déconnecté·e." } (body) };
    }
    if query.password.as_deref() == Some("change") {
        body = html! {
            p.notice role="status" { "Votre mot de passe est changé : connectez-vous avec le nouveau. Vos autres sessions ont été fermées." }
            (body)
        };
    }
    Page::new("Se connecter", viewer, body).into_response()
}

/// The answer to a session just opened: its cookie, and the page it goes to.
fn opened(session: &sessions::Session, to: &str, secure: bool) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&session_cookie(&session.cookie, secure)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A form shown again after a refusal of too many attempts: 429 with the wait.
fn too_many(page: Page, retry_after: i64) -> Response {
    let mut response = page
        .with_status(StatusCode::TOO_MANY_REQUESTS)
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

const TOO_MANY: &str =
    "trop de tentatives en peu de temps : patientez quelques minutes avant de réessayer";

/// `POST /connexion`.
pub async fn sign_in(
    State(state): State<WebState>,
    viewer: Viewer,
    Client(client): Client,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf)?;
    let mut errors = FormErrors::none();
    let outcome = sessions::open(&state.app, client, &form.email, form.password).await;
    let retry_after = match outcome {
        Ok(session) => {
            let to = landing(session.user.role, Some(&form.retour));
            return Ok(opened(&session, &to, state.secure_cookies));
        }
        Err(AppError::Unauthenticated | AppError::Invalid(_)) => {
            errors.push("password", "adresse électronique ou mot de passe incorrect");
            None
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            errors.push("password", TOO_MANY);
            Some(retry_after)
        }
        Err(other) => return Err(other.into()),
    };
    let body = sign_in_form(&state, &viewer, &form.email, &form.retour, &errors);
    let page = Page::new("Se connecter — erreur", viewer, body);
    Ok(match retry_after {
        Some(seconds) => too_many(page, seconds),
        None => page.with_status(StatusCode::UNAUTHORIZED).into_response(),
    })
}

/// The sign-out form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignOutForm {
    csrf: String,
}

/// `POST /deconnexion`: ends the session and its sign-in.
pub async fn sign_out(
    State(state): State<WebState>,
    signed: SignedIn,
    Form(form): Form<SignOutForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    sessions::end(&state.app, &signed.session.cookie).await?;
    // A session the provider opened ends there too: the provider then sends the browser back.
    let to = match &signed.session.id_token {
        Some(id_token) => terrain_app::oidc::end_session_url(&state.app, id_token).await,
        None => None,
    };
    let mut response =
        Redirect::to(to.as_deref().unwrap_or("/connexion?session=terminee")).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&expired_session_cookie(state.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The registration form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegistrationForm {
    csrf: String,
    display_name: String,
    email: String,
    password: String,
}

fn registration_form(viewer: &Viewer, form: &RegistrationForm, errors: &FormErrors) -> Markup {
    html! {
        h1 { "Créer un compte" }
        p.lead { "Le compte d'un porteur de projet : une cheffe d'établissement, un professionnel de santé, une association…" }
        (errors.clone().in_order(&["display_name", "email", "password"]).summary(&label))
        form.stack method="post" action="/inscription" novalidate {
            (token(viewer.csrf()))
            (Field::new("display_name", "Nom affiché", errors).required()
                .hint("Le nom que verront les instructeurs, par exemple : Collège Jean Moulin — Mme Durand")
                .input("text", &form.display_name, Some("name")))
            (Field::new("email", "Adresse électronique", errors).required()
                .input("email", &form.email, Some("email")))
            (Field::new("password", "Mot de passe", errors).required()
                .hint("Au moins 12 caractères.")
                .input("password", "", Some("new-password")))
            button type="submit" { "Créer mon compte" }
        }
        p { "Déjà un compte ? " a href="/connexion" { "Se connecter" } }
    }
}

/// `GET /inscription`.
pub async fn show_registration(viewer: Viewer) -> Response {
    if viewer.session().is_some() {
        return Redirect::to("/espace").into_response();
    }
    let body = registration_form(&viewer, &RegistrationForm::default(), &FormErrors::none());
    Page::new("Créer un compte", viewer, body).into_response()
}

/// `POST /inscription`: registers a lead, signs them in, goes to `/espace`.
pub async fn register(
    State(state): State<WebState>,
    viewer: Viewer,
    Client(client): Client,
    Form(form): Form<RegistrationForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf)?;
    let outcome = sessions::register(
        &state.app,
        client,
        form.email.clone(),
        form.password.clone(),
        form.display_name.clone(),
    )
    .await;
    let (errors, status, retry_after) = match outcome {
        Ok(session) => {
            sessions::notify(
                &state.app,
                &session,
                "Votre compte est créé : vous pouvez déposer un projet.".into(),
            )
            .await?;
            return Ok(opened(&session, "/espace", state.secure_cookies));
        }
        Err(AppError::Invalid(fields)) => (
            FormErrors::from_fields(&fields, str::to_owned),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        Err(AppError::Conflict(reason)) => {
            let mut errors = FormErrors::none();
            errors.push("email", &reason);
            (errors, StatusCode::CONFLICT, None)
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            let mut errors = FormErrors::none();
            errors.push("email", TOO_MANY);
            (errors, StatusCode::TOO_MANY_REQUESTS, Some(retry_after))
        }
        Err(other) => return Err(other.into()),
    };
    let body = registration_form(&viewer, &form, &errors);
    let page = Page::new("Créer un compte — erreur", viewer, body);
    Ok(match retry_after {
        Some(seconds) => too_many(page, seconds),
        None => page.with_status(status).into_response(),
    })
}
