//! `GET /`: the programmes at a glance, in French, rendered by the service itself (no script,
//! no other site): funnel, events, SILK stages, a monthly timeline and a drill-down table per
//! territory level. Figures come from the same use cases as `/api/v1/stats/*`.

use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::statistics::{self, Resolved, StatsScope, TimelinePoint};
use terrain_domain::{
    Programme, Stage, Status, Territory, TerritoryKind,
    fr::{euros, number},
    stats::{Interval, Totals},
};

use crate::{WebState, error::PageError, layout::Page, session::Viewer};

/// The filters in the query string; anything unreadable is ignored with a notice.
#[derive(Debug, Clone, Default, Deserialize)]
struct Filters {
    programme: Option<String>,
    territory: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

fn query_string(programme: Option<&str>, territory: &str, filters: &Filters) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(programme) = programme {
        query.append_pair("programme", programme);
    }
    query.append_pair("territory", territory);
    if let Some(from) = filters.from {
        query.append_pair("from", &from.to_string());
    }
    if let Some(to) = filters.to {
        query.append_pair("to", &to.to_string());
    }
    format!("/?{}", query.finish())
}

/// A horizontal bar chart with its text alternative.
fn bars(id: &str, title: &str, rows: &[(&str, i64)]) -> Markup {
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = rows.len() * 34 + 10;
    let summary = rows
        .iter()
        .map(|(label, value)| format!("{label} : {}", number(*value)))
        .collect::<Vec<_>>()
        .join(" ; ");
    html! {
        figure {
            svg viewBox=(format!("0 0 440 {height}")) role="img" aria-labelledby=(format!("{id}-title {id}-desc")) {
                title id=(format!("{id}-title")) { (title) }
                desc id=(format!("{id}-desc")) { (summary) }
                @for (i, (label, value)) in rows.iter().enumerate() {
                    @let y = i * 34 + 6;
                    @let width = 10 + (*value * 220 / max);
                    text x="0" y=(y + 17) font-size="13" fill="#1e1e1e" { (label) }
                    rect x="120" y=(y) width=(width) height="24" fill="#000091" {}
                    text x=(125 + width) y=(y + 17) font-size="13" fill="#1e1e1e" { (number(*value)) }
                }
            }
            figcaption { (title) }
        }
    }
}

/// A monthly column chart of submissions and validations.
fn timeline_chart(id: &str, points: &[TimelinePoint]) -> Markup {
    let max = points
        .iter()
        .map(|p| p.submitted.max(p.validated))
        .max()
        .unwrap_or(0)
        .max(1);
    let width = (points.len() * 14).max(100) + 40;
    let summary = points
        .iter()
        .map(|p| {
            format!(
                "{} : {} déposés, {} validés",
                p.period, p.submitted, p.validated
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    html! {
        figure {
            svg viewBox=(format!("0 0 {width} 170")) role="img" aria-labelledby=(format!("{id}-title {id}-desc")) {
                title id=(format!("{id}-title")) { "Projets déposés (bleu) et validés (vert) par mois" }
                desc id=(format!("{id}-desc")) { (if summary.is_empty() { "Aucune donnée".to_owned() } else { summary }) }
                line x1="30" y1="150" x2=(width) y2="150" stroke="#666666" {}
                @for (i, p) in points.iter().enumerate() {
                    @let x = 32 + i * 14;
                    @let h1 = p.submitted * 130 / max;
                    @let h2 = p.validated * 130 / max;
                    rect x=(x) y=(150 - h1) width="6" height=(h1) fill="#000091" { title { (p.period) " : " (p.submitted) " déposés" } }
                    rect x=(x + 6) y=(150 - h2) width="6" height=(h2) fill="#18753c" { title { (p.period) " : " (p.validated) " validés" } }
                    @if i.is_multiple_of(6) {
                        text x=(x) y="165" font-size="9" fill="#1e1e1e" { (p.period) }
                    }
                }
            }
            figcaption { "Chronologie mensuelle des dépôts et des validations" }
        }
    }
}

fn card(key: &str, label: &str, value: i64, shown: String) -> Markup {
    html! {
        li.card {
            span { (label) }
            strong data-figure=(key) data-value=(value) { (shown) }
        }
    }
}

struct Section<'a> {
    programme: &'a Programme,
    totals: Totals,
    timeline: Vec<TimelinePoint>,
    table: Option<(TerritoryKind, Vec<(Territory, Totals)>)>,
}

fn programme_section(section: &Section<'_>, here: &Territory, filters: &Filters) -> Markup {
    let programme = section.programme;
    let code = programme.code.as_str();
    let t = &section.totals;
    let (submitted, validated, supported) = (
        t.submitted(),
        t.in_status(Status::Validated),
        t.supported_projects(),
    );
    html! {
        section aria-labelledby=(format!("programme-{code}")) {
            h2 id=(format!("programme-{code}")) { (programme.name) }
            h3 { "Chiffres clés" }
            ul.cards {
                (card(&format!("{code}.projects.submitted"), "Projets déposés", submitted, number(submitted)))
                (card(&format!("{code}.projects.validated"), "Projets validés", validated, number(validated)))
                (card(&format!("{code}.supports.supported_projects"), "Projets soutenus", supported, number(supported)))
                (card(&format!("{code}.events.count"), "Concertations", t.events(), number(t.events())))
                (card(&format!("{code}.events.participants"), "Participants", t.participants(), number(t.participants())))
                (card(&format!("{code}.supports.granted_cents"), "Financements accordés", t.granted_cents(), euros(t.granted_cents())))
            }
            div.charts {
                (bars(&format!("funnel-{code}"), "Du dépôt au soutien", &[
                    ("Déposés", submitted), ("Validés", validated), ("Soutenus", supported),
                ]))
                (bars(&format!("stages-{code}"), "Étapes de la méthode SILK", &[
                    ("Initier", t.at_stage(Stage::Initiate)), ("Créer", t.at_stage(Stage::Create)),
                    ("Tester", t.at_stage(Stage::Test)), ("Transférer", t.at_stage(Stage::Transfer)),
                ]))
            }
            h3 { "Résultats" }
            ul.cards {
                (card(&format!("{code}.results.paid_cents"), "Montants versés", t.paid_cents(), euros(t.paid_cents())))
                (card(&format!("{code}.results.projects_with_indicators"), "Projets suivis par des indicateurs", t.projects_with_indicators(), number(t.projects_with_indicators())))
                (card(&format!("{code}.results.indicators_met"), "Indicateurs atteints", t.indicators_met(),
                    format!("{} sur {}", number(t.indicators_met()), number(t.indicators_total()))))
            }
            (timeline_chart(&format!("timeline-{code}"), &section.timeline))
            @if let Some((level, rows)) = &section.table {
                div.table-wrap role="region" tabindex="0"
                    aria-label=(format!("{} — par {}", programme.name, level.label_fr())) {
                    table {
                        caption { (programme.name) " — par " (level.label_fr()) " (" (here.name) ")" }
                        thead { tr {
                            th scope="col" { "Territoire" }
                            th.num scope="col" { "Déposés" }
                            th.num scope="col" { "Validés" }
                            th.num scope="col" { "Soutenus" }
                            th.num scope="col" { "Concertations" }
                            th.num scope="col" { "Participants" }
                            th.num scope="col" { "Versé" }
                            th.num scope="col" { "Indicateurs atteints" }
                        } }
                        tbody {
                            @for (territory, row) in rows {
                                tr data-territory=(territory.id().as_str()) {
                                    th scope="row" {
                                        @if *level == TerritoryKind::Department {
                                            a href=(query_string(Some(code), territory.id().as_str(), filters)) { (territory.name) }
                                        } @else {
                                            a.drill href=(query_string(Some(code), territory.id().as_str(), filters)) { (territory.name) }
                                        }
                                    }
                                    td.num data-value=(row.submitted()) { (number(row.submitted())) }
                                    td.num data-value=(row.in_status(Status::Validated)) { (number(row.in_status(Status::Validated))) }
                                    td.num data-value=(row.supported_projects()) { (number(row.supported_projects())) }
                                    td.num data-value=(row.events()) { (number(row.events())) }
                                    td.num data-value=(row.participants()) { (number(row.participants())) }
                                    td.num data-value=(row.paid_cents()) { (euros(row.paid_cents())) }
                                    td.num data-value=(row.indicators_met()) { (number(row.indicators_met())) " / " (number(row.indicators_total())) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn level_below(kind: TerritoryKind) -> Option<TerritoryKind> {
    match kind {
        TerritoryKind::Country => Some(TerritoryKind::Region),
        TerritoryKind::Region => Some(TerritoryKind::Academy),
        TerritoryKind::Academy => Some(TerritoryKind::Department),
        TerritoryKind::Department => None,
    }
}

/// Reads the filters; what cannot be read or names nothing known is ignored, with a notice.
fn filters(state: &WebState, query: Option<String>) -> (Filters, Resolved, Option<&'static str>) {
    let (filters, mut notice) =
        match serde_urlencoded::from_str::<Filters>(&query.unwrap_or_default()) {
            Ok(filters) => (filters, None),
            Err(_) => (
                Filters::default(),
                Some("Filtres illisibles : ils ont été ignorés."),
            ),
        };
    let filters = Filters {
        programme: filters.programme.filter(|p| !p.is_empty()),
        territory: filters.territory.filter(|t| !t.is_empty()),
        ..filters
    };
    let resolved = statistics::resolve(
        &state.app,
        filters.programme.as_deref(),
        filters.territory.as_deref(),
        filters.from,
        filters.to,
    );
    match resolved {
        Ok(resolved) => (filters, resolved, notice),
        Err(_) => {
            notice =
                Some("Programme, territoire ou période inconnus : les filtres ont été ignorés.");
            let everything = statistics::resolve(&state.app, None, None, None, None);
            // The whole country, without a period, always resolves.
            let resolved = everything.unwrap_or_else(|_| unreachable!("the country exists"));
            (Filters::default(), resolved, notice)
        }
    }
}

async fn section<'a>(
    state: &WebState,
    programme: &'a Programme,
    resolved: &Resolved,
    here: &Territory,
) -> Result<Section<'a>, PageError> {
    let scoped = Resolved {
        scope: StatsScope {
            programme: Some(programme.code.clone()),
            territory: resolved.scope.territory.clone(),
        },
        period: resolved.period,
    };
    let totals = statistics::overview(&state.app, &scoped).await?;
    let timeline = statistics::timeline(&state.app, &scoped, Interval::Month).await?;
    let table = match level_below(here.id().kind()) {
        Some(level) => Some((
            level,
            statistics::territories(&state.app, &scoped, level).await?,
        )),
        None => None,
    };
    Ok(Section {
        programme,
        totals,
        timeline,
        table,
    })
}

/// The dashboard.
pub async fn show_dashboard(
    State(state): State<WebState>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Result<Page, PageError> {
    let (filters, resolved, notice) = self::filters(&state, query);
    let catalogue = state.app.catalogue();
    let here = catalogue
        .territory(resolved.scope.territory.id.as_str())
        .cloned()
        .ok_or(PageError::NotFound)?;
    let ancestors: Vec<Territory> = catalogue.ancestors(&here).into_iter().cloned().collect();
    let current = resolved
        .scope
        .programme
        .as_ref()
        .map(|p| p.as_str().to_owned());
    let mut sections = Vec::new();
    for programme in catalogue.programmes().iter().filter(|p| {
        resolved
            .scope
            .programme
            .as_ref()
            .is_none_or(|c| *c == p.code)
    }) {
        sections.push(section(&state, programme, &resolved, &here).await?);
    }
    let body = html! {
        h1 { "Les programmes en un coup d'œil — " (here.name) }
        nav.breadcrumb aria-label="Fil d'Ariane" {
            ol {
                @for t in &ancestors {
                    li { a href=(query_string(current.as_deref(), t.id().as_str(), &filters)) { (t.name) } }
                }
                li aria-current="page" { (here.name) }
            }
        }
        @if let Some(notice) = notice {
            p.warning role="alert" { (notice) }
        }
        form.filters method="get" action="/" {
            input type="hidden" name="territory" value=(here.id().as_str());
            div.field {
                label for="f-programme" { "Programme" }
                select id="f-programme" name="programme" {
                    option value="" selected[current.is_none()] { "Tous les programmes" }
                    @for p in catalogue.programmes() {
                        option value=(p.code.as_str()) selected[current.as_deref() == Some(p.code.as_str())] { (p.name) }
                    }
                }
            }
            div.field {
                label for="f-from" { "Du" }
                input id="f-from" type="date" name="from" value=[filters.from.map(|d| d.to_string())];
            }
            div.field {
                label for="f-to" { "Au" }
                input id="f-to" type="date" name="to" value=[filters.to.map(|d| d.to_string())];
            }
            button type="submit" { "Afficher" }
        }
        @for s in &sections { (programme_section(s, &here, &filters)) }
        p { "Chiffres publics et agrégés, exacts à chaque écriture ; les projets en brouillon n'y figurent pas. Les mêmes données sont disponibles en JSON : "
            a href="/docs/" { "documentation de l'API" } "." }
    };
    Ok(Page::new(
        format!("Tableau de bord des programmes — {}", here.name),
        viewer,
        body,
    ))
}
