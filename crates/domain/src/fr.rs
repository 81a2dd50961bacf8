//! How the product speaks French: the words for statuses, stages and actions, dates in Paris
//! time, amounts and numbers as French readers write them. Shared by the pages and the mails.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;

use crate::{Action, EventKind, Stage, Status};

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `1 décembre 2026`.
pub fn date(day: NaiveDate) -> String {
    let month = MONTHS[day.month0() as usize];
    let first = if day.day() == 1 {
        "1er".to_owned()
    } else {
        day.day().to_string()
    };
    format!("{first} {month} {}", day.year())
}

/// `1er décembre 2026 à 10 h 05`, in Paris time.
pub fn datetime(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Paris);
    format!(
        "{} à {} h {:02}",
        date(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

/// The day in Paris of an instant.
pub fn day_in_paris(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

/// `14 000`, with a narrow no-break space between thousands.
pub fn number(n: i64) -> String {
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

/// `1 500,50 €`.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let units = number(i64::try_from(cents / 100).unwrap_or(i64::MAX));
    format!("{sign}{units},{:02} €", cents % 100)
}

/// The instant of a wall-clock time in Paris (`None` for a time skipped by a change to summer
/// time; the earlier of two when the clocks go back).
pub fn paris_to_utc(local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone as _;
    Paris
        .from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// The wall-clock time in Paris of an instant, as a `datetime-local` input shows it.
pub fn paris_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Paris)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The kind of concertation in words.
pub fn event_kind(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Consultation => "Consultation",
        EventKind::Workshop => "Atelier",
        EventKind::Forum => "Forum",
        EventKind::Meeting => "Réunion",
    }
}

/// The status in words.
pub fn status(status: Status) -> &'static str {
    match status {
        Status::Draft => "Brouillon",
        Status::Submitted => "Déposé",
        Status::UnderReview => "En cours d'examen",
        Status::ChangesRequested => "Modifications demandées",
        Status::Validated => "Validé",
        Status::Rejected => "Refusé",
        Status::Withdrawn => "Retiré",
    }
}

/// The stage in words.
pub fn stage(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiate => "Initier",
        Stage::Create => "Créer",
        Stage::Test => "Tester",
        Stage::Transfer => "Transférer",
    }
}

/// The button of an action.
pub fn action_button(action: Action) -> &'static str {
    match action {
        Action::Submit => "Déposer le projet",
        Action::Withdraw => "Retirer le projet",
        Action::StartReview => "Commencer l'examen",
        Action::RequestChanges => "Demander des modifications",
        Action::Validate => "Valider",
        Action::Reject => "Refuser",
        Action::Reopen => "Rouvrir",
    }
}

/// What an action did, for a timeline.
pub fn action_done(action: Action) -> &'static str {
    match action {
        Action::Submit => "Projet déposé",
        Action::Withdraw => "Projet retiré",
        Action::StartReview => "Examen commencé",
        Action::RequestChanges => "Modifications demandées",
        Action::Validate => "Projet validé",
        Action::Reject => "Projet refusé",
        Action::Reopen => "Décision rouverte",
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn dates_are_written_in_paris_time_and_french_words() {
        let at = Utc
            .with_ymd_and_hms(2026, 12, 1, 9, 5, 0)
            .single()
            .expect("date");
        assert_eq!(datetime(at), "1er décembre 2026 à 10 h 05");
        let summer = Utc
            .with_ymd_and_hms(2026, 7, 14, 22, 30, 0)
            .single()
            .expect("date");
        assert_eq!(datetime(summer), "15 juillet 2026 à 0 h 30");
        assert_eq!(euros(150_050), "1\u{202f}500,50 €");
        assert_eq!(number(14_000), "14\u{202f}000");
        let local = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(10, 5, 0))
            .expect("time");
        assert_eq!(paris_to_utc(local), Some(at));
        assert_eq!(paris_local(at), "2026-12-01T10:05");
    }
}
