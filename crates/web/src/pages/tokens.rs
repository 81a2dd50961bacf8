//! `/espace/jetons`: a person's API tokens (SPEC §12), for any signed-in account — an
//! analyst's notebook, an académie's information system. The secret is shown once, on the
//! page that answers its creation, and never again.

use axum::{extract::State, http::StatusCode};
use axum_extra::extract::Form;
use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{
    AppError,
    api_tokens::{self, TokenInput},
};
use terrain_domain::{ApiToken, TokenAccess, fr};

use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    pages::{PathId, project_form::territory_options_within},
    session::SignedIn,
};

/// The creation form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
    name: String,
    access: String,
    expires_on: String,
    programme: String,
    territory: String,
}

fn label(field: &str) -> String {
    match field {
        "name" => "Nom du jeton",
        "access" => "Accès",
        "expires_on" => "Date d'expiration",
        "programme" => "Programme",
        "territory" => "Territoire",
        _ => "Formulaire",
    }
    .to_owned()
}

fn access_label(access: TokenAccess) -> &'static str {
    match access {
        TokenAccess::Read => "Lecture",
        TokenAccess::Write => "Lecture et écriture",
    }
}

fn render(
    state: &WebState,
    signed: &SignedIn,
    tokens: &[ApiToken],
    form: &TokenForm,
    errors: &FormErrors,
    secret: Option<&str>,
) -> Markup {
    let catalogue = state.app.catalogue();
    let scope = &signed.session.user.scope;
    let place = |t: &ApiToken| {
        t.reach
            .territory
            .as_ref()
            .and_then(|p| catalogue.territory(p.id.as_str()))
            .map_or("Tous".to_owned(), |t| t.name.clone())
    };
    let programme = |t: &ApiToken| {
        t.reach
            .programme
            .as_ref()
            .and_then(|p| catalogue.programme(p.as_str()))
            .map_or("Tous".to_owned(), |p| p.name.clone())
    };
    html! {
        h1 { "Jetons d'API" }
        p.lead { "Un jeton permet à un programme (un tableur, un script, le système d'information de votre structure) de lire ou de modifier vos données avec vos droits, sans votre mot de passe. Envoyez-le dans l'en-tête " code { "Authorization: Bearer trn_…" } "." }
        @if let Some(secret) = secret {
            div.notice role="status" {
                p { strong { "Votre nouveau jeton : " } }
                p { code.secret #nouveau-jeton { (secret) } }
                p { "Copiez-le maintenant : il ne sera plus jamais affiché. Si vous le perdez, révoquez-le et créez-en un autre." }
            }
        }
        h2 { "Vos jetons" }
        @if tokens.is_empty() {
            p { "Vous n'avez aucun jeton." }
        } @else {
            div.table-wrap role="region" tabindex="0" aria-label="Vos jetons" { table {
                caption { "Vos jetons, du plus récent au plus ancien" }
                thead { tr {
                    th scope="col" { "Nom" }
                    th scope="col" { "Accès" }
                    th scope="col" { "Programme" }
                    th scope="col" { "Territoire" }
                    th scope="col" { "Expire le" }
                    th scope="col" { "Dernière utilisation" }
                    th scope="col" { span.visually-hidden { "Action" } }
                } }
                tbody {
                    @for t in tokens {
                        tr {
                            td { (t.name) }
                            td { (access_label(t.access)) }
                            td { (programme(t)) }
                            td { (place(t)) }
                            td { (fr::date(t.expires_on)) }
                            td { (t.last_used_at.map_or("jamais".to_owned(), fr::datetime)) }
                            td {
                                form method="post" action=(format!("/espace/jetons/{}/revocation", t.id)) {
                                    (token(signed.viewer.csrf()))
                                    button.secondary type="submit" aria-label=(format!("Révoquer le jeton « {} »", t.name)) { "Révoquer" }
                                }
                            }
                        }
                    }
                }
            } }
        }
        h2 { "Créer un jeton" }
        (errors.clone().in_order(&["name", "access", "expires_on", "programme", "territory"]).summary(&label))
        form.stack method="post" action="/espace/jetons" novalidate {
            (token(signed.viewer.csrf()))
            (Field::new("name", "Nom du jeton", errors).required()
                .hint("À quoi il sert, par exemple : Tableau de bord de l'académie")
                .input("text", &form.name, None))
            (Field::new("access", "Accès", errors).required().select(html! {
                (option("read", "Lecture seule", form.access != "write"))
                (option("write", "Lecture et écriture", form.access == "write"))
            }))
            (Field::new("expires_on", "Date d'expiration", errors).required()
                .hint("Au plus un an après aujourd'hui.")
                .input("date", &form.expires_on, None))
            (Field::new("programme", "Programme", errors).select(html! {
                (option("", "Tous ceux de vos droits", form.programme.is_empty()))
                @for p in catalogue.programmes() {
                    @if scope.programme.as_ref().is_none_or(|mine| mine == &p.code) {
                        (option(p.code.as_str(), &p.name, form.programme == p.code.as_str()))
                    }
                }
            }))
            (Field::new("territory", "Territoire", errors).select(
                territory_options_within(&catalogue, &form.territory, scope.territory.as_ref(), "Tous ceux de vos droits")))
            button type="submit" { "Créer le jeton" }
        }
    }
}

fn blank_form(state: &WebState) -> TokenForm {
    TokenForm {
        access: "read".into(),
        expires_on: (state.app.now().date_naive() + Duration::days(90)).to_string(),
        ..TokenForm::default()
    }
}

/// `GET /espace/jetons`.
pub async fn show_tokens(
    State(state): State<WebState>,
    signed: SignedIn,
) -> Result<Page, PageError> {
    let tokens = api_tokens::mine(&state.app, &signed.actor()).await?;
    let body = render(
        &state,
        &signed,
        &tokens,
        &blank_form(&state),
        &FormErrors::none(),
        None,
    );
    Ok(Page::new("Jetons d'API", signed.viewer, body))
}

/// `POST /espace/jetons`: creates a token and shows its secret this once.
pub async fn create_token(
    State(state): State<WebState>,
    signed: SignedIn,
    Form(form): Form<TokenForm>,
) -> Result<Page, PageError> {
    signed.viewer.check(&form.csrf)?;
    let mut errors = FormErrors::none();
    let access = match form.access.as_str() {
        "write" => TokenAccess::Write,
        _ => TokenAccess::Read,
    };
    let expires_on = form.expires_on.parse::<NaiveDate>().ok();
    if expires_on.is_none() {
        errors.push("expires_on", "indiquez une date, par exemple 31/12/2027");
    }
    let blank = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let outcome = match expires_on {
        Some(expires_on) => Some(
            api_tokens::create(
                &state.app,
                &signed.session.user,
                TokenInput {
                    name: form.name.clone(),
                    access,
                    expires_on,
                    programme: blank(&form.programme),
                    territory: blank(&form.territory),
                },
            )
            .await,
        ),
        None => None,
    };
    let (secret, status) = match outcome {
        Some(Ok(created)) => (Some(created.secret), StatusCode::CREATED),
        Some(Err(AppError::Invalid(fields))) => {
            errors = FormErrors::from_fields(&fields, str::to_owned);
            (None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Some(Err(other)) => return Err(other.into()),
        None => (None, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let tokens = api_tokens::mine(&state.app, &signed.actor()).await?;
    let shown = if secret.is_some() {
        blank_form(&state)
    } else {
        form
    };
    let body = render(&state, &signed, &tokens, &shown, &errors, secret.as_deref());
    let title = if secret.is_some() {
        "Jeton créé — Jetons d'API"
    } else {
        "Jetons d'API — erreur"
    };
    Ok(Page::new(title, signed.viewer, body).with_status(status))
}

/// The revocation form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
}

/// `POST /espace/jetons/{id}/revocation`.
pub async fn revoke_token(
    State(state): State<WebState>,
    signed: SignedIn,
    PathId(id): PathId,
    Form(form): Form<RevokeForm>,
) -> Result<Page, PageError> {
    signed.viewer.check(&form.csrf)?;
    api_tokens::revoke(&state.app, &signed.actor(), id, false).await?;
    let tokens = api_tokens::mine(&state.app, &signed.actor()).await?;
    let body = html! {
        p.notice role="status" { "Le jeton est révoqué : il ne fonctionne plus." }
        (render(&state, &signed, &tokens, &blank_form(&state), &FormErrors::none(), None))
    };
    Ok(Page::new(
        "Jeton révoqué — Jetons d'API",
        signed.viewer,
        body,
    ))
}
