//! `GET /`: the programmes at a glance, in French, rendered by the service itself (no script,
//! no CDN): funnel, events, SILK stages, monthly timeline and a drill-down table per territory
//! level. Figures come from the same code as `/api/v1/stats/*`.

use axum::{
    extract::{RawQuery, State},
    response::{Html, IntoResponse},
};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use terrain_app::statistics::{self, Resolved};
use terrain_domain::{Programme, Territory, TerritoryKind, stats::Interval};

use crate::{
    dto::{
        reference::Level,
        stats::{Overview, TerritoryTable, Timeline},
    },
    error::ApiError,
    routes::stats::StatsFilter,
    state::AppState,
};

const STYLE: &str = r#"
:root { --ink:#1e1e1e; --muted:#5a5a5a; --blue:#000091; --light:#e3e3fd; --green:#18753c; --line:#ddd; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, "Marianne", Arial, sans-serif; color:var(--ink); line-height:1.5; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 3px solid var(--blue); }
h1 { font-size: 1.6rem; margin: .2rem 0; color: var(--blue); }
h2 { font-size: 1.35rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
nav.breadcrumb ol { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem; }
nav.breadcrumb li + li::before { content: "›"; margin-right: .3rem; color: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; background: #f6f6f6; padding: .8rem; }
form.filters label { display: flex; flex-direction: column; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .8rem; }
.card { border: 1px solid var(--line); padding: .6rem .8rem; }
.card strong { display: block; font-size: 1.5rem; color: var(--blue); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
figure { margin: 0; }
figcaption { font-size: .9rem; color: var(--muted); }
svg { width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .4rem 0; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
a { color: var(--blue); }
.notice { background: #fff4f3; border-left: 4px solid #ce0500; padding: .6rem; }
"#;

/// French digit grouping with a narrow no-break space.
fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn euros(cents: i64) -> String {
    format!("{} €", number(cents / 100))
}

fn query_string(programme: Option<&str>, territory: &str, filter: &StatsFilter) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(programme) = programme {
        query.append_pair("programme", programme);
    }
    query.append_pair("territory", territory);
    if let Some(from) = filter.from {
        query.append_pair("from", &from.to_string());
    }
    if let Some(to) = filter.to {
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
                    text x="0" y=(y + 17) font-size="13" { (label) }
                    rect x="120" y=(y) width=(width) height="24" fill="#000091" {}
                    text x=(125 + width) y=(y + 17) font-size="13" { (number(*value)) }
                }
            }
            figcaption { (title) }
        }
    }
}

/// A monthly column chart of submissions and validations.
fn timeline_chart(id: &str, timeline: &Timeline) -> Markup {
    let points = &timeline.items;
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
                line x1="30" y1="150" x2=(width) y2="150" stroke="#999" {}
                @for (i, p) in points.iter().enumerate() {
                    @let x = 32 + i * 14;
                    @let h1 = p.submitted * 130 / max;
                    @let h2 = p.validated * 130 / max;
                    rect x=(x) y=(150 - h1) width="6" height=(h1) fill="#000091" { title { (p.period) " : " (p.submitted) " déposés" } }
                    rect x=(x + 6) y=(150 - h2) width="6" height=(h2) fill="#18753c" { title { (p.period) " : " (p.validated) " validés" } }
                    @if i.is_multiple_of(6) {
                        text x=(x) y="165" font-size="9" { (p.period) }
                    }
                }
            }
            figcaption { "Chronologie mensuelle des dépôts et des validations" }
        }
    }
}

fn figure(key: &str, label: &str, value: i64, shown: String) -> Markup {
    html! {
        div.card {
            span { (label) }
            strong data-figure=(key) data-value=(value) { (shown) }
        }
    }
}

fn programme_section(
    programme: &Programme,
    overview: &Overview,
    timeline: &Timeline,
    table: Option<&TerritoryTable>,
    here: &Territory,
    filter: &StatsFilter,
) -> Markup {
    let code = programme.code.as_str();
    let p = &overview.projects;
    let s = &overview.supports;
    let e = &overview.events;
    let st = &overview.stages;
    html! {
        section aria-labelledby=(format!("programme-{code}")) {
            h2 id=(format!("programme-{code}")) { (programme.name) }
            h3 { "Chiffres clés" }
            div.cards {
                (figure(&format!("{code}.projects.submitted"), "Projets déposés", p.submitted, number(p.submitted)))
                (figure(&format!("{code}.projects.validated"), "Projets validés", p.validated, number(p.validated)))
                (figure(&format!("{code}.supports.supported_projects"), "Projets soutenus", s.supported_projects, number(s.supported_projects)))
                (figure(&format!("{code}.events.count"), "Concertations", e.count, number(e.count)))
                (figure(&format!("{code}.events.participants"), "Participants", e.participants, number(e.participants)))
                (figure(&format!("{code}.supports.granted_cents"), "Financements accordés", s.granted_cents, euros(s.granted_cents)))
            }
            div.charts {
                (bars(&format!("funnel-{code}"), "Du dépôt au soutien", &[
                    ("Déposés", p.submitted), ("Validés", p.validated), ("Soutenus", s.supported_projects),
                ]))
                (bars(&format!("stages-{code}"), "Étapes de la méthode SILK", &[
                    ("Initier", st.initiate), ("Créer", st.create), ("Tester", st.test), ("Transférer", st.transfer),
                ]))
            }
            (timeline_chart(&format!("timeline-{code}"), timeline))
            @if let Some(table) = table {
                div.table-wrap {
                    table {
                        caption { (programme.name) " — par " (TerritoryKind::from(table.level).label_fr()) " (" (here.name) ")" }
                        thead { tr {
                            th scope="col" { "Territoire" }
                            th scope="col" { "Déposés" }
                            th scope="col" { "Validés" }
                            th scope="col" { "Soutenus" }
                            th scope="col" { "Concertations" }
                            th scope="col" { "Participants" }
                        } }
                        tbody {
                            @for row in &table.items {
                                tr data-territory=(row.territory.id) {
                                    th scope="row" {
                                        @if row.territory.kind == Level::Department {
                                            a href=(query_string(Some(code), &row.territory.id, filter)) { (row.territory.name) }
                                        } @else {
                                            a.drill href=(query_string(Some(code), &row.territory.id, filter)) { (row.territory.name) }
                                        }
                                    }
                                    td data-value=(row.projects.submitted) { (number(row.projects.submitted)) }
                                    td data-value=(row.projects.validated) { (number(row.projects.validated)) }
                                    td data-value=(row.supports.supported_projects) { (number(row.supports.supported_projects)) }
                                    td data-value=(row.events.count) { (number(row.events.count)) }
                                    td data-value=(row.events.participants) { (number(row.events.participants)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn level_below(kind: TerritoryKind) -> Option<Level> {
    match kind {
        TerritoryKind::Country => Some(Level::Region),
        TerritoryKind::Region => Some(Level::Academy),
        TerritoryKind::Academy => Some(Level::Department),
        TerritoryKind::Department => None,
    }
}

/// The dashboard page.
pub async fn show_dashboard(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let raw = query.unwrap_or_default();
    let parsed: Result<StatsFilter, _> = serde_urlencoded::from_str(&raw);
    let (filter, mut notice) = match parsed {
        Ok(filter) => (filter, None),
        Err(_) => (
            StatsFilter::default(),
            Some("Filtres illisibles : ils ont été ignorés."),
        ),
    };
    let filter = StatsFilter {
        programme: filter.programme.filter(|p| !p.is_empty()),
        territory: filter.territory.filter(|t| !t.is_empty()),
        ..filter
    };
    let resolved = match filter.resolve(&state) {
        Ok(resolved) => resolved,
        Err(ApiError::Validation(_)) => {
            notice =
                Some("Programme, territoire ou période inconnus : les filtres ont été ignorés.");
            StatsFilter::default().resolve(&state)?
        }
        Err(other) => return Err(other),
    };
    let catalogue = state.app.catalogue();
    let programmes = catalogue.programmes().to_vec();
    let here = catalogue
        .territory(resolved.scope.territory.id.as_str())
        .cloned()
        .ok_or(ApiError::NotFound)?;
    let ancestors: Vec<Territory> = catalogue.ancestors(&here).into_iter().cloned().collect();
    let shown: Vec<&Programme> = programmes
        .iter()
        .filter(|p| {
            resolved
                .scope
                .programme
                .as_ref()
                .is_none_or(|c| *c == p.code)
        })
        .collect();
    let mut sections = Vec::new();
    for programme in &shown {
        let scoped = Resolved {
            scope: terrain_app::statistics::StatsScope {
                programme: Some(programme.code.clone()),
                territory: resolved.scope.territory.clone(),
            },
            period: resolved.period,
        };
        let overview = Overview::from(&statistics::overview(&state.app, &scoped).await?);
        let points = statistics::timeline(&state.app, &scoped, Interval::Month).await?;
        let timeline = Timeline {
            interval: Interval::Month.as_str().to_owned(),
            items: points.into_iter().map(Into::into).collect(),
        };
        let table = match level_below(here.id().kind()) {
            Some(level) => {
                let rows = statistics::territories(&state.app, &scoped, level.into()).await?;
                Some(TerritoryTable::new(level, rows))
            }
            None => None,
        };
        sections.push(programme_section(
            programme,
            &overview,
            &timeline,
            table.as_ref(),
            &here,
            &filter,
        ));
    }
    let current_programme = resolved
        .scope
        .programme
        .as_ref()
        .map(|p| p.as_str().to_owned());
    let page = html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Terrain — tableau de bord des programmes" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    p { "Terrain" }
                    h1 { "Les programmes en un coup d'œil — " (here.name) }
                    nav.breadcrumb aria-label="Fil d'Ariane" {
                        ol {
                            @for t in &ancestors {
                                li { a href=(query_string(current_programme.as_deref(), t.id().as_str(), &filter)) { (t.name) } }
                            }
                            li aria-current="page" { (here.name) }
                        }
                    }
                }
                main {
                    @if let Some(notice) = notice {
                        p.notice role="alert" { (notice) }
                    }
                    form.filters method="get" action="/" {
                        input type="hidden" name="territory" value=(here.id().as_str());
                        label { "Programme"
                            select name="programme" {
                                option value="" selected[current_programme.is_none()] { "Tous les programmes" }
                                @for p in &programmes {
                                    option value=(p.code.as_str()) selected[current_programme.as_deref() == Some(p.code.as_str())] { (p.name) }
                                }
                            }
                        }
                        label { "Du" input type="date" name="from" value=[filter.from.map(|d| d.to_string())]; }
                        label { "Au" input type="date" name="to" value=[filter.to.map(|d| d.to_string())]; }
                        button type="submit" { "Afficher" }
                    }
                    @for section in &sections { (section) }
                }
                footer {
                    p { "Chiffres publics et agrégés, exacts à chaque écriture. Les mêmes données sont disponibles en JSON : "
                        a href="/docs/" { "documentation de l'API" } "." }
                }
            }
        }
    };
    Ok(Html(page.into_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_the_french_way() {
        assert_eq!(number(14_000), "14\u{202f}000");
        assert_eq!(number(780), "780");
        assert_eq!(number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(euros(123_456), "1\u{202f}234 €");
    }
}
