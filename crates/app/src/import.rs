//! `terrain import projects FILE.csv`: reads the projects export back, or a file with only some
//! of its columns (the five required ones: `programme`, `territory`, `title`, `summary`,
//! `theme`; the others take their defaults: a draft at the initiate stage, no amount), as a
//! French spreadsheet saves it too: `,` or `;` between cells (read from the header line),
//! UTF-8 with or without its byte-order mark, or Windows-1252. Every row is checked first and
//! every bad row reported with its line; nothing is written unless all rows are valid, and then
//! everything is written in one transaction.

use std::{collections::HashSet, path::Path};

use chrono::{DateTime, NaiveDate, Utc};
use terrain_domain::{
    Catalogue, Email, Project, ProjectFields, ProjectInput, Role, Stage, Status,
    project::{Category, Stakeholder},
};
use terrain_persistence::{
    StoreError,
    repo::{projects, users},
};
use uuid::Uuid;

use crate::{
    App, AppError,
    csv::{PROJECT_COLUMNS, restore},
    progress::Progress,
};

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read, or its header is not the export's.
    #[error("{0}")]
    File(String),
    /// Some rows are invalid; nothing was imported.
    #[error("{} invalid row(s); nothing was imported", .0.len())]
    Rows(Vec<(u64, String)>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The writing failed.
    #[error(transparent)]
    App(#[from] AppError),
}

fn parse_time(cell: &str, column: &str) -> Result<Option<DateTime<Utc>>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(cell)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| format!("{column}: horodatage RFC 3339 attendu"))
}

fn parse_date(cell: &str, column: &str) -> Result<Option<NaiveDate>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse()
        .map(Some)
        .map_err(|_| format!("{column}: date AAAA-MM-JJ attendue"))
}

fn parse_enum<T: std::str::FromStr>(cell: &str, column: &str) -> Result<T, String> {
    cell.parse()
        .map_err(|_| format!("{column}: valeur inconnue « {cell} »"))
}

/// The columns a file must have; the others of [`PROJECT_COLUMNS`] may be left out.
pub const REQUIRED_COLUMNS: [&str; 5] = ["programme", "territory", "title", "summary", "theme"];

/// The text of a file: UTF-8 (its byte-order mark dropped), else Windows-1252, the encoding of
/// French spreadsheets saving "CSV" without UTF-8. UTF-16 is refused with what to do instead.
fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::File(
            "ligne 1 : fichier en UTF-16 ; enregistrez-le en « CSV UTF-8 » ou en « CSV (séparateur : point-virgule) »"
                .into(),
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok(text.into_owned())
        }
    }
}

/// The separator of a file, read from its header line: `;` when it has more of them than of
/// `,` (outside quotes), else `,`.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Parses one record into a project owned by `lead`.
fn parse_row(
    catalogue: &Catalogue,
    get: &dyn Fn(&str) -> String,
    lead: Uuid,
) -> Result<Project, Vec<String>> {
    let mut errors = Vec::new();
    let mut note = |e: String| errors.push(e);
    let id = match get("id").as_str() {
        "" => Uuid::now_v7(),
        text => Uuid::parse_str(text).unwrap_or_else(|_| {
            note("id: identifiant UUID attendu".into());
            Uuid::nil()
        }),
    };
    let category = match get("category").as_str() {
        "" => None,
        text => parse_enum::<Category>(text, "category")
            .map_err(&mut note)
            .ok(),
    };
    let stakeholders: Vec<Stakeholder> = get("stakeholders")
        .split(';')
        .filter(|s| !s.is_empty())
        .filter_map(|s| parse_enum(s, "stakeholders").map_err(&mut note).ok())
        .collect();
    let amount = match get("requested_amount_cents").as_str() {
        "" => Some(0),
        text => text
            .parse::<i64>()
            .map_err(|_| note("requested_amount_cents: entier attendu".into()))
            .ok(),
    };
    // Money comes only from support decisions: an import never grants any.
    match get("granted_cents").as_str() {
        "" | "0" => {}
        text if text.parse::<i64>().is_ok() => note(format!(
            "granted_cents: {text} — un import n'accorde pas d'argent (seulement 0 ou vide) ; \
             les soutiens s'enregistrent par l'API"
        )),
        _ => note("granted_cents: entier attendu".into()),
    }
    let optional = |column: &str| Some(get(column)).filter(|s| !s.is_empty());
    let starts_on = parse_date(&get("starts_on"), "starts_on")
        .map_err(&mut note)
        .ok()
        .flatten();
    let ends_on = parse_date(&get("ends_on"), "ends_on")
        .map_err(&mut note)
        .ok()
        .flatten();
    let status = match get("status").as_str() {
        "" => Some(Status::Draft),
        text => parse_enum::<Status>(text, "status").map_err(&mut note).ok(),
    };
    let stage = match get("stage").as_str() {
        "" => Some(Stage::Initiate),
        text => parse_enum::<Stage>(text, "stage").map_err(&mut note).ok(),
    };
    let created_at = parse_time(&get("created_at"), "created_at")
        .map_err(&mut note)
        .ok()
        .flatten();
    let updated_at = parse_time(&get("updated_at"), "updated_at")
        .map_err(&mut note)
        .ok()
        .flatten();
    let submitted_at = parse_time(&get("submitted_at"), "submitted_at")
        .map_err(&mut note)
        .ok()
        .flatten();
    let decided_at = parse_time(&get("decided_at"), "decided_at")
        .map_err(&mut note)
        .ok()
        .flatten();
    if let Some(status) = status {
        if !matches!(status, Status::Draft | Status::Withdrawn) && submitted_at.is_none() {
            note(format!("submitted_at: obligatoire pour le statut {status}"));
        }
        if matches!(status, Status::Validated | Status::Rejected) && decided_at.is_none() {
            note(format!("decided_at: obligatoire pour le statut {status}"));
        }
        if let Some(stage) = stage
            && matches!(stage, Stage::Test | Stage::Transfer)
            && status != Status::Validated
        {
            note(format!("stage: l'étape {stage} exige le statut validated"));
        }
    }
    let raw = ProjectInput {
        programme: get("programme"),
        territory: get("territory"),
        title: get("title"),
        summary: get("summary"),
        description: optional("description"),
        theme: get("theme"),
        category,
        establishment_uai: optional("establishment_uai"),
        requested_amount_cents: amount,
        stakeholders,
        starts_on,
        ends_on,
    };
    let checked = ProjectFields::parse(raw, catalogue).map_err(|fields| {
        for field in fields.into_errors() {
            note(format!("{}: {}", field.field, field.message));
        }
    });
    match (checked, status, stage, errors.is_empty()) {
        (Ok((fields, territory_path)), Some(status), Some(stage), true) => {
            let created_at = created_at.unwrap_or_else(Utc::now);
            Ok(Project {
                id,
                fields,
                territory_path,
                lead_id: lead,
                status,
                stage,
                version: 1,
                created_at,
                updated_at: updated_at.unwrap_or(created_at),
                submitted_at,
                decided_at,
                granted_cents: 0,
                support_kinds: std::collections::BTreeSet::new(),
                support_count: 0,
                event_count: 0,
                follow_up: Default::default(),
            })
        }
        _ => Err(errors),
    }
}

/// Imports the projects of `path`, all owned by the lead account `lead_email`. Returns how
/// many were imported.
///
/// # Errors
/// [`ImportError::Rows`] listing every bad row with its line number; nothing is written then.
pub async fn import_projects(
    app: &App,
    path: &Path,
    lead_email: &str,
) -> Result<usize, ImportError> {
    let db = app.store();
    let email = Email::parse(lead_email)
        .map_err(|_| ImportError::File(format!("--lead: adresse invalide « {lead_email} »")))?;
    let lead = users::find_credentials(db.reader(), &email)
        .await?
        .map(|(user, _)| user)
        .filter(|user| user.role == Role::Lead)
        .ok_or_else(|| {
            ImportError::File(format!("--lead: aucun porteur de projet « {lead_email} »"))
        })?;
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::File(format!("{}: {e}", path.display())))?;
    let text = decode(&bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::File(format!("en-tête illisible : {e}")))?
        .clone();
    let header_names: Vec<&str> = headers.iter().collect();
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| !header_names.contains(c))
        .collect();
    let unknown: Vec<&str> = header_names
        .iter()
        .copied()
        .filter(|c| !PROJECT_COLUMNS.contains(c))
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        return Err(ImportError::File(format!(
            "en-tête (ligne 1) : colonnes manquantes [{}], colonnes inconnues [{}]",
            missing.join(", "),
            unknown.join(", ")
        )));
    }
    let catalogue = app.catalogue();
    let mut parsed = Vec::new();
    let mut bad = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                bad.push((line, format!("ligne illisible : {error}")));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let get = |column: &str| -> String {
            headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .map(restore)
                .unwrap_or_default()
        };
        match parse_row(&catalogue, &get, lead.id) {
            Ok(project) if !seen.insert(project.id) => {
                bad.push((
                    line,
                    format!("id: {} figure deux fois dans le fichier", project.id),
                ));
            }
            Ok(project) => parsed.push((line, project)),
            Err(errors) => bad.push((line, errors.join("; "))),
        }
    }
    let ids: Vec<Uuid> = parsed.iter().map(|(_, p)| p.id).collect();
    let existing = projects::existing_ids(db.reader(), &ids).await?;
    for (line, project) in &parsed {
        if existing.contains(&project.id) {
            bad.push((*line, format!("id: le projet {} existe déjà", project.id)));
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|(line, _)| *line);
        return Err(ImportError::Rows(bad));
    }
    let projects: Vec<Project> = parsed.into_iter().map(|(_, p)| p).collect();
    let mut progress = Progress::new("import", projects.len() as u64);
    crate::projects::insert_as_given(app, &projects, &mut |n| progress.advance(n)).await?;
    app.store().analyze().await?;
    progress.finish();
    Ok(projects.len())
}
