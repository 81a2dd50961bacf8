//! Open data (SPEC §19): the public files under `/donnees`, Licence Ouverte 2.0, with no
//! personal data — validated projects only (no lead, no email, no message, no note, no draft),
//! concertation events with their validated projects, and the statistics of every territory —
//! and the Frictionless Data Package that describes each file exactly. Every file carries the
//! newest change of the feed as its version (`ETag`, `Last-Modified`): any write changes it, so
//! a harvester that asks again with `If-None-Match` downloads only when something changed.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use terrain_domain::{
    Catalogue, Project, Stage, Status, SupportKind, TerritoryKind, event::Category,
};
use terrain_persistence::repo::{
    Page, changes,
    events::EventQuery,
    projects::{self, ProjectCursor, ProjectQuery},
};

use crate::{
    App, AppError,
    events::{self, EventFilters, EventView},
    projects::ListFilters,
    statistics,
};

/// Rows read per page.
const PAGE: u64 = 1_000;

/// The version of the public files: the newest change of the feed, and when it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Its sequence number (0 when nothing was ever written).
    pub seq: i64,
    /// When (`None` when nothing was ever written).
    pub at: Option<DateTime<Utc>>,
}

/// The version of the public files now.
///
/// # Errors
/// When the database fails.
pub async fn version(app: &App) -> Result<Version, AppError> {
    let newest = changes::newest(app.store().reader()).await?;
    Ok(Version {
        seq: newest.map_or(0, |(seq, _)| seq),
        at: newest.map(|(_, at)| at),
    })
}

/// The columns of `projets-valides.csv`.
pub const PROJECT_COLUMNS: [&str; 17] = [
    "id",
    "programme",
    "territoire",
    "territoire_nom",
    "region",
    "academie",
    "titre",
    "resume",
    "theme",
    "categorie",
    "uai_etablissement",
    "montant_demande_centimes",
    "acteurs",
    "etape",
    "depose_le",
    "valide_le",
    "montant_accorde_centimes",
];

/// The columns of `evenements.csv`.
pub const EVENT_COLUMNS: [&str; 10] = [
    "id",
    "programme",
    "territoire",
    "titre",
    "type",
    "debut",
    "fin",
    "participants",
    "participants_par_categorie",
    "projets_valides",
];

/// The projects query of the public file: validated projects, oldest first.
///
/// # Errors
/// Never in practice (the filters are the service's own).
pub fn projects_query(app: &App) -> Result<ProjectQuery, AppError> {
    crate::projects::query(
        &app.catalogue(),
        ListFilters {
            status: Some(Status::Validated),
            limit: PAGE,
            ..ListFilters::default()
        },
    )
}

/// One page of validated projects, as anyone may see them; `query.after` moves on.
///
/// # Errors
/// When the database fails.
pub async fn projects_page(app: &App, query: &mut ProjectQuery) -> Result<Page<Project>, AppError> {
    let page = projects::list(app.store().reader(), None, query).await?;
    query.after = page.items.last().map(|p| ProjectCursor {
        at: Some(p.created_at),
        id: p.id,
    });
    Ok(page)
}

fn day(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| terrain_domain::fr::day_in_paris(t).to_string())
        .unwrap_or_default()
}

/// One validated project as a record of `projets-valides.csv`.
pub fn project_record(catalogue: &Catalogue, project: &Project) -> Vec<String> {
    let f = &project.fields;
    let path = &project.territory_path;
    [
        project.id.to_string(),
        f.programme.to_string(),
        f.territory.to_string(),
        catalogue
            .territory(f.territory.as_str())
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        path.region
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        path.academy
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        f.title.as_str().to_owned(),
        f.summary.as_str().to_owned(),
        f.theme.clone(),
        f.category.as_str().to_owned(),
        f.establishment_uai
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default(),
        f.requested_amount.get().to_string(),
        f.stakeholders
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        project.stage.as_str().to_owned(),
        day(project.submitted_at),
        day(project.decided_at),
        project.granted_cents.to_string(),
    ]
    .iter()
    .map(|c| crate::csv::neutralise(c))
    .collect()
}

/// The events query of the public file, oldest first.
///
/// # Errors
/// Never in practice (no filter).
pub fn events_query(app: &App) -> Result<EventQuery, AppError> {
    events::query(app, EventFilters::default(), None, PAGE)
}

/// One page of events, each with its validated projects; `query.after` moves on.
///
/// # Errors
/// When the database fails.
pub async fn events_page(app: &App, query: &mut EventQuery) -> Result<Page<EventView>, AppError> {
    let conn = app.store().reader();
    let page = terrain_persistence::repo::events::list(conn, query).await?;
    query.after = page.items.last().map(|e| (e.starts_at, e.id));
    Ok(Page {
        more: page.more,
        items: events::views(conn, page.items, None).await?,
    })
}

fn instant(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// One event as a record of `evenements.csv`.
pub fn event_record(view: &EventView) -> Vec<String> {
    let e = &view.event;
    [
        e.id.to_string(),
        e.programme.to_string(),
        e.territory.id.to_string(),
        e.title.as_str().to_owned(),
        e.kind.as_str().to_owned(),
        instant(Some(e.starts_at)),
        instant(e.ends_at),
        e.attendance.participants().to_string(),
        e.attendance
            .counts()
            .map(|(c, n)| format!("{}:{n}", c.as_str()))
            .collect::<Vec<_>>()
            .join(";"),
        view.visible_projects
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(";"),
    ]
    .iter()
    .map(|c| crate::csv::neutralise(c))
    .collect()
}

/// The columns of `indicateurs-territoires.csv`.
pub fn indicator_columns() -> Vec<String> {
    let mut columns: Vec<String> = [
        "territoire",
        "niveau",
        "nom",
        "programme",
        "projets_deposes",
        "taux_validation",
    ]
    .map(str::to_owned)
    .to_vec();
    columns.extend(
        Status::ALL
            .iter()
            .map(|s| format!("projets_{}", s.as_str())),
    );
    columns.extend(Stage::ALL.iter().map(|s| format!("etape_{}", s.as_str())));
    columns.push("projets_soutenus".into());
    columns.extend(
        SupportKind::ALL
            .iter()
            .map(|k| format!("soutien_{}", k.as_str())),
    );
    columns.extend(
        [
            "montant_demande_centimes",
            "montant_accorde_centimes",
            "evenements",
            "participants",
        ]
        .map(str::to_owned),
    );
    columns.extend(Category::all().map(|c| format!("participants_{}", c.as_str())));
    columns
}

/// Every territory of every level, for each programme: its statistics (SPEC §6).
///
/// # Errors
/// When the database fails.
pub async fn indicators(app: &App) -> Result<Vec<Vec<String>>, AppError> {
    let catalogue = app.catalogue();
    let mut records = Vec::new();
    for programme in catalogue.programmes() {
        let resolved = statistics::resolve(app, Some(programme.code.as_str()), None, None, None)?;
        for level in TerritoryKind::ALL {
            for (territory, totals) in statistics::territories(app, &resolved, *level).await? {
                let mut row = vec![
                    territory.id().to_string(),
                    level.as_str().to_owned(),
                    territory.name.clone(),
                    programme.code.to_string(),
                    totals.submitted().to_string(),
                    format!("{:.4}", totals.validation_rate()),
                ];
                row.extend(Status::ALL.iter().map(|s| totals.in_status(*s).to_string()));
                row.extend(Stage::ALL.iter().map(|s| totals.at_stage(*s).to_string()));
                row.push(totals.supported_projects().to_string());
                row.extend(
                    SupportKind::ALL
                        .iter()
                        .map(|k| totals.supported_by(*k).to_string()),
                );
                row.push(totals.requested_cents().to_string());
                row.push(totals.granted_cents().to_string());
                row.push(totals.events().to_string());
                row.push(totals.participants().to_string());
                row.extend(Category::all().map(|c| totals.participants_of(c).to_string()));
                records.push(row.iter().map(|c| crate::csv::neutralise(c)).collect());
            }
        }
    }
    Ok(records)
}

fn field(name: &str, kind: &str, description: &str) -> Value {
    json!({"name": name, "type": kind, "description": description})
}

fn code(name: &str, description: &str, values: Vec<String>) -> Value {
    json!({"name": name, "type": "string", "description": description,
           "constraints": {"required": true, "enum": values}})
}

/// The Data Package describing the three files (Frictionless, Table Schemas).
pub fn datapackage(app: &App) -> Value {
    let catalogue = app.catalogue();
    let programmes: Vec<String> = catalogue
        .programmes()
        .iter()
        .map(|p| p.code.to_string())
        .collect();
    let stages: Vec<String> = Stage::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    let uuid = |name: &str, description: &str| {
        json!({"name": name, "type": "string", "format": "uuid", "description": description,
               "constraints": {"required": true, "unique": true}})
    };
    let count = |name: &str, description: &str| {
        json!({"name": name, "type": "integer", "description": description,
               "constraints": {"required": true, "minimum": 0}})
    };
    let text = |name: &str, description: &str| field(name, "string", description);
    let projects = json!({
        "name": "projets-valides",
        "path": "projets-valides.csv",
        "title": "Projets validés",
        "description": "Les projets validés par une commission, sans donnée personnelle (ni porteur, ni adresse, ni message, ni note).",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": "\"", "header": true},
        "schema": {
            "primaryKey": ["id"],
            "missingValues": [""],
            "fields": [
                uuid("id", "Identifiant du projet."),
                code("programme", "Code du programme.", programmes.clone()),
                json!({"name": "territoire", "type": "string", "description": "Identifiant du territoire du projet (`department:69`, `department:2A`, `region:84`…) : un texte.", "constraints": {"required": true}}),
                text("territoire_nom", "Nom du territoire."),
                text("region", "Identifiant de la région du territoire."),
                text("academie", "Identifiant de l'académie du territoire."),
                json!({"name": "titre", "type": "string", "description": "Titre du projet.", "constraints": {"required": true}}),
                json!({"name": "resume", "type": "string", "description": "Résumé.", "constraints": {"required": true}}),
                json!({"name": "theme", "type": "string", "description": "Code du thème, dans le programme.", "constraints": {"required": true}}),
                text("categorie", "Code de la catégorie du projet."),
                json!({"name": "uai_etablissement", "type": "string", "description": "UAI de l'établissement scolaire (texte : 0690001B).", "constraints": {"pattern": "[0-9]{7}[A-Z]"}}),
                count("montant_demande_centimes", "Montant demandé, en centimes d'euro."),
                text("acteurs", "Acteurs associés, séparés par « ; »."),
                code("etape", "Étape de la méthode SILK (initiate, create, test, transfer).", stages),
                json!({"name": "depose_le", "type": "date", "description": "Jour du premier dépôt (heure de Paris)."}),
                json!({"name": "valide_le", "type": "date", "description": "Jour de la validation (heure de Paris).", "constraints": {"required": true}}),
                count("montant_accorde_centimes", "Total des soutiens financiers accordés, en centimes d'euro."),
            ]
        }
    });
    let kinds: Vec<String> = terrain_domain::EventKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    let events = json!({
        "name": "evenements",
        "path": "evenements.csv",
        "title": "Concertations",
        "description": "Les événements de concertation et leurs participants, avec les projets validés qui en sont nés.",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": "\"", "header": true},
        "schema": {
            "primaryKey": ["id"],
            "missingValues": [""],
            "fields": [
                uuid("id", "Identifiant de l'événement."),
                code("programme", "Code du programme.", programmes.clone()),
                json!({"name": "territoire", "type": "string", "description": "Identifiant du territoire.", "constraints": {"required": true}}),
                json!({"name": "titre", "type": "string", "description": "Titre.", "constraints": {"required": true}}),
                code("type", "Type d'événement.", kinds),
                json!({"name": "debut", "type": "datetime", "description": "Début (UTC, RFC 3339).", "constraints": {"required": true}}),
                json!({"name": "fin", "type": "datetime", "description": "Fin (UTC, RFC 3339)."}),
                count("participants", "Nombre total de participants."),
                text("participants_par_categorie", "Participants par catégorie : `categorie:nombre` séparés par « ; »."),
                text("projets_valides", "Identifiants des projets validés nés de l'événement, séparés par « ; »."),
            ]
        }
    });
    let mut fields: Vec<Value> = Vec::new();
    for name in indicator_columns() {
        fields.push(match name.as_str() {
            "territoire" => json!({"name": name, "type": "string", "description": "Identifiant du territoire (texte : `department:01`, `department:2A`, `department:976`).", "constraints": {"required": true}}),
            "niveau" => code(&name, "Niveau du territoire.", TerritoryKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()),
            "nom" => json!({"name": name, "type": "string", "description": "Nom du territoire.", "constraints": {"required": true}}),
            "programme" => code(&name, "Code du programme.", programmes.clone()),
            "taux_validation" => json!({"name": name, "type": "number", "description": "Projets validés / projets déposés (0 sans dépôt).", "constraints": {"required": true, "minimum": 0, "maximum": 1}}),
            _ => count(&name, "Effectif ou montant (en centimes pour les montants), compté au territoire et à chaque niveau au-dessus."),
        });
    }
    let indicators = json!({
        "name": "indicateurs-territoires",
        "path": "indicateurs-territoires.csv",
        "title": "Indicateurs par territoire",
        "description": "Les chiffres de chaque programme pour chaque territoire de chaque niveau (pays, régions, académies, départements).",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": "\"", "header": true},
        "schema": {"primaryKey": ["territoire", "programme"], "missingValues": [""], "fields": fields}
    });
    json!({
        "name": "terrain-projets-territoriaux",
        "title": "Projets territoriaux participatifs — Notre école, faisons-la ensemble ; La santé, c'est l'affaire de tous",
        "description": "Projets validés, concertations et indicateurs par territoire, publiés par Terrain.",
        "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte 2.0", "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}],
        "resources": [projects, events, indicators],
    })
}
