//! `GET /projets/{id}`: the public page of a validated project (SPEC §17), for anyone: what it
//! is, where, its supports, its milestones and progress, its indicators with their
//! measurements, and its final report. No personal data: neither the lead, nor a note, nor a
//! message. Any other project is a 404 page, as in the API.

use axum::extract::State;
use maud::html;
use terrain_app::follow_up;
use terrain_domain::{Grant, Status, fr};

use super::{PathId, follow_up as section, project};
use crate::{WebState, error::PageError, layout::Page, session::Viewer};

/// `GET /projets/{id}`.
pub async fn show_public_project(
    State(state): State<WebState>,
    viewer: Viewer,
    PathId(id): PathId,
) -> Result<Page, PageError> {
    // Seen as by anyone, whoever is signed in: the public page shows what is public.
    let view = follow_up::view(&state.app, None, id).await?;
    let project = &view.project;
    if project.status != Status::Validated {
        return Err(PageError::NotFound);
    }
    let catalogue = state.app.catalogue();
    let body = html! {
        nav.breadcrumb aria-label="Fil d'Ariane" { ol {
            li { a href="/" { "Tableau de bord" } }
            li aria-current="page" { (project.fields.title.as_str()) }
        } }
        h1 { (project.fields.title.as_str()) }
        p { "Projet validé" @if let Some(at) = project.decided_at { " le " (fr::date(fr::day_in_paris(at))) } "." }
        (project::facts(&catalogue, project))
        (project::stages(project))
        h2 { "Soutiens" }
        @if view.supports.is_empty() {
            p { "Aucun soutien pour l'instant." }
        } @else {
            ul {
                @for support in &view.supports {
                    li {
                        @match &support.grant {
                            Grant::Financial { fund, amount } => {
                                "Financement de " (fr::euros(amount.get())) " (fonds " (fund.as_str()) "), "
                                (fr::euros(support.paid_cents)) " versés"
                            }
                            Grant::Other(kind) => { "Soutien " (kind.label_fr().to_lowercase()) }
                        }
                    }
                }
            }
        }
        (section::section(&view, None, "", "", &section::Problem::default()))
        p.hint { "Données publiques, sans donnée personnelle ; elles figurent aussi dans les "
            a href="/donnees" { "données ouvertes" } "." }
    };
    Ok(Page::new(
        format!("{} — projet validé", project.fields.title.as_str()),
        viewer,
        body,
    ))
}
