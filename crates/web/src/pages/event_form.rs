//! `GET/POST /espace/evenements/nouveau`: a lead records a concertation event (SPEC §5) with its
//! attendance per category and the projects born from it. Times are typed in Paris time.

use std::collections::BTreeMap;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::Form;
use chrono::{Datelike as _, NaiveDateTime};
use maud::{Markup, html};
use sha2::{Digest as _, Sha256};
use terrain_app::{
    AppError,
    events::{self, EventView},
    idempotency::{Once, Outcome, StoredResponse},
    projects::{self, ListFilters, SortKey},
};
use terrain_domain::{EventInput, EventKind, Project, event::Category, fr};
use uuid::Uuid;

use super::notify_and_go;
use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    session::{Lead, SignedIn},
};

/// The form as posted: pairs, since the attendance fields are one per category.
type Pairs = Vec<(String, String)>;

/// The form's values by name (the last of a name wins, but `project_ids` collects them all).
#[derive(Debug, Clone, Default)]
struct EventForm {
    values: BTreeMap<String, String>,
    projects: Vec<String>,
}

impl EventForm {
    fn of(pairs: Pairs) -> Self {
        let mut form = EventForm::default();
        for (name, value) in pairs {
            if name == "project_ids" {
                form.projects.push(value);
            } else {
                form.values.insert(name, value);
            }
        }
        form
    }

    fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

fn label(field: &str) -> String {
    if let Some(category) = field.strip_prefix("attendance.") {
        return Category::parse(category).map_or("Participants".into(), |c| {
            format!("Participants : {}", c.label_fr())
        });
    }
    match field {
        "title" => "Titre",
        "kind" => "Type",
        "programme" => "Programme",
        "territory" => "Territoire",
        "starts_at" => "Début",
        "ends_at" => "Fin",
        "location" => "Lieu",
        "project_ids" => "Projets issus de cette concertation",
        _ => "Formulaire",
    }
    .to_owned()
}

fn form_field(api: &str) -> String {
    api.split('[').next().unwrap_or(api).to_owned()
}

fn parse_local(text: &str) -> Result<Option<NaiveDateTime>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(Some)
        .ok_or(())
}

/// The fields as the use case takes them, or the errors the form alone can tell.
fn input(form: &EventForm) -> Result<(EventInput, Vec<Uuid>), FormErrors> {
    let mut errors = FormErrors::none();
    let kind = form.get("kind").parse::<EventKind>().ok();
    if kind.is_none() {
        errors.push("kind", "choisissez un type de concertation");
    }
    let mut instant = |field: &'static str, required: bool| match parse_local(form.get(field)) {
        Ok(Some(local)) => match fr::paris_to_utc(local) {
            Some(at) => Some((at, local.year())),
            None => {
                errors.push(
                    field,
                    "cette heure n'existe pas à Paris (changement d'heure)",
                );
                None
            }
        },
        Ok(None) => {
            if required {
                errors.push(field, "indiquez la date et l'heure");
            }
            None
        }
        Err(()) => {
            errors.push(
                field,
                "indiquez une date et une heure valides, par exemple 14/03/2026 18:30",
            );
            None
        }
    };
    let starts = instant("starts_at", true);
    let ends = instant("ends_at", false);
    let mut attendance = BTreeMap::new();
    for category in Category::all() {
        let field = format!("attendance.{}", category.as_str());
        match form.get(&field).trim() {
            "" => {}
            text => match text.replace(['\u{202f}', '\u{a0}', ' '], "").parse::<u64>() {
                Ok(0) => {}
                Ok(count) => {
                    attendance.insert(category.as_str().to_owned(), count);
                }
                Err(_) => errors.push(&field, "indiquez un nombre entier de participants"),
            },
        }
    }
    let mut project_ids = Vec::new();
    for id in &form.projects {
        match id.parse::<Uuid>() {
            Ok(id) => project_ids.push(id),
            Err(_) => errors.push("project_ids", "cochez des projets de la liste"),
        }
    }
    let (Some(kind), Some((starts_at, start_year)), true) = (kind, starts, errors.is_empty())
    else {
        return Err(errors);
    };
    let mut written_years = vec![("starts_at", start_year)];
    written_years.extend(ends.map(|(_, year)| ("ends_at", year)));
    let optional = |name: &str| {
        let text = form.get(name).trim();
        (!text.is_empty()).then(|| text.to_owned())
    };
    Ok((
        EventInput {
            programme: form.get("programme").trim().to_owned(),
            territory: form.get("territory").trim().to_owned(),
            title: form.get("title").trim().to_owned(),
            kind,
            starts_at,
            ends_at: ends.map(|(at, _)| at),
            written_years,
            location: optional("location"),
            attendance,
        },
        project_ids,
    ))
}

/// The lead's projects an event may be linked to (the most recent first, at most 200).
async fn linkable(state: &WebState, signed: &SignedIn) -> Result<Vec<Project>, PageError> {
    let actor = signed.actor();
    let page = projects::list(
        &state.app,
        Some(&actor),
        ListFilters {
            lead: Some(actor.id),
            sort: SortKey::CreatedAt,
            descending: true,
            limit: 200,
            ..ListFilters::default()
        },
    )
    .await?;
    Ok(page.items)
}

fn event_form(
    signed: &SignedIn,
    state: &WebState,
    form: &EventForm,
    errors: &FormErrors,
    mine: &[Project],
) -> Markup {
    let catalogue = state.app.catalogue();
    let kinds = html! {
        (option("", "Choisir un type", form.get("kind").is_empty()))
        @for kind in EventKind::ALL {
            (option(kind.as_str(), fr::event_kind(*kind), form.get("kind") == kind.as_str()))
        }
    };
    let programmes = html! {
        (option("", "Choisir un programme", form.get("programme").is_empty()))
        @for p in catalogue.programmes() {
            (option(p.code.as_str(), &p.name, p.code.as_str() == form.get("programme")))
        }
    };
    let projects: Vec<(String, String, bool)> = mine
        .iter()
        .map(|p| {
            let id = p.id.to_string();
            let checked = form.projects.contains(&id);
            (id, p.fields.title.as_str().to_owned(), checked)
        })
        .collect();
    let choices: Vec<(&str, &str, bool)> = projects
        .iter()
        .map(|(id, title, checked)| (id.as_str(), title.as_str(), *checked))
        .collect();
    let order = [
        "title",
        "kind",
        "programme",
        "territory",
        "starts_at",
        "ends_at",
        "location",
        "attendance",
        "project_ids",
    ];
    html! {
        (errors.clone().in_order(&order).summary(&label))
        form.stack method="post" action="/espace/evenements/nouveau" novalidate {
            (token(signed.viewer.csrf()))
            input type="hidden" name="cle" value=(form.get("cle"));
            (Field::new("title", "Titre", errors).required().input("text", form.get("title"), None))
            (Field::new("kind", "Type", errors).required().select(kinds))
            (Field::new("programme", "Programme", errors).required().select(programmes))
            (Field::new("territory", "Territoire", errors).required()
                .select(super::project_form::territory_options(&catalogue, form.get("territory"))))
            (Field::new("starts_at", "Début", errors).required()
                .hint("Date et heure de Paris.")
                .input("datetime-local", form.get("starts_at"), None))
            (Field::new("ends_at", "Fin", errors)
                .input("datetime-local", form.get("ends_at"), None))
            (Field::new("location", "Lieu", errors).input("text", form.get("location"), None))
            fieldset {
                legend { "Participants par catégorie" }
                span.hint { "Laissez vide une catégorie sans participant." }
                div.checks {
                    @for category in Category::all() {
                        @let field = format!("attendance.{}", category.as_str());
                        (Field::new(&field, category.label_fr(), errors)
                            .input("number", form.get(&field), None))
                    }
                }
            }
            @if choices.is_empty() {
                p { "Vous n'avez pas encore de projet à lier à cette concertation." }
            } @else {
                (Field::new("project_ids", "Projets issus de cette concertation", errors)
                    .checkboxes(&choices))
            }
            div.actions {
                button type="submit" { "Enregistrer la concertation" }
                a href="/espace" { "Annuler" }
            }
        }
    }
}

async fn page(
    state: &WebState,
    signed: SignedIn,
    form: &EventForm,
    errors: &FormErrors,
) -> Result<Page, PageError> {
    let mine = linkable(state, &signed).await?;
    let body = html! {
        h1 { "Enregistrer une concertation" }
        p.lead { "Une réunion, un atelier, un forum ou une consultation d'où naissent des projets." }
        (event_form(&signed, state, form, errors, &mine))
    };
    let title = if errors.is_empty() {
        "Enregistrer une concertation"
    } else {
        "Enregistrer une concertation — erreurs"
    };
    Ok(Page::new(title, signed.viewer, body))
}

/// `GET /espace/evenements/nouveau`.
pub async fn show_new_event(
    State(state): State<WebState>,
    Lead(signed): Lead,
) -> Result<Page, PageError> {
    let mut form = EventForm::default();
    form.values.insert("cle".into(), Uuid::new_v4().to_string());
    page(&state, signed, &form, &FormErrors::none()).await
}

/// `POST /espace/evenements/nouveau`: records the event once, however many times the form is
/// posted.
pub async fn record_event(
    State(state): State<WebState>,
    Lead(signed): Lead,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let form = EventForm::of(pairs);
    signed.viewer.check(form.get("csrf"))?;
    let (event, links) = match input(&form) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let page = page(&state, signed, &form, &errors).await?;
            return Ok(page
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response());
        }
    };
    let hash: String = Sha256::digest(format!("{event:?}{links:?}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let render = |_: &EventView| StoredResponse {
        request_hash: String::new(),
        status_code: 303,
        body: "null".into(),
        headers: vec![("location".into(), "/espace".into())],
    };
    let key = form.get("cle");
    let once = (!key.is_empty()).then(|| Once {
        key,
        hash: &hash,
        render: &render,
    });
    let actor = signed.actor();
    let errors = match events::record(&state.app, &actor, event, links, once.as_ref()).await {
        Ok(Outcome::Done(view)) => {
            let notice = format!(
                "Concertation « {} » enregistrée : {} participants.",
                view.event.title.as_str(),
                fr::number(view.event.attendance.participants())
            );
            return notify_and_go(&state, &signed, notice, "/espace").await;
        }
        Ok(Outcome::Replayed(_)) => return Ok(Redirect::to("/espace").into_response()),
        Err(AppError::Invalid(fields))
            if fields.errors().iter().any(|e| e.field == "Idempotency-Key") =>
        {
            return Ok(Redirect::to("/espace").into_response());
        }
        Err(AppError::Invalid(fields)) => FormErrors::from_fields(&fields, form_field),
        Err(other) => return Err(other.into()),
    };
    let page = page(&state, signed, &form, &errors).await?;
    Ok(page
        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response())
}
