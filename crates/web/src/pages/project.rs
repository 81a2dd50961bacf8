//! A lead's project page (SPEC §10): the project, its status, its SILK stage, its supports, its
//! events and its history in French, with buttons for exactly the actions the lead may take
//! now; and the posts of those buttons.

use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{
    AppError, Expected,
    projects::{self, ProjectDetail},
};
use terrain_domain::{
    Action, Catalogue, Change, Grant, HistoryEntry, Project, Role, Stage, Status, Support,
    access::{self, Intent},
    fr,
    status::Circumstances,
};

use super::{PathId, conversation, follow_up, notify_and_go, own_project};
use crate::{
    WebState,
    error::PageError,
    form::token,
    layout::Page,
    session::{Lead, SignedIn},
};

/// What the page shows besides the project: a problem with the last action.
#[derive(Debug, Default)]
struct Problem {
    /// What went wrong.
    message: Option<String>,
    /// What a submission lacks, as (label, message).
    missing: Vec<(String, String)>,
    /// The refusals of the message or file forms, and the message as typed.
    posted: conversation::Posted,
    /// The refusal of a follow-up form.
    follow_up: follow_up::Problem,
}

pub(super) fn facts(catalogue: &Catalogue, project: &Project) -> Markup {
    let f = &project.fields;
    let programme = catalogue.programme(f.programme.as_str());
    let theme = programme
        .and_then(|p| p.themes.iter().find(|t| t.code == f.theme))
        .map_or(f.theme.as_str(), |t| t.label.as_str());
    let territory = catalogue
        .territory(f.territory.as_str())
        .map_or(f.territory.as_str(), |t| t.name.as_str());
    let stakeholders: Vec<&str> = f.stakeholders.iter().map(|s| s.label_fr()).collect();
    html! {
        dl.facts {
            dt { "Programme" } dd { (programme.map_or(f.programme.as_str(), |p| p.name.as_str())) }
            dt { "Territoire" } dd { (territory) }
            dt { "Thème" } dd { (theme) }
            dt { "Catégorie" } dd { (f.category.label_fr()) }
            dt { "UAI de l'établissement" } dd { (f.establishment_uai.as_ref().map_or("Non renseigné", |u| u.as_str())) }
            dt { "Montant demandé" } dd { (fr::euros(f.requested_amount.get())) }
            dt { "Acteurs associés" } dd {
                @if stakeholders.is_empty() { "Aucun pour l'instant" } @else { (stakeholders.join(", ")) }
            }
            dt { "Période" } dd {
                @match (f.period.starts_on, f.period.ends_on) {
                    (Some(start), Some(end)) => { "du " (fr::date(start)) " au " (fr::date(end)) }
                    (Some(start), None) => { "à partir du " (fr::date(start)) }
                    (None, Some(end)) => { "jusqu'au " (fr::date(end)) }
                    (None, None) => { "Non renseignée" }
                }
            }
        }
        h2 { "Résumé" }
        p { (f.summary.as_str()) }
        @if let Some(description) = &f.description {
            h2 { "Description" }
            @for paragraph in description.as_str().split("\n\n") {
                p { (paragraph) }
            }
        }
    }
}

pub(super) fn stages(project: &Project) -> Markup {
    html! {
        h2 { "Étape de la méthode SILK" }
        ol.stages {
            @for stage in Stage::ALL {
                @if *stage == project.stage {
                    li aria-current="step" { strong { (fr::stage(*stage)) } " (étape actuelle)" }
                } @else {
                    li { (fr::stage(*stage)) }
                }
            }
        }
    }
}

fn who(entry: &HistoryEntry) -> &'static str {
    match entry.actor_role {
        Role::Lead => "par le porteur",
        Role::Admin => "par l'instruction",
        Role::Observer => "par un observateur",
    }
}

fn change_text(change: &Change) -> String {
    match change {
        Change::Transition { action, .. } => fr::action_done(*action).to_owned(),
        Change::Stage { from, to } => {
            format!("Étape « {} » → « {} »", fr::stage(*from), fr::stage(*to))
        }
        Change::Support(Grant::Financial { fund, amount }) => format!(
            "Soutien financier de {} accordé (fonds {fund})",
            fr::euros(amount.get())
        ),
        Change::Support(Grant::Other(kind)) => format!("Soutien accordé : {}", kind.label_fr()),
        Change::Assignment { follows: true, .. } => "Suivi confié à un administrateur".to_owned(),
        Change::Assignment { follows: false, .. } => {
            "Fin du suivi par un administrateur".to_owned()
        }
        Change::Payment { amount, .. } => format!("Versement de {}", fr::euros(amount.get())),
        Change::Report => "Rapport final rédigé".to_owned(),
    }
}

pub(super) fn timeline(history: &[HistoryEntry]) -> Markup {
    let answers = terrain_domain::conversation::answers(history);
    html! {
        h2 { "Historique" }
        @if history.is_empty() {
            p { "Rien encore : le projet est un brouillon qui n'a pas été déposé." }
        } @else {
            ol.timeline {
                @for (entry, answered) in history.iter().zip(answers).rev() {
                    li {
                        time datetime=(entry.at.to_rfc3339()) { (fr::datetime(entry.at)) }
                        strong { (change_text(&entry.change)) } " " (who(entry))
                        @if !entry.reasons.is_empty() {
                            p { "Motifs : " (conversation::reasons(&entry.reasons)) }
                        }
                        @if let Some(comment) = &entry.comment {
                            blockquote { (comment) }
                        }
                        @if let Some(at) = answered {
                            p.hint { "Demande traitée : projet déposé à nouveau le " (fr::datetime(at)) "." }
                        } @else if matches!(entry.change, Change::Transition { action: Action::RequestChanges, .. }) {
                            p.hint { "En attente des corrections du porteur." }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn supports(list: &[Support]) -> Markup {
    html! {
        h2 { "Soutiens" }
        @if list.is_empty() {
            p { "Aucun soutien pour l'instant." }
        } @else {
            ul {
                @for support in list {
                    li {
                        (fr::date(fr::day_in_paris(support.granted_at))) " — "
                        @match &support.grant {
                            Grant::Financial { fund, amount } => { "Financement de " (fr::euros(amount.get())) " (fonds " (fund.as_str()) ")" }
                            Grant::Other(kind) => { (kind.label_fr()) }
                        }
                        @if let Some(note) = &support.note { " : " (note) }
                    }
                }
            }
        }
    }
}

pub(super) fn events(detail: &ProjectDetail) -> Markup {
    html! {
        h2 { "Concertations" }
        @if detail.events.is_empty() {
            p { "Aucune concertation n'est liée à ce projet. " a href="/espace/evenements/nouveau" { "Enregistrer une concertation" } }
        } @else {
            ul {
                @for event in &detail.events {
                    li {
                        (event.title.as_str()) " — " (fr::date(fr::day_in_paris(event.starts_at)))
                        " — " (fr::number(event.attendance.participants())) " participants"
                    }
                }
            }
        }
    }
}

fn actions(signed: &SignedIn, project: &Project) -> Markup {
    let actor = signed.actor();
    let party = access::authorize(&actor, project, Intent::Transition).ok();
    let available = party.map_or_else(Vec::new, |party| {
        Action::available(
            project.status,
            party,
            Circumstances {
                has_comment: false,
                has_financial_support: project.granted_cents > 0,
            },
        )
    });
    let may_edit =
        access::authorize(&actor, project, Intent::Edit).is_ok() && project.status.is_editable();
    let next_stages = if access::authorize(&actor, project, Intent::ChangeStage).is_ok() {
        project.stage.next(project.status)
    } else {
        Vec::new()
    };
    let base = format!("/espace/projets/{}", project.id);
    let csrf = signed.viewer.csrf();
    html! {
        div.actions {
            @if may_edit {
                a.button.secondary href=(format!("{base}/modifier")) { "Modifier" }
            }
            @if available.contains(&Action::Submit) {
                form method="post" action=(format!("{base}/depot")) {
                    (token(csrf))
                    input type="hidden" name="version" value=(project.version);
                    button type="submit" { "Déposer le projet" }
                }
            }
            @if available.contains(&Action::Withdraw) {
                form method="post" action=(format!("{base}/retrait")) {
                    (token(csrf))
                    input type="hidden" name="version" value=(project.version);
                    button.danger type="submit" { "Retirer le projet" }
                }
            }
        }
        @if !next_stages.is_empty() {
            form.stack method="post" action=(format!("{base}/etape")) {
                (token(csrf))
                input type="hidden" name="version" value=(project.version);
                div.field {
                    label for="f-stage" { "Nouvelle étape" }
                    select id="f-stage" name="stage" {
                        @for stage in &next_stages {
                            option value=(stage.as_str()) { (fr::stage(*stage)) }
                        }
                    }
                }
                button.secondary type="submit" { "Passer à l'étape suivante" }
            }
        }
    }
}

async fn project_page(
    state: &WebState,
    signed: SignedIn,
    id: uuid::Uuid,
    problem: &Problem,
) -> Result<Page, PageError> {
    let actor = signed.actor();
    let (detail, history, list) = projects::page(&state.app, Some(&actor), id).await?;
    if detail.project.lead_id != actor.id {
        return Err(PageError::NotFound);
    }
    let detail = &detail;
    let project = &detail.project;
    let talk = conversation::load(state, &actor, project).await?;
    let results = terrain_app::follow_up::of(&state.app, project.clone()).await?;
    let catalogue = state.app.catalogue();
    let since = history
        .iter()
        .rev()
        .find(|e| matches!(e.change, Change::Transition { to, .. } if to == project.status))
        .map(|e| e.at);
    let body = html! {
        nav.breadcrumb aria-label="Fil d'Ariane" {
            ol {
                li { a href="/espace" { "Mes projets" } }
                li aria-current="page" { (project.fields.title.as_str()) }
            }
        }
        h1 { (project.fields.title.as_str()) }
        @if let Some(message) = &problem.message {
            div.warning role="alert" {
                p { (message) }
                @if !problem.missing.is_empty() {
                    ul {
                        @for (label, message) in &problem.missing {
                            li { strong { (label) } " : " (message) }
                        }
                    }
                    p { a href=(format!("/espace/projets/{}/modifier", project.id)) { "Compléter le projet" } }
                }
            }
        }
        p {
            "Statut : " span class=(format!("status {}", project.status.as_str())) { (fr::status(project.status)) }
            @if let Some(at) = since { " depuis le " (fr::datetime(at)) }
        }
        (conversation::open_request(project, &history))
        @if project.status == Status::Validated {
            p { a href=(format!("/projets/{}", project.id)) { "Voir la page publique du projet" } }
        }
        (actions(&signed, project))
        (facts(&catalogue, project))
        (stages(project))
        (supports(&list))
        (events(detail))
        (follow_up::section(
            &results,
            Some(&actor),
            &format!("/espace/projets/{}", project.id),
            signed.viewer.csrf(),
            &problem.follow_up,
        ))
        (conversation::section(
            &talk,
            &format!("/espace/projets/{}", project.id),
            signed.viewer.csrf(),
            &problem.posted.errors,
            &problem.posted.draft,
        ))
        (timeline(&history))
    };
    Ok(Page::new(
        project.fields.title.as_str().to_owned(),
        signed.viewer,
        body,
    ))
}

/// `POST /espace/projets/{id}/messages`: a message to the reviewers, perhaps with a file.
pub async fn post_message(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
    multipart: Multipart,
) -> Result<Response, PageError> {
    own_project(&state, &signed, id).await?;
    let posted = conversation::receive(&state, &signed, id, multipart, true).await?;
    after_post(
        state,
        signed,
        id,
        posted,
        "Votre message a été envoyé.",
        "#messages",
    )
    .await
}

/// `POST /espace/projets/{id}/pieces`: a file attached to the project.
pub async fn upload_file(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
    multipart: Multipart,
) -> Result<Response, PageError> {
    own_project(&state, &signed, id).await?;
    let posted = conversation::receive(&state, &signed, id, multipart, false).await?;
    after_post(
        state,
        signed,
        id,
        posted,
        "La pièce jointe a été ajoutée.",
        "#pieces",
    )
    .await
}

async fn after_post(
    state: WebState,
    signed: SignedIn,
    id: uuid::Uuid,
    posted: conversation::Posted,
    notice: &str,
    anchor: &str,
) -> Result<Response, PageError> {
    if posted.errors.is_empty() {
        return notify_and_go(
            &state,
            &signed,
            notice.to_owned(),
            &format!("/espace/projets/{id}{anchor}"),
        )
        .await;
    }
    let problem = Problem {
        posted,
        ..Problem::default()
    };
    refused(
        &state,
        signed,
        id,
        problem,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /espace/projets/{id}/pieces/{file}/suppression`.
pub async fn delete_file(
    State(state): State<WebState>,
    Lead(signed): Lead,
    Path((id, file)): Path<(uuid::Uuid, uuid::Uuid)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    own_project(&state, &signed, id).await?;
    match terrain_app::attachments::delete(&state.app, &signed.actor(), id, file).await {
        Ok(()) => {
            let notice = "La pièce jointe a été retirée.".to_owned();
            notify_and_go(
                &state,
                &signed,
                notice,
                &format!("/espace/projets/{id}#pieces"),
            )
            .await
        }
        Err(AppError::NotFound) => Err(PageError::NotFound),
        Err(error @ (AppError::Forbidden(_) | AppError::Conflict(_))) => {
            let mut posted = conversation::Posted::default();
            let reason = match error {
                AppError::Forbidden(r) | AppError::Conflict(r) => r,
                _ => String::new(),
            };
            posted.errors.push("file", &reason);
            after_post(state, signed, id, posted, "", "").await
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /espace/projets/{id}/pieces/{file}`.
pub async fn download_file(
    State(state): State<WebState>,
    Lead(signed): Lead,
    Path((id, file)): Path<(uuid::Uuid, uuid::Uuid)>,
) -> Result<Response, PageError> {
    conversation::download(&state, &signed, id, file).await
}

/// `POST /espace/projets/{id}/resultats/{what}`: a milestone, an indicator, a measurement or
/// the report of the lead's validated project.
pub async fn record_follow_up(
    State(state): State<WebState>,
    Lead(signed): Lead,
    Path((id, what)): Path<(uuid::Uuid, String)>,
    Form(form): Form<follow_up::FollowUpForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(form.csrf())?;
    own_project(&state, &signed, id).await?;
    match follow_up::post(&state, &signed.actor(), id, &what, form).await? {
        follow_up::Posted::Done(notice) => {
            notify_and_go(
                &state,
                &signed,
                notice.to_owned(),
                &format!("/espace/projets/{id}#resultats"),
            )
            .await
        }
        follow_up::Posted::Refused(follow_up) => {
            let problem = Problem {
                follow_up,
                ..Problem::default()
            };
            refused(
                &state,
                signed,
                id,
                problem,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `GET /espace/projets/{id}`.
pub async fn show_project(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
) -> Result<Page, PageError> {
    project_page(&state, signed, id, &Problem::default()).await
}

/// The form of an action button.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    version: String,
    stage: String,
}

/// The label of a field a submission lacks.
fn missing_label(field: &str) -> String {
    match field {
        "stakeholders" => "Acteurs associés",
        "establishment_uai" => "UAI de l'établissement",
        other => other,
    }
    .to_owned()
}

/// The project page again, with what went wrong (nothing was changed).
async fn refused(
    state: &WebState,
    signed: SignedIn,
    id: uuid::Uuid,
    problem: Problem,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = project_page(state, signed, id, &problem).await?;
    Ok(page.with_status(status).into_response())
}

const STALE: &str =
    "Ce projet a été modifié entre-temps : vérifiez-le avant de recommencer. Rien n'a été changé.";

/// Takes a workflow action from a button; a second post of the same button finds the project
/// already moved on and says so, without acting twice.
async fn act(
    state: WebState,
    signed: SignedIn,
    id: uuid::Uuid,
    form: ActionForm,
    action: Action,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    own_project(&state, &signed, id).await?;
    let Ok(version) = form.version.parse::<i64>() else {
        let problem = Problem {
            message: Some(STALE.into()),
            ..Problem::default()
        };
        return refused(&state, signed, id, problem, StatusCode::BAD_REQUEST).await;
    };
    let actor = signed.actor();
    let expected = Expected::OneOf(vec![version]);
    match projects::transition(&state.app, &actor, id, Some(&expected), action, None, &[]).await {
        Ok(detail) => {
            let at = detail
                .project
                .submitted_at
                .unwrap_or(detail.project.updated_at);
            let notice = match action {
                Action::Submit => format!(
                    "Votre projet a été déposé le {}. Accusé de réception : projet n° {}.",
                    fr::datetime(at),
                    detail.project.id
                ),
                Action::Withdraw => format!("Votre projet a été retiré le {}.", fr::datetime(at)),
                other => fr::action_done(other).to_owned(),
            };
            notify_and_go(&state, &signed, notice, &format!("/espace/projets/{id}")).await
        }
        Err(AppError::Stale | AppError::Conflict(_)) => {
            let current = own_project(&state, &signed, id).await?.project;
            let already = match action {
                Action::Submit => current.status == Status::Submitted,
                Action::Withdraw => current.status == Status::Withdrawn,
                _ => false,
            };
            if already {
                let notice = match current.submitted_at {
                    Some(at) if action == Action::Submit => {
                        format!("Votre projet a été déposé le {}.", fr::datetime(at))
                    }
                    _ => format!(
                        "Ce projet est déjà {}.",
                        fr::status(current.status).to_lowercase()
                    ),
                };
                return notify_and_go(&state, &signed, notice, &format!("/espace/projets/{id}"))
                    .await;
            }
            let problem = Problem {
                message: Some(STALE.into()),
                ..Problem::default()
            };
            refused(&state, signed, id, problem, StatusCode::CONFLICT).await
        }
        Err(AppError::Invalid(fields)) => {
            let problem = Problem {
                message: Some("Le projet n'a pas été déposé : il manque des informations.".into()),
                missing: fields
                    .errors()
                    .iter()
                    .map(|e| (missing_label(&e.field), e.message.clone()))
                    .collect(),
                ..Problem::default()
            };
            refused(
                &state,
                signed,
                id,
                problem,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /espace/projets/{id}/depot` (« Déposer le projet »).
pub async fn submit_project(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    act(state, signed, id, form, Action::Submit).await
}

/// `POST /espace/projets/{id}/retrait` (« Retirer le projet »).
pub async fn withdraw_project(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    act(state, signed, id, form, Action::Withdraw).await
}

/// `POST /espace/projets/{id}/etape` (« Passer à l'étape suivante »).
pub async fn change_stage(
    State(state): State<WebState>,
    Lead(signed): Lead,
    PathId(id): PathId,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    own_project(&state, &signed, id).await?;
    let (Ok(version), Ok(to)) = (form.version.parse::<i64>(), form.stage.parse::<Stage>()) else {
        let problem = Problem {
            message: Some(STALE.into()),
            ..Problem::default()
        };
        return refused(&state, signed, id, problem, StatusCode::BAD_REQUEST).await;
    };
    let actor = signed.actor();
    let expected = Expected::OneOf(vec![version]);
    match projects::change_stage(&state.app, &actor, id, Some(&expected), to, None).await {
        Ok(_) => {
            let notice = format!("Le projet est passé à l'étape « {} ».", fr::stage(to));
            notify_and_go(&state, &signed, notice, &format!("/espace/projets/{id}")).await
        }
        Err(AppError::Stale | AppError::Conflict(_)) => {
            let current = own_project(&state, &signed, id).await?.project;
            if current.stage == to {
                let notice = format!("Le projet est déjà à l'étape « {} ».", fr::stage(to));
                return notify_and_go(&state, &signed, notice, &format!("/espace/projets/{id}"))
                    .await;
            }
            let problem = Problem {
                message: Some(STALE.into()),
                ..Problem::default()
            };
            refused(&state, signed, id, problem, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}
