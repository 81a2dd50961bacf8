//! `/administration/comptes` (national administrators): the accounts with their role, scope
//! and state; creating one; changing a role, a scope, disabling.

use std::str::FromStr as _;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{
    AppError,
    accounts::{self, AccountInput, UserPatch},
};
use terrain_domain::{Role, User};
use uuid::Uuid;

use super::{PathId, notify_and_go};
use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    session::{National, SignedIn},
};

fn role_words(role: Role) -> &'static str {
    match role {
        Role::Lead => "Porteur de projet",
        Role::Admin => "Administrateur",
        Role::Observer => "Observateur",
    }
}

fn label(field: &str) -> String {
    match field {
        "email" => "Adresse électronique",
        "display_name" => "Nom affiché",
        "password" => "Mot de passe",
        "role" => "Rôle",
        "scope.programme" | "programme" => "Programme du périmètre",
        "scope.territory" | "territory" => "Territoire du périmètre",
        _ => "Formulaire",
    }
    .to_owned()
}

fn rename(field: &str) -> String {
    field.trim_start_matches("scope.").to_owned()
}

/// The account form as posted (creation and change alike).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    csrf: String,
    email: String,
    display_name: String,
    password: String,
    role: String,
    programme: String,
    territory: String,
    disabled: String,
}

fn scope_fields(state: &WebState, form: &AccountForm, errors: &FormErrors) -> Markup {
    let catalogue = state.app.catalogue();
    html! {
        (Field::new("role", "Rôle", errors).required().select(html! {
            @for role in Role::ALL { (option(role.as_str(), role_words(*role), form.role == role.as_str())) }
        }))
        (Field::new("programme", "Programme du périmètre", errors)
            .hint("Pour un administrateur : vide, tous les programmes.")
            .select(html! {
                (option("", "Tous les programmes", form.programme.is_empty()))
                @for p in catalogue.programmes() { (option(p.code.as_str(), &p.name, p.code.as_str() == form.programme)) }
            }))
        (Field::new("territory", "Territoire du périmètre", errors)
            .hint("Pour un administrateur : vide, toute la France.")
            .select(html! {
                (option("", "Toute la France", form.territory.is_empty()))
                (super::project_form::territory_options(&catalogue, &form.territory))
            }))
    }
}

async fn list_page(
    state: &WebState,
    signed: SignedIn,
    after: Option<Uuid>,
    form: &AccountForm,
    errors: &FormErrors,
) -> Result<Response, PageError> {
    let page = accounts::list_users(&state.app, &signed.actor(), None, after, 100).await?;
    let body = html! {
        h1 { "Comptes" }
        div.table-wrap role="region" tabindex="0" aria-label="Les comptes" { table {
            caption { "Les comptes, par ordre de création" }
            thead { tr {
                th scope="col" { "Nom" } th scope="col" { "Adresse" } th scope="col" { "Rôle" }
                th scope="col" { "Périmètre" } th scope="col" { "État" }
            } }
            tbody {
                @for user in &page.items {
                    tr {
                        td { a href=(format!("/administration/comptes/{}", user.id)) { (user.display_name) } }
                        td { (user.email.as_str()) }
                        td { (role_words(user.role)) }
                        td { (scope_words(state, user)) }
                        td { @if user.disabled { "Désactivé" } @else { "Actif" } }
                    }
                }
            }
        } }
        @if page.more && let Some(last) = page.items.last() {
            p { a href=(format!("/administration/comptes?apres={}", last.id)) { "Comptes suivants" } }
        }
        h2 { "Créer un compte" }
        (errors.summary(&label))
        form.stack method="post" action="/administration/comptes" novalidate {
            (token(signed.viewer.csrf()))
            (Field::new("display_name", "Nom affiché", errors).required().input("text", &form.display_name, None))
            (Field::new("email", "Adresse électronique", errors).required().input("email", &form.email, None))
            (Field::new("password", "Mot de passe", errors).required().hint("Au moins 12 caractères ; à transmettre à la personne par un autre canal.").input("password", "", Some("new-password")))
            (scope_fields(state, form, errors))
            button type="submit" { "Créer le compte" }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(Page::new("Comptes", signed.viewer, body)
        .with_status(status)
        .into_response())
}

fn scope_words(state: &WebState, user: &User) -> String {
    if user.role != Role::Admin {
        return "—".into();
    }
    let catalogue = state.app.catalogue();
    let programme = user
        .scope
        .programme
        .as_ref()
        .and_then(|p| catalogue.programme(p.as_str()))
        .map(|p| p.name.clone());
    let territory = user
        .scope
        .territory
        .as_ref()
        .and_then(|t| catalogue.territory(t.id.as_str()))
        .map(|t| t.name.clone());
    match (programme, territory) {
        (None, None) => "National".into(),
        (Some(p), None) => p,
        (None, Some(t)) => t,
        (Some(p), Some(t)) => format!("{p}, {t}"),
    }
}

/// `?apres=…`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    apres: Option<Uuid>,
}

/// `GET /administration/comptes`.
pub async fn show_accounts(
    State(state): State<WebState>,
    National(signed): National,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let form = AccountForm {
        role: "admin".into(),
        ..AccountForm::default()
    };
    list_page(&state, signed, query.apres, &form, &FormErrors::none()).await
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `POST /administration/comptes`.
pub async fn create_account(
    State(state): State<WebState>,
    National(signed): National,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let Ok(role) = Role::from_str(&form.role) else {
        let mut errors = FormErrors::none();
        errors.push("role", "choisissez un rôle");
        return list_page(&state, signed, None, &form, &errors).await;
    };
    let input = AccountInput {
        email: form.email.trim().to_owned(),
        password: form.password.clone(),
        display_name: form.display_name.trim().to_owned(),
        role,
        programme: some(&form.programme),
        territory: some(&form.territory),
    };
    let errors = match accounts::create_user(&state.app, &signed.actor(), input).await {
        Ok(user) => {
            let notice = format!("Compte de {} créé.", user.display_name);
            return notify_and_go(&state, &signed, notice, "/administration/comptes").await;
        }
        Err(AppError::Invalid(fields)) => FormErrors::from_fields(&fields, rename),
        Err(AppError::Conflict(reason)) => {
            let mut errors = FormErrors::none();
            errors.push("email", &reason);
            errors
        }
        Err(other) => return Err(other.into()),
    };
    list_page(&state, signed, None, &form, &errors).await
}

async fn account_page(
    state: &WebState,
    signed: SignedIn,
    user: &User,
    form: &AccountForm,
    errors: &FormErrors,
) -> Result<Response, PageError> {
    let path = format!("/administration/comptes/{}", user.id);
    let body = html! {
        nav.breadcrumb aria-label="Fil d'Ariane" { ol {
            li { a href="/administration/comptes" { "Comptes" } }
            li aria-current="page" { (user.display_name) }
        } }
        h1 { (user.display_name) }
        p { (user.email.as_str()) " — " (role_words(user.role)) " — " @if user.disabled { "désactivé" } @else { "actif" } }
        (errors.summary(&label))
        form.stack method="post" action=(path) novalidate {
            (token(signed.viewer.csrf()))
            (Field::new("display_name", "Nom affiché", errors).required().input("text", &form.display_name, None))
            (scope_fields(state, form, errors))
            div.field {
                label {
                    input type="checkbox" name="disabled" value="1" checked[form.disabled == "1"];
                    " Compte désactivé (ses sessions et jetons cessent aussitôt)"
                }
            }
            button type="submit" { "Enregistrer le compte" }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(Page::new(
        format!("Compte de {}", user.display_name),
        signed.viewer,
        body,
    )
    .with_status(status)
    .into_response())
}

fn form_of(user: &User) -> AccountForm {
    AccountForm {
        display_name: user.display_name.clone(),
        role: user.role.as_str().into(),
        programme: user
            .scope
            .programme
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        territory: user
            .scope
            .territory
            .as_ref()
            .map(|t| t.id.to_string())
            .unwrap_or_default(),
        disabled: if user.disabled {
            "1".into()
        } else {
            String::new()
        },
        ..AccountForm::default()
    }
}

/// `GET /administration/comptes/{id}`.
pub async fn show_account(
    State(state): State<WebState>,
    National(signed): National,
    PathId(id): PathId,
) -> Result<Response, PageError> {
    let user = accounts::user(&state.app, &signed.actor(), id).await?;
    account_page(&state, signed, &user, &form_of(&user), &FormErrors::none()).await
}

/// `POST /administration/comptes/{id}`.
pub async fn update_account(
    State(state): State<WebState>,
    National(signed): National,
    PathId(id): PathId,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let user = accounts::user(&state.app, &signed.actor(), id).await?;
    let current = form_of(&user);
    let role = Role::from_str(&form.role).ok();
    let scope_changed = form.programme != current.programme || form.territory != current.territory;
    let patch = UserPatch {
        display_name: (form.display_name.trim() != user.display_name)
            .then(|| form.display_name.trim().to_owned()),
        role: role.filter(|r| *r != user.role),
        scope: (scope_changed || role.is_some_and(|r| r != user.role))
            .then(|| (some(&form.programme), some(&form.territory))),
        disabled: ((form.disabled == "1") != user.disabled).then_some(form.disabled == "1"),
    };
    let errors = match accounts::update_user(&state.app, &signed.actor(), id, patch).await {
        Ok(updated) => {
            let notice = format!("Compte de {} enregistré.", updated.display_name);
            return notify_and_go(
                &state,
                &signed,
                notice,
                &format!("/administration/comptes/{id}"),
            )
            .await;
        }
        Err(AppError::Invalid(fields)) => FormErrors::from_fields(&fields, rename),
        Err(AppError::Conflict(reason)) => {
            let mut errors = FormErrors::none();
            errors.general(&reason);
            errors
        }
        Err(other) => return Err(other.into()),
    };
    account_page(&state, signed, &user, &form, &errors).await
}
