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

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
/// Separators a French spreadsheet may split a cell on (`;`, tab), and line breaks: the text
/// after one of them can become a cell of its own.
const SEPARATORS: [char; 4] = [';', '\t', '\n', '\r'];

/// The positions where a spreadsheet could start a cell: the start, and after a separator.
fn cell_starts(cell: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(
        cell.char_indices()
            .filter(|(_, c)| SEPARATORS.contains(c))
            .map(|(i, c)| i + c.len_utf8()),
    )
}

/// Whether the text at `at` is apostrophes (`min` at least) followed by a formula character.
fn quoted_formula_at(cell: &str, at: usize, min: usize) -> bool {
    let rest = &cell[at..];
    let quotes = rest.chars().take_while(|c| *c == '\'').count();
    quotes >= min && rest[quotes..].starts_with(FORMULA)
}

/// A cell made safe for spreadsheets: wherever a cell could start (the start, after `;`, a
/// tab or a line break), a formula character gets an apostrophe in front. An apostrophe
/// already there gets one more, so that [`restore`] gives the original back exactly.
pub fn neutralise(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len() + 2);
    let mut last = 0;
    for at in cell_starts(cell) {
        if quoted_formula_at(cell, at, 0) {
            out.push_str(&cell[last..at]);
            out.push('\'');
            last = at;
        }
    }
    out.push_str(&cell[last..]);
    out
}

/// The original text of a cell written by [`neutralise`].
pub fn restore(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut last = 0;
    for at in cell_starts(cell) {
        if at >= last && quoted_formula_at(cell, at, 1) {
            out.push_str(&cell[last..at]);
            last = at + 1;
        }
    }
    out.push_str(&cell[last..]);
    out
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

/// CSV text of some records, without a header. Every cell that is not a number is quoted, so
/// that a spreadsheet never splits a text on a separator of its own.
pub fn encode(records: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(Vec::new());
    for record in records {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(record);
    }
    writer.into_inner().unwrap_or_default()
}

/// The pages `next` gives, each written as CSV records, until one says it is the last: a
/// body a front door streams with flat memory. An error midway ends the stream with an error
/// (the client sees a truncated transfer, never a silently short file).
pub fn stream_pages<Q, F, Fut>(
    query: Q,
    next: F,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static
where
    Q: Send + 'static,
    F: Fn(Q) -> Fut + Send + Sync + Clone + 'static,
    Fut:
        std::future::Future<Output = Result<(Vec<Vec<String>>, Option<Q>), crate::AppError>> + Send,
{
    futures::stream::unfold(Some(query), move |query| {
        let next = next.clone();
        async move {
            match next(query?).await {
                Ok((records, more)) => Some((Ok(bytes::Bytes::from(encode(&records))), more)),
                Err(error) => {
                    tracing::error!(%error, "CSV interrupted");
                    Some((Err(std::io::Error::other("interrupted")), None))
                }
            }
        }
    })
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

    #[test]
    fn a_formula_after_a_separator_is_neutralised_too() {
        assert_eq!(neutralise("x;=1+1;y"), "x;'=1+1;y");
        assert_eq!(neutralise("a\t@b"), "a\t'@b");
        assert_eq!(neutralise("ligne\n-1"), "ligne\n'-1");
        assert_eq!(restore("x;'=1+1;y"), "x;=1+1;y");
    }

    proptest::proptest! {
        #[test]
        fn every_cell_comes_back_exactly_and_no_formula_starts_a_cell(
            cell in "['=+@;\t\n a-z-]{0,16}",
        ) {
            let safe = neutralise(&cell);
            proptest::prop_assert_eq!(restore(&safe), cell.clone());
            for at in cell_starts(&safe) {
                proptest::prop_assert!(!safe[at..].starts_with(FORMULA), "{:?} → {:?}", cell, safe);
            }
        }
    }
}
