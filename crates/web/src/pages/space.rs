//! `GET /espace`: a lead's projects, newest first, each with its status in words and what the
//! lead is expected to do next; 50 a page.

use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{
    pagination,
    projects::{self, ListFilters, SortKey},
};
use terrain_domain::{Project, Status, fr};

use crate::{WebState, error::PageError, layout::Page, session::Lead};

/// How many projects a page lists.
const PAGE: u64 = 50;

/// `?apres=…`: the page after a project.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SpaceQuery {
    apres: Option<String>,
}

/// What the lead is expected to do now, if anything.
fn expected(project: &Project, since: Option<DateTime<Utc>>) -> Option<String> {
    let on = since.map(|at| fr::date(fr::day_in_paris(at)));
    match project.status {
        Status::Draft => Some("Compléter puis déposer le projet".into()),
        Status::ChangesRequested => Some(match on {
            Some(day) => format!("Modifications demandées le {day}"),
            None => "Modifications demandées".into(),
        }),
        Status::Validated => Some("Faire avancer le projet d'étape en étape".into()),
        _ => None,
    }
}

/// The status in words, with its date when known.
fn status_cell(project: &Project, since: Option<DateTime<Utc>>) -> Markup {
    html! {
        span class=(format!("status {}", project.status.as_str())) { (fr::status(project.status)) }
        @if let Some(at) = since {
            " " span.hint { "le " (fr::date(fr::day_in_paris(at))) }
        }
    }
}

/// `GET /espace`.
pub async fn show_space(
    State(state): State<WebState>,
    Lead(signed): Lead,
    Query(query): Query<SpaceQuery>,
) -> Result<Page, PageError> {
    let actor = signed.actor();
    let list = pagination::project_list(SortKey::CreatedAt, true);
    let after = match query.apres.as_deref() {
        Some(cursor) => {
            Some(pagination::decode_project(&list, cursor).map_err(|_| PageError::NotFound)?)
        }
        None => None,
    };
    let page = projects::list(
        &state.app,
        Some(&actor),
        ListFilters {
            lead: Some(actor.id),
            sort: SortKey::CreatedAt,
            descending: true,
            after,
            limit: PAGE,
            ..ListFilters::default()
        },
    )
    .await?;
    let dates = projects::status_dates(&state.app, &page.items).await?;
    let unread = terrain_app::messages::unread(&state.app, &actor).await?;
    let unread_total: u64 = unread.values().sum();
    let catalogue = state.app.catalogue();
    let next = page
        .more
        .then(|| page.items.last())
        .flatten()
        .map(|last| pagination::encode_project(&list, Some(last.created_at), last.id));
    let body = html! {
        h1 { "Mes projets" }
        @if unread_total > 0 {
            p.unread { (super::unread_text(unread_total)) " : ouvrez le projet concerné pour les lire." }
        }
        div.actions {
            a.button href="/espace/projets/nouveau" { "Nouveau projet" }
            a.button.secondary href="/espace/evenements/nouveau" { "Enregistrer une concertation" }
        }
        @if page.items.is_empty() {
            p { "Vous n'avez pas encore de projet. Commencez par un brouillon : vous pourrez le compléter avant de le déposer." }
        } @else {
            div.table-wrap role="region" tabindex="0" aria-label="Mes projets" {
                table {
                    caption { "Mes projets, du plus récent au plus ancien" }
                    thead { tr {
                        th scope="col" { "Titre" }
                        th scope="col" { "Programme" }
                        th scope="col" { "Statut" }
                        th scope="col" { "Action attendue" }
                    } }
                    tbody {
                        @for project in &page.items {
                            @let since = dates.get(&project.id).copied();
                            tr {
                                td {
                                    a href=(format!("/espace/projets/{}", project.id)) { (project.fields.title.as_str()) }
                                    @if let Some(n) = unread.get(&project.id) {
                                        " " a.badge href=(format!("/espace/projets/{}#messages", project.id)) { (super::unread_text(*n)) }
                                    }
                                }
                                td { (catalogue.programme(project.fields.programme.as_str()).map_or(project.fields.programme.as_str(), |p| p.name.as_str())) }
                                td { (status_cell(project, since)) }
                                td { (expected(project, since).unwrap_or_else(|| "Aucune".into())) }
                            }
                        }
                    }
                }
            }
            @if let Some(cursor) = next {
                nav aria-label="Pages" {
                    a href=(format!("/espace?apres={cursor}")) { "Projets plus anciens" }
                }
            }
        }
    };
    Ok(Page::new("Mes projets", signed.viewer, body))
}
