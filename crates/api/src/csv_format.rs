//! The CSV format of projects and events: what the exports write and `terrain import projects`
//! reads back. Cells that a spreadsheet would run as a formula are neutralised with a leading
//! apostrophe, which the import removes again.

use terrain_domain::{Event, Project};

/// The header row of the projects CSV.
pub const PROJECT_COLUMNS: [&str; 21] = [
    "id",
    "programme",
    "territory",
    "title",
    "summary",
    "description",
    "theme",
    "category",
    "establishment_uai",
    "requested_amount_cents",
    "stakeholders",
    "starts_on",
    "ends_on",
    "status",
    "stage",
    "lead",
    "created_at",
    "updated_at",
    "submitted_at",
    "decided_at",
    "granted_cents",
];

/// The header row of the events CSV.
pub const EVENT_COLUMNS: [&str; 11] = [
    "id",
    "programme",
    "territory",
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "location",
    "participants",
    "attendance",
    "project_ids",
];

/// A cell made safe for spreadsheets: `= + - @`, tab and carriage return at the start get an
/// apostrophe in front.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The original text of a neutralised cell.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn timestamp(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_default()
}

/// One project as a CSV record, in the order of [`PROJECT_COLUMNS`].
pub fn project_record(project: &Project) -> Vec<String> {
    let f = &project.fields;
    let cells = vec![
        project.id.to_string(),
        f.programme.to_string(),
        f.territory.to_string(),
        f.title.as_str().to_owned(),
        f.summary.as_str().to_owned(),
        f.description
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
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
        f.period
            .starts_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        f.period.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        project.status.as_str().to_owned(),
        project.stage.as_str().to_owned(),
        project.lead_id.to_string(),
        timestamp(Some(project.created_at)),
        timestamp(Some(project.updated_at)),
        timestamp(project.submitted_at),
        timestamp(project.decided_at),
        project.granted_cents.to_string(),
    ];
    cells.iter().map(|c| neutralise(c)).collect()
}

/// One event as a CSV record, in the order of [`EVENT_COLUMNS`].
pub fn event_record(event: &Event, visible_projects: &[uuid::Uuid]) -> Vec<String> {
    let cells = vec![
        event.id.to_string(),
        event.programme.to_string(),
        event.territory.id.to_string(),
        event.title.as_str().to_owned(),
        event.kind.as_str().to_owned(),
        timestamp(Some(event.starts_at)),
        timestamp(event.ends_at),
        event.location.clone().unwrap_or_default(),
        event.attendance.participants().to_string(),
        event
            .attendance
            .counts()
            .map(|(c, n)| format!("{}:{n}", c.as_str()))
            .collect::<Vec<_>>()
            .join(";"),
        visible_projects
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(";"),
    ];
    cells.iter().map(|c| neutralise(c)).collect()
}

/// CSV text of some records, without a header.
pub fn encode(records: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for record in records {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(record);
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_restored() {
        for cell in ["=SUM(A1)", "+33 1 23", "-5 %", "@cmd", "\tx"] {
            let safe = neutralise(cell);
            assert!(safe.starts_with('\''), "{cell}");
            assert_eq!(restore(&safe), cell);
        }
        assert_eq!(neutralise("Jardin"), "Jardin");
        assert_eq!(restore("'quoted"), "'quoted");
    }
}
