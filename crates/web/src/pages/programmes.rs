//! `/administration/programmes` (national administrators, SPEC §18): the programmes with their
//! themes; creating one; adding a theme; removing a theme no project uses. A programme created
//! here is usable at once, on every instance.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use terrain_app::{
    AppError,
    reference::{self, ProgrammeInput},
};
use terrain_domain::TerritoryKind;

use super::notify_and_go;
use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    session::{National, SignedIn},
};

fn label(field: &str) -> String {
    match field {
        "code" => "Code",
        "name" => "Nom",
        "domain" => "Domaine",
        "validation_level" => "Niveau de validation",
        "themes" => "Thèmes",
        "theme_code" => "Code du thème",
        "theme_label" => "Libellé du thème",
        _ => "Formulaire",
    }
    .to_owned()
}

/// The forms as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProgrammeForm {
    csrf: String,
    code: String,
    name: String,
    domain: String,
    validation_level: String,
    themes: String,
    theme_code: String,
    theme_label: String,
}

/// Themes written one a line, `code : libellé`.
fn themes_of(text: &str) -> Result<Vec<(String, String)>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            line.split_once(':')
                .map(|(code, label)| (code.trim().to_owned(), label.trim().to_owned()))
                .ok_or_else(|| format!("« {line} » : écrivez « code : libellé »"))
        })
        .collect()
}

/// Maps a use case's field (`themes[1].code`) to the form's.
fn rename(field: &str) -> String {
    if field.starts_with("themes") {
        "themes".into()
    } else {
        field.into()
    }
}

async fn page(
    state: &WebState,
    signed: SignedIn,
    form: &ProgrammeForm,
    errors: &FormErrors,
    refused: Option<&str>,
) -> Result<Response, PageError> {
    let catalogue = state.app.catalogue();
    let csrf = signed.viewer.csrf().to_owned();
    let levels = [
        (TerritoryKind::Academy, "Académie"),
        (TerritoryKind::Region, "Région (ARS)"),
        (TerritoryKind::Department, "Département"),
    ];
    let body = html! {
        h1 { "Programmes" }
        @for programme in catalogue.programmes() {
            @let code = programme.code.as_str();
            section aria-labelledby=(format!("p-{code}")) {
                h2 id=(format!("p-{code}")) { (programme.name) }
                p { "Code " code { (code) } " · domaine " (programme.domain) " · validation par "
                    (programme.validation_level.label_fr()) }
                ul.themes {
                    @for theme in &programme.themes {
                        li {
                            (theme.label) " (" code { (theme.code) } ")"
                            form.inline method="post" action=(format!("/administration/programmes/{code}/themes/{}/retrait", theme.code)) {
                                (token(&csrf))
                                button.secondary type="submit" { "Retirer" span.visually-hidden { " le thème " (theme.label) " de " (programme.name) } }
                            }
                        }
                    }
                }
                @if refused == Some(code) {
                    @let errors = errors.clone();
                    (errors.summary(&label))
                }
                form.inline-fields method="post" action=(format!("/administration/programmes/{code}/themes")) aria-label=(format!("Ajouter un thème à {}", programme.name)) {
                    (token(&csrf))
                    div.field {
                        label for=(format!("t-{code}-code")) { "Code du thème" }
                        input id=(format!("t-{code}-code")) name="theme_code" type="text" required;
                    }
                    div.field {
                        label for=(format!("t-{code}-label")) { "Libellé du thème" }
                        input id=(format!("t-{code}-label")) name="theme_label" type="text" required;
                    }
                    button.secondary type="submit" { "Ajouter le thème" }
                }
            }
        }
        h2 { "Créer un programme" }
        @let errors = if refused.is_none() { errors.clone() } else { FormErrors::none() };
        (errors.summary(&label))
        form.stack method="post" action="/administration/programmes" novalidate {
            (token(&csrf))
            (Field::new("code", "Code", &errors).required().hint("2 à 40 caractères parmi a-z, 0-9 et _, par exemple mobilites.").input("text", &form.code, None))
            (Field::new("name", "Nom", &errors).required().input("text", &form.name, None))
            (Field::new("domain", "Domaine", &errors).required().hint("Par exemple : transport, culture.").input("text", &form.domain, None))
            (Field::new("validation_level", "Niveau de validation", &errors).required().select(html! {
                @for (kind, words) in levels { (option(kind.as_str(), words, form.validation_level == kind.as_str())) }
            }))
            (Field::new("themes", "Thèmes", &errors).required().hint("Un par ligne, « code : libellé », par exemple « velo : Vélo du quotidien ».").textarea(&form.themes, 5))
            button type="submit" { "Créer le programme" }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(Page::new("Programmes", signed.viewer, body)
        .with_status(status)
        .into_response())
}

/// `GET /administration/programmes`.
pub async fn show_programmes(
    State(state): State<WebState>,
    National(signed): National,
) -> Result<Response, PageError> {
    page(
        &state,
        signed,
        &ProgrammeForm::default(),
        &FormErrors::none(),
        None,
    )
    .await
}

fn refusal(error: AppError, field: &str) -> Result<FormErrors, PageError> {
    let mut errors = FormErrors::none();
    match error {
        AppError::Invalid(fields) => return Ok(FormErrors::from_fields(&fields, rename)),
        AppError::Conflict(reason) => errors.push(field, &reason),
        AppError::NotFound => return Err(PageError::NotFound),
        other => return Err(other.into()),
    }
    Ok(errors)
}

/// `POST /administration/programmes`.
pub async fn create_programme(
    State(state): State<WebState>,
    National(signed): National,
    Form(form): Form<ProgrammeForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let themes = match themes_of(&form.themes) {
        Ok(themes) => themes,
        Err(message) => {
            let mut errors = FormErrors::none();
            errors.push("themes", &message);
            return page(&state, signed, &form, &errors, None).await;
        }
    };
    let input = ProgrammeInput {
        code: form.code.trim().to_owned(),
        name: form.name.trim().to_owned(),
        domain: form.domain.trim().to_owned(),
        validation_level: form.validation_level.clone(),
        themes,
    };
    match reference::create_programme(&state.app, &signed.actor(), input).await {
        Ok(programme) => {
            let notice = format!("Programme « {} » créé.", programme.name);
            notify_and_go(&state, &signed, notice, "/administration/programmes").await
        }
        Err(error) => {
            let errors = refusal(error, "code")?;
            page(&state, signed, &form, &errors, None).await
        }
    }
}

/// `POST /administration/programmes/{code}/themes`.
pub async fn add_theme(
    State(state): State<WebState>,
    National(signed): National,
    Path(code): Path<String>,
    Form(form): Form<ProgrammeForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let themes = vec![(
        form.theme_code.trim().to_owned(),
        form.theme_label.trim().to_owned(),
    )];
    match reference::update_programme(&state.app, &signed.actor(), &code, None, themes).await {
        Ok(_) => {
            let notice = "Thème ajouté.".to_owned();
            notify_and_go(&state, &signed, notice, "/administration/programmes").await
        }
        Err(error) => {
            let errors = refusal(error, "themes")?;
            page(
                &state,
                signed,
                &ProgrammeForm::default(),
                &errors,
                Some(&code),
            )
            .await
        }
    }
}

/// `POST /administration/programmes/{code}/themes/{theme}/retrait`.
pub async fn remove_theme(
    State(state): State<WebState>,
    National(signed): National,
    Path((code, theme)): Path<(String, String)>,
    Form(form): Form<ProgrammeForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    match reference::remove_theme(&state.app, &signed.actor(), &code, &theme).await {
        Ok(()) => {
            let notice = "Thème retiré.".to_owned();
            notify_and_go(&state, &signed, notice, "/administration/programmes").await
        }
        Err(error) => {
            let errors = refusal(error, "themes")?;
            page(
                &state,
                signed,
                &ProgrammeForm::default(),
                &errors,
                Some(&code),
            )
            .await
        }
    }
}
