//! Spreadsheet exports (SPEC §19): the projects and events of the CSV exports, with the same
//! filters and rights, as typed cells a French spreadsheet opens without a fix — dates and times
//! as dates (Paris time), euros as numbers with two decimals, codes and identifiers as text
//! (`01`, `2A`, `0690001B` stay what they are), a bold header row, frozen, with filters. Rows are
//! written to disk as they are read (rust_xlsxwriter's constant-memory mode), page by page, so
//! memory stays bounded by the finished file.

use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use terrain_domain::{Actor, Event, Project};

use crate::{
    App, AppError,
    csv::{EVENT_COLUMNS, PROJECT_COLUMNS},
    events::EventFilters,
    exports,
    projects::ListFilters,
};

/// Rows read per page.
const XLSX_PAGE: u64 = 2_000;

/// The most rows a worksheet holds (Excel's limit), header included.
const MAX_ROWS: u32 = 1_048_576;

fn failed(error: XlsxError) -> AppError {
    AppError::internal(anyhow::anyhow!("xlsx: {error}"))
}

fn too_many() -> AppError {
    AppError::Conflict(
        "Plus d'un million de lignes : un tableur ne les tient pas. Filtrez l'export, ou prenez le CSV."
            .into(),
    )
}

/// The formats of the cells.
struct Formats {
    header: Format,
    text: Format,
    euros: Format,
    date: Format,
    datetime: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new().set_bold(),
            text: Format::new().set_num_format("@"),
            euros: Format::new().set_num_format("#,##0.00\\ \"€\""),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            datetime: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
        }
    }
}

/// What a cell holds.
enum Cell<'a> {
    Text(&'a str),
    Euros(i64),
    Number(i64),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

fn write(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    cells: &[Cell<'_>],
) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        match cell {
            Cell::Text("") => {}
            Cell::Text(text) => {
                sheet.write_string_with_format(row, col, *text, &formats.text)?;
            }
            // Cents to euros: exact for every amount the service accepts (≤ 10^14 cents).
            #[allow(clippy::cast_precision_loss)]
            Cell::Euros(cents) => {
                sheet.write_number_with_format(row, col, *cents as f64 / 100.0, &formats.euros)?;
            }
            #[allow(clippy::cast_precision_loss)]
            Cell::Number(n) => {
                sheet.write_number(row, col, *n as f64)?;
            }
            Cell::Date(Some(day)) => {
                sheet.write_datetime_with_format(row, col, day, &formats.date)?;
            }
            Cell::Time(Some(at)) => {
                let local = at.with_timezone(&chrono_tz::Europe::Paris).naive_local();
                sheet.write_datetime_with_format(row, col, local, &formats.datetime)?;
            }
            Cell::Date(None) | Cell::Time(None) => {}
        }
    }
    Ok(())
}

fn start(
    workbook: &mut Workbook,
    name: &str,
    columns: &[&str],
    formats: &Formats,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    for (col, title) in columns.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, *title, &formats.header)?;
        sheet.set_column_width(col, 16)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn finish(workbook: &mut Workbook, rows: u32, columns: usize) -> Result<(), XlsxError> {
    let last = u16::try_from(columns.saturating_sub(1)).unwrap_or(u16::MAX);
    let sheet = workbook.worksheet_from_index(0)?;
    sheet.autofilter(0, 0, rows.saturating_sub(1).max(1), last)?;
    Ok(())
}

async fn saved(mut workbook: Workbook) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || workbook.save_to_buffer())
        .await
        .map_err(AppError::internal)?
        .map_err(failed)
}

fn project_cells(p: &Project) -> Vec<Cell<'_>> {
    let f = &p.fields;
    vec![
        Cell::Text(""),
        Cell::Text(f.programme.as_str()),
        Cell::Text(f.territory.as_str()),
        Cell::Text(f.title.as_str()),
        Cell::Text(f.summary.as_str()),
        Cell::Text(f.description.as_ref().map_or("", |d| d.as_str())),
        Cell::Text(&f.theme),
        Cell::Text(f.category.as_str()),
        Cell::Text(f.establishment_uai.as_ref().map_or("", |u| u.as_str())),
        Cell::Euros(f.requested_amount.get()),
        Cell::Text(""),
        Cell::Date(f.period.starts_on),
        Cell::Date(f.period.ends_on),
        Cell::Text(p.status.as_str()),
        Cell::Text(p.stage.as_str()),
        Cell::Text(""),
        Cell::Time(Some(p.created_at)),
        Cell::Time(Some(p.updated_at)),
        Cell::Time(p.submitted_at),
        Cell::Time(p.decided_at),
        Cell::Euros(p.granted_cents),
    ]
}

/// The projects the actor may export, as a workbook: the columns of the CSV export, amounts in
/// euros (`requested_amount_cents` and `granted_cents` hold euros here, with two decimals).
///
/// # Errors
/// 403 for a lead, 422 on a bad filter, 409 past a worksheet's million rows.
pub async fn projects(app: &App, actor: &Actor, filters: ListFilters) -> Result<Vec<u8>, AppError> {
    let mut query = exports::projects_query(app, actor, filters)?;
    // Larger pages than the CSV's: a workbook is sent whole, so the rows are read as fast as
    // the database gives them (each page is one round trip).
    query.limit = XLSX_PAGE;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    start(&mut workbook, "Projets", &PROJECT_COLUMNS, &formats).map_err(failed)?;
    let mut row = 1u32;
    loop {
        let page = exports::projects_page(app, actor, &mut query).await?;
        let sheet = workbook.worksheet_from_index(0).map_err(failed)?;
        for project in &page.items {
            if row >= MAX_ROWS {
                return Err(too_many());
            }
            let id = project.id.to_string();
            let lead = project.lead_id.to_string();
            let stakeholders = project
                .fields
                .stakeholders
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(";");
            let mut cells = project_cells(project);
            cells[0] = Cell::Text(&id);
            cells[10] = Cell::Text(&stakeholders);
            cells[15] = Cell::Text(&lead);
            write(sheet, &formats, row, &cells).map_err(failed)?;
            row += 1;
        }
        if !page.more {
            break;
        }
    }
    finish(&mut workbook, row, PROJECT_COLUMNS.len()).map_err(failed)?;
    saved(workbook).await
}

fn event_cells<'a>(
    event: &'a Event,
    attendance: &'a str,
    links: &'a str,
    id: &'a str,
) -> Vec<Cell<'a>> {
    vec![
        Cell::Text(id),
        Cell::Text(event.programme.as_str()),
        Cell::Text(event.territory.id.as_str()),
        Cell::Text(event.title.as_str()),
        Cell::Text(event.kind.as_str()),
        Cell::Time(Some(event.starts_at)),
        Cell::Time(event.ends_at),
        Cell::Text(event.location.as_deref().unwrap_or_default()),
        Cell::Number(event.attendance.participants()),
        Cell::Text(attendance),
        Cell::Text(links),
    ]
}

/// The events the actor may export, as a workbook (the columns of the CSV export; linked
/// projects the actor may not see are left out).
///
/// # Errors
/// 403 for a lead, 422 on a bad filter, 409 past a worksheet's million rows.
pub async fn events(app: &App, actor: &Actor, filters: EventFilters) -> Result<Vec<u8>, AppError> {
    let mut query = exports::events_query(app, actor, filters)?;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    start(&mut workbook, "Concertations", &EVENT_COLUMNS, &formats).map_err(failed)?;
    let mut row = 1u32;
    loop {
        let page = exports::events_page(app, actor, &mut query).await?;
        let sheet = workbook.worksheet_from_index(0).map_err(failed)?;
        for view in &page.items {
            if row >= MAX_ROWS {
                return Err(too_many());
            }
            let event = &view.event;
            let id = event.id.to_string();
            let attendance = event
                .attendance
                .counts()
                .map(|(c, n)| format!("{}:{n}", c.as_str()))
                .collect::<Vec<_>>()
                .join(";");
            let links = view
                .visible_projects
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";");
            write(
                sheet,
                &formats,
                row,
                &event_cells(event, &attendance, &links, &id),
            )
            .map_err(failed)?;
            row += 1;
        }
        if !page.more {
            break;
        }
    }
    finish(&mut workbook, row, EVENT_COLUMNS.len()).map_err(failed)?;
    saved(workbook).await
}
