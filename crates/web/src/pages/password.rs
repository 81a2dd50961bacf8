//! `/mot-de-passe-oublie`: a forgotten password (SPEC §10). The request answers the same
//! whether the address has an account or not; the link of the mail is valid one hour, once,
//! and using it ends every session of the account.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{AppError, password_reset};

use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, token},
    layout::Page,
    session::{Client, Viewer},
};

/// The request form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    csrf: String,
    email: String,
}

fn label(field: &str) -> String {
    match field {
        "email" => "Adresse électronique",
        "password" => "Nouveau mot de passe",
        _ => "Formulaire",
    }
    .to_owned()
}

fn request_form(viewer: &Viewer, email: &str, errors: &FormErrors) -> Markup {
    html! {
        h1 { "Mot de passe oublié" }
        p.lead { "Indiquez l'adresse de votre compte : nous y enverrons un lien pour choisir un nouveau mot de passe." }
        (errors.summary(&label))
        form.stack method="post" action="/mot-de-passe-oublie" novalidate {
            (token(viewer.csrf()))
            (Field::new("email", "Adresse électronique", errors).required()
                .input("email", email, Some("email")))
            button type="submit" { "Envoyer le lien" }
        }
        p { a href="/connexion" { "Revenir à la connexion" } }
    }
}

/// `GET /mot-de-passe-oublie`.
pub async fn show_request(viewer: Viewer) -> Page {
    let body = request_form(&viewer, "", &FormErrors::none());
    Page::new("Mot de passe oublié", viewer, body)
}

/// `POST /mot-de-passe-oublie`.
pub async fn request_link(
    State(state): State<WebState>,
    viewer: Viewer,
    Client(client): Client,
    Form(form): Form<RequestForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf)?;
    let mut errors = FormErrors::none();
    let status = match password_reset::request(&state.app, client, &form.email).await {
        Ok(()) => {
            let body = html! {
                h1 { "Vérifiez votre messagerie" }
                p.notice role="status" {
                    "Si un compte existe à l'adresse " strong { (form.email.trim()) } ", un message vient d'y être envoyé avec un lien pour choisir un nouveau mot de passe. Le lien est valable une heure."
                }
                p { "Rien reçu après quelques minutes ? Vérifiez les indésirables, ou " a href="/mot-de-passe-oublie" { "recommencez" } "." }
            };
            return Ok(Page::new("Lien envoyé", viewer, body).into_response());
        }
        Err(AppError::Invalid(fields)) => {
            errors = FormErrors::from_fields(&fields, str::to_owned);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::TooManyRequests { .. }) => {
            errors.push(
                "email",
                "trop de demandes en peu de temps : patientez quelques minutes",
            );
            StatusCode::TOO_MANY_REQUESTS
        }
        Err(other) => return Err(other.into()),
    };
    let body = request_form(&viewer, &form.email, &errors);
    Ok(Page::new("Mot de passe oublié — erreur", viewer, body)
        .with_status(status)
        .into_response())
}

/// The new password form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    csrf: String,
    password: String,
}

fn reset_form(viewer: &Viewer, token_value: &str, errors: &FormErrors) -> Markup {
    html! {
        h1 { "Choisir un nouveau mot de passe" }
        (errors.summary(&label))
        form.stack method="post" action=(format!("/mot-de-passe-oublie/{token_value}")) novalidate {
            (token(viewer.csrf()))
            (Field::new("password", "Nouveau mot de passe", errors).required()
                .hint("Au moins 12 caractères.")
                .input("password", "", Some("new-password")))
            button type="submit" { "Enregistrer le mot de passe" }
        }
    }
}

fn dead_link(viewer: Viewer) -> Response {
    let body = html! {
        h1 { "Ce lien ne fonctionne plus" }
        p { "Un lien de réinitialisation est valable une heure et ne sert qu'une fois." }
        p { a href="/mot-de-passe-oublie" { "Demander un nouveau lien" } }
    };
    Page::new("Lien expiré", viewer, body)
        .with_status(StatusCode::NOT_FOUND)
        .into_response()
}

/// `GET /mot-de-passe-oublie/{jeton}`.
pub async fn show_reset(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(token_value): Path<String>,
) -> Result<Response, PageError> {
    if !password_reset::is_live(&state.app, &token_value).await? {
        return Ok(dead_link(viewer));
    }
    let body = reset_form(&viewer, &token_value, &FormErrors::none());
    Ok(Page::new("Nouveau mot de passe", viewer, body).into_response())
}

/// `POST /mot-de-passe-oublie/{jeton}`.
pub async fn reset(
    State(state): State<WebState>,
    viewer: Viewer,
    Client(client): Client,
    Path(token_value): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf)?;
    let mut errors = FormErrors::none();
    let status = match password_reset::reset(&state.app, client, &token_value, &form.password).await
    {
        Ok(_) => return Ok(Redirect::to("/connexion?mot-de-passe=change").into_response()),
        Err(AppError::NotFound) => return Ok(dead_link(viewer)),
        Err(AppError::Invalid(fields)) => {
            errors = FormErrors::from_fields(&fields, str::to_owned);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::TooManyRequests { .. }) => {
            errors.push(
                "password",
                "trop de tentatives en peu de temps : patientez quelques minutes",
            );
            StatusCode::TOO_MANY_REQUESTS
        }
        Err(other) => return Err(other.into()),
    };
    let body = reset_form(&viewer, &token_value, &errors);
    Ok(Page::new("Nouveau mot de passe — erreur", viewer, body)
        .with_status(status)
        .into_response())
}
