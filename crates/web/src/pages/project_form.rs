//! The project form (SPEC §10): a new draft, or the changes of an editable project. Every field
//! error is shown next to its field and in the summary, and nothing is written; amounts are
//! typed in euros; the themes follow the programme chosen (re-shown without JavaScript).

use std::str::FromStr as _;

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use terrain_app::{
    AppError, Expected,
    idempotency::{Once, Outcome, StoredResponse},
    projects::{self, ProjectDetail, ProjectPatch},
};
use terrain_domain::{
    Catalogue, Cents, Project, ProjectFields, ProjectInput, TerritoryKind, TerritoryPath,
    project::{Category, Stakeholder},
};
use uuid::Uuid;

use super::{PathId, notify_and_go, own_project};
use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    session::{Lead, SignedIn, Viewer},
};

/// The form as posted: every field a string, so that a wrong one is an error shown, not a
/// rejected request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    csrf: String,
    /// The key of a new project's form: posted twice, it creates one project.
    cle: String,
    /// The version the changes were made on.
    version: String,
    programme: String,
    territory: String,
    title: String,
    summary: String,
    description: String,
    theme: String,
    category: String,
    establishment_uai: String,
    requested_amount: String,
    stakeholders: Vec<String>,
    starts_on: String,
    ends_on: String,
    /// `themes`: show the form again with the themes of the programme chosen.
    action: String,
}

/// The fields in the order of the form.
const FIELDS: &[&str] = &[
    "programme",
    "territory",
    "title",
    "summary",
    "description",
    "theme",
    "category",
    "establishment_uai",
    "requested_amount",
    "stakeholders",
    "starts_on",
    "ends_on",
];

/// The label of a field, for the error summary.
fn label(field: &str) -> String {
    match field {
        "programme" => "Programme",
        "territory" => "Territoire",
        "title" => "Titre",
        "summary" => "Résumé",
        "description" => "Description",
        "theme" => "Thème",
        "category" => "Catégorie",
        "establishment_uai" => "UAI de l'établissement",
        "requested_amount" => "Montant demandé (€)",
        "stakeholders" => "Acteurs associés",
        "starts_on" => "Début",
        "ends_on" => "Fin",
        _ => "Formulaire",
    }
    .to_owned()
}

/// The form's name of a use case's field.
fn form_field(api: &str) -> String {
    match api {
        "requested_amount_cents" => "requested_amount".into(),
        other => other.split('[').next().unwrap_or(other).to_owned(),
    }
}

/// A date as a date input sends it (`2026-09-01`), or as typed where there is no date picker
/// (`01/09/2026`).
fn parse_date(text: &str) -> Result<Option<NaiveDate>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| ())
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl ProjectForm {
    /// The form filled with a project's fields.
    fn of(project: &Project) -> Self {
        let fields = &project.fields;
        ProjectForm {
            version: project.version.to_string(),
            programme: fields.programme.to_string(),
            territory: fields.territory.to_string(),
            title: fields.title.as_str().to_owned(),
            summary: fields.summary.as_str().to_owned(),
            description: fields
                .description
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            theme: fields.theme.clone(),
            category: fields.category.as_str().to_owned(),
            establishment_uai: fields
                .establishment_uai
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            requested_amount: if fields.requested_amount.get() == 0 {
                String::new()
            } else {
                fields.requested_amount.euros_fr()
            },
            stakeholders: fields
                .stakeholders
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            starts_on: fields
                .period
                .starts_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ends_on: fields
                .period
                .ends_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ..ProjectForm::default()
        }
    }

    /// The fields as the use cases take them, and the errors of what the form alone can tell
    /// (an amount, a date, a choice that is not one); with those, the domain's own checks are
    /// run too so that every error shows at once.
    fn input(&self, catalogue: &Catalogue, programme: Option<&str>) -> (ProjectInput, FormErrors) {
        let mut errors = FormErrors::none();
        let category = match self.category.trim() {
            "" => None,
            code => Category::from_str(code).map_or_else(
                |_| {
                    errors.push("category", "choisissez une catégorie de la liste");
                    None
                },
                Some,
            ),
        };
        let mut stakeholders = Vec::new();
        for code in &self.stakeholders {
            match Stakeholder::from_str(code) {
                Ok(s) if !stakeholders.contains(&s) => stakeholders.push(s),
                Ok(_) => {}
                Err(_) => errors.push("stakeholders", "cochez des acteurs de la liste"),
            }
        }
        stakeholders.sort();
        let amount = match self.requested_amount.trim() {
            "" => Some(0),
            text => match Cents::parse_euros(text) {
                Ok(cents) => Some(cents.get()),
                Err(_) => {
                    errors.push(
                        "requested_amount",
                        "indiquez un montant en euros, avec au plus deux décimales (par exemple 1 500,50)",
                    );
                    None
                }
            },
        };
        let mut date = |field: &str, text: &str| {
            parse_date(text).unwrap_or_else(|()| {
                errors.push(field, "indiquez une date valide, par exemple 01/09/2026");
                None
            })
        };
        let starts_on = date("starts_on", &self.starts_on);
        let ends_on = date("ends_on", &self.ends_on);
        if self.theme.trim().is_empty() {
            errors.push("theme", "choisissez un thème");
        }
        let input = ProjectInput {
            programme: programme.unwrap_or(self.programme.trim()).to_owned(),
            territory: self.territory.trim().to_owned(),
            title: self.title.trim().to_owned(),
            summary: self.summary.trim().to_owned(),
            description: optional(&self.description),
            theme: self.theme.trim().to_owned(),
            category,
            establishment_uai: optional(&self.establishment_uai).map(|u| u.to_uppercase()),
            requested_amount_cents: amount,
            stakeholders,
            starts_on,
            ends_on,
        };
        if !errors.is_empty()
            && let Err(domain) = ProjectFields::parse(input.clone(), catalogue)
        {
            for error in domain.errors() {
                errors.push(&form_field(&error.field), &error.message);
            }
        }
        (input, errors)
    }
}

/// What the form is for.
enum Purpose<'a> {
    /// A new draft.
    New,
    /// Changes to this project.
    Edit(&'a Project),
}

pub(super) fn territory_options(catalogue: &Catalogue, selected: &str) -> Markup {
    territory_options_within(catalogue, selected, None, "Choisir un territoire")
}

/// The territories lying inside `within` (all when `None`), grouped by level, after a first
/// empty choice named `none`.
pub(super) fn territory_options_within(
    catalogue: &Catalogue,
    selected: &str,
    within: Option<&TerritoryPath>,
    none: &str,
) -> Markup {
    let groups = [
        ("Régions", TerritoryKind::Region),
        ("Académies", TerritoryKind::Academy),
        ("Départements", TerritoryKind::Department),
    ];
    html! {
        (option("", none, selected.is_empty()))
        @for (name, kind) in groups {
            @let inside: Vec<_> = catalogue
                .of_kind(kind)
                .into_iter()
                .filter(|t| within.is_none_or(|w| w.contains(&t.path)))
                .collect();
            @if !inside.is_empty() { optgroup label=(name) {
                @for territory in inside {
                    (option(territory.id().as_str(), &territory.name, territory.id().as_str() == selected))
                }
            } }
        }
    }
}

fn theme_options(catalogue: &Catalogue, programme: &str, selected: &str) -> Markup {
    let chosen = catalogue.programme(programme);
    html! {
        (option("", "Choisir un thème", selected.is_empty()))
        @for programme in catalogue.programmes().iter().filter(|p| chosen.is_none_or(|c| c.code == p.code)) {
            optgroup label=(programme.name) {
                @for theme in &programme.themes {
                    (option(&theme.code, &theme.label, theme.code == selected))
                }
            }
        }
    }
}

fn project_form(
    viewer: &Viewer,
    catalogue: &Catalogue,
    purpose: &Purpose<'_>,
    form: &ProjectForm,
    errors: &FormErrors,
) -> Markup {
    let (action, button) = match purpose {
        Purpose::New => (
            "/espace/projets/nouveau".to_owned(),
            "Enregistrer le brouillon",
        ),
        Purpose::Edit(project) => (
            format!("/espace/projets/{}/modifier", project.id),
            "Enregistrer les modifications",
        ),
    };
    let programme = match purpose {
        Purpose::New => form.programme.as_str(),
        Purpose::Edit(project) => project.fields.programme.as_str(),
    };
    let stakeholders: Vec<(&str, &str, bool)> = Stakeholder::ALL
        .iter()
        .map(|s| {
            (
                s.as_str(),
                s.label_fr(),
                form.stakeholders.iter().any(|c| c == s.as_str()),
            )
        })
        .collect();
    let categories = html! {
        @for category in Category::ALL {
            (option(category.as_str(), category.label_fr(), form.category == category.as_str()
                || (form.category.is_empty() && *category == Category::Community)))
        }
    };
    html! {
        (errors.clone().in_order(FIELDS).summary(&label))
        form.stack method="post" action=(action) novalidate {
            (token(viewer.csrf()))
            @match purpose {
                Purpose::New => {
                    input type="hidden" name="cle" value=(form.cle);
                    (Field::new("programme", "Programme", errors).required()
                        .select(html! {
                            (option("", "Choisir un programme", form.programme.is_empty()))
                            @for p in catalogue.programmes() {
                                (option(p.code.as_str(), &p.name, p.code.as_str() == form.programme))
                            }
                        }))
                    div.field {
                        button.secondary type="submit" name="action" value="themes" formnovalidate {
                            "Afficher les thèmes de ce programme"
                        }
                    }
                }
                Purpose::Edit(_) => {
                    input type="hidden" name="version" value=(form.version);
                    p { strong { "Programme : " } (catalogue.programme(programme).map_or(programme, |p| p.name.as_str())) }
                }
            }
            (Field::new("territory", "Territoire", errors).required()
                .hint("Le département, l'académie ou la région où le projet se déroule.")
                .select(territory_options(catalogue, &form.territory)))
            (Field::new("title", "Titre", errors).required()
                .input("text", &form.title, None))
            (Field::new("summary", "Résumé", errors).required()
                .hint("En quelques phrases : ce que le projet change, pour qui.")
                .textarea(&form.summary, 3))
            (Field::new("description", "Description", errors)
                .textarea(&form.description, 8))
            (Field::new("theme", "Thème", errors).required()
                .hint("Les thèmes du programme choisi.")
                .select(theme_options(catalogue, programme, &form.theme)))
            (Field::new("category", "Catégorie", errors).required()
                .select(categories))
            (Field::new("establishment_uai", "UAI de l'établissement", errors)
                .hint("Sept chiffres et une lettre, par exemple 0690001B. Requis pour déposer un projet d'établissement scolaire.")
                .input("text", &form.establishment_uai, None))
            (Field::new("requested_amount", "Montant demandé (€)", errors)
                .hint("En euros, avec au plus deux décimales : 1 500,50 ou 1500.50.")
                .input("text", &form.requested_amount, None))
            (Field::new("stakeholders", "Acteurs associés", errors)
                .hint("Qui a pris part à la concertation ; au moins un pour déposer le projet.")
                .checkboxes(&stakeholders))
            (Field::new("starts_on", "Début", errors).input("date", &form.starts_on, None))
            (Field::new("ends_on", "Fin", errors).input("date", &form.ends_on, None))
            div.actions {
                button type="submit" { (button) }
                @match purpose {
                    Purpose::New => { a href="/espace" { "Annuler" } }
                    Purpose::Edit(project) => { a href=(format!("/espace/projets/{}", project.id)) { "Annuler" } }
                }
            }
        }
    }
}

/// The new-project page.
fn new_page(state: &WebState, signed: SignedIn, form: &ProjectForm, errors: &FormErrors) -> Page {
    let catalogue = state.app.catalogue();
    let body = html! {
        h1 { "Nouveau projet" }
        p.lead { "Le projet est enregistré en brouillon : vous pourrez le compléter, puis le déposer." }
        (project_form(&signed.viewer, &catalogue, &Purpose::New, form, errors))
    };
    let title = if errors.is_empty() {
        "Nouveau projet"
    } else {
        "Nouveau projet — erreurs"
    };
    Page::new(title, signed.viewer, body)
}

/// `GET /espace/projets/nouveau`.
pub async fn show_new_project(State(state): State<WebState>, Lead(signed): Lead) -> Page {
    let form = ProjectForm {
        cle: Uuid::new_v4().to_string(),
        ..ProjectForm::default()
    };
    new_page(&state, signed, &form, &FormErrors::none())
}

fn hash_of(input: &ProjectInput) -> String {
    Sha256::digest(format!("{input:?}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn project_path(id: Uuid) -> String {
    format!("/espace/projets/{id}")
}

/// The page a stored answer pointed to.
fn replayed(stored: &StoredResponse) -> Response {
    let to = stored
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))
        .map_or("/espace", |(_, value)| value.as_str());
    Redirect::to(to).into_response()
}

/// `POST /espace/projets/nouveau`: creates the draft once, however many times the form is
/// posted.
pub async fn create_project(
    State(state): State<WebState>,
    Lead(signed): Lead,
    Form(form): Form<ProjectForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    if form.action == "themes" {
        return Ok(new_page(&state, signed, &form, &FormErrors::none()).into_response());
    }
    let (input, mut errors) = form.input(&state.app.catalogue(), None);
    if !errors.is_empty() {
        let page = new_page(&state, signed, &form, &errors);
        return Ok(page
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    let hash = hash_of(&input);
    let render = |detail: &ProjectDetail| StoredResponse {
        request_hash: String::new(),
        status_code: 303,
        body: "null".into(),
        headers: vec![("location".into(), project_path(detail.project.id))],
    };
    let once = (!form.cle.is_empty()).then(|| Once {
        key: &form.cle,
        hash: &hash,
        render: &render,
    });
    let status = match projects::create(&state.app, &signed.session.user, input, once.as_ref())
        .await
    {
        Ok(Outcome::Done(detail)) => {
            let notice = "Brouillon enregistré. Complétez-le si besoin, puis déposez-le.".into();
            return notify_and_go(&state, &signed, notice, &project_path(detail.project.id)).await;
        }
        Ok(Outcome::Replayed(stored)) => return Ok(replayed(&stored)),
        Err(AppError::Invalid(fields))
            if fields.errors().iter().any(|e| e.field == "Idempotency-Key") =>
        {
            let notice =
                "Ce formulaire avait déjà été envoyé : votre projet est dans la liste.".into();
            return notify_and_go(&state, &signed, notice, "/espace").await;
        }
        Err(AppError::Invalid(fields)) => {
            errors = FormErrors::from_fields(&fields, form_field);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::Conflict(reason)) => {
            errors.general(&reason);
            StatusCode::CONFLICT
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            errors.general(&format!(
                "Vous avez créé beaucoup de projets en une heure : réessayez dans {} minutes.",
                (retry_after + 59) / 60
            ));
            let mut response = new_page(&state, signed, &form, &errors)
                .with_status(StatusCode::TOO_MANY_REQUESTS)
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(response);
        }
        Err(other) => return Err(other.into()),
    };
    Ok(new_page(&state, signed, &form, &errors)
        .with_status(status)
        .into_response())
}

/// The edit page.
fn edit_page(
    state: &WebState,
    signed: SignedIn,
    project: &Project,
    form: &ProjectForm,
    errors: &FormErrors,
) -> Page {
    let catalogue = state.app.catalogue();
    let body = html! {
        nav.breadcrumb aria-label="Fil d'Ariane" {
            ol {
                li { a href="/espace" { "Mes projets" } }
                li { a href=(project_path(project.id)) { (project.fields.title.as_str()) } }
                li aria-current="page" { "Modifier" }
            }
        }
        h1 { "Modifier le projet" }
        (project_form(&signed.viewer, &catalogue, &Purpose::Edit(project), form, errors))
    };
    let title = format!("Modifier « {} »", project.fields.title.as_str());
    Page::new(title, signed.viewer, body)
}

/// `GET /espace/projets/{id}/modifier`.
pub async fn show_edit_project(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
) -> Result<Response, PageError> {
    let detail = own_project(&state, &signed, id).await?;
    let project = detail.project;
    if !project.status.is_editable() {
        let notice = "Ce projet n'est plus modifiable : il est entre les mains de la commission.";
        return notify_and_go(&state, &signed, notice.into(), &project_path(id)).await;
    }
    let form = ProjectForm::of(&project);
    Ok(edit_page(&state, signed, &project, &form, &FormErrors::none()).into_response())
}

fn patch_of(input: ProjectInput) -> ProjectPatch {
    ProjectPatch {
        territory: Some(input.territory),
        title: Some(input.title),
        summary: Some(input.summary),
        description: Some(input.description),
        theme: Some(input.theme),
        category: input.category,
        establishment_uai: Some(input.establishment_uai),
        requested_amount_cents: input.requested_amount_cents,
        stakeholders: Some(input.stakeholders),
        starts_on: Some(input.starts_on),
        ends_on: Some(input.ends_on),
    }
}

/// `POST /espace/projets/{id}/modifier`: changes the fields if the project is still the version
/// the form was filled from; otherwise nothing is overwritten.
pub async fn update_project(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
    Form(form): Form<ProjectForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let project = own_project(&state, &signed, id).await?.project;
    let catalogue = state.app.catalogue();
    let (input, mut errors) = form.input(&catalogue, Some(project.fields.programme.as_str()));
    let Ok(version) = form.version.parse::<i64>() else {
        errors.general("Ce formulaire est incomplet : rechargez la page et recommencez.");
        let page = edit_page(&state, signed, &project, &form, &errors);
        return Ok(page.with_status(StatusCode::BAD_REQUEST).into_response());
    };
    if !errors.is_empty() {
        let page = edit_page(&state, signed, &project, &form, &errors);
        return Ok(page
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    let expected = Expected::OneOf(vec![version]);
    let actor = signed.actor();
    let outcome = projects::update(
        &state.app,
        &actor,
        id,
        Some(&expected),
        patch_of(input.clone()),
    )
    .await;
    let status = match outcome {
        Ok(_) => {
            return notify_and_go(
                &state,
                &signed,
                "Modifications enregistrées.".into(),
                &project_path(id),
            )
            .await;
        }
        Err(AppError::Stale) => {
            // The same form posted twice: the first post made the project what it asks for.
            let current = own_project(&state, &signed, id).await?.project;
            if ProjectFields::parse(input, &catalogue).is_ok_and(|(f, _)| f == current.fields) {
                return notify_and_go(
                    &state,
                    &signed,
                    "Modifications enregistrées.".into(),
                    &project_path(id),
                )
                .await;
            }
            errors.general(
                "Ce projet a été modifié entre-temps : vos changements n'ont pas été enregistrés. \
                 Rechargez la page pour partir de sa version actuelle.",
            );
            StatusCode::CONFLICT
        }
        Err(AppError::Invalid(fields)) => {
            errors = FormErrors::from_fields(&fields, form_field);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::Conflict(reason)) => {
            errors.general(&reason);
            StatusCode::CONFLICT
        }
        Err(other) => return Err(other.into()),
    };
    Ok(edit_page(&state, signed, &project, &form, &errors)
        .with_status(status)
        .into_response())
}
