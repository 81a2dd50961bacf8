//! The daily digest (SPEC §11): at 9:00 Paris time on working days (Monday to Friday), each
//! administrator who chose `daily` receives one mail listing the submissions of their scope
//! since the previous working day at 9:00 — none when there is nothing to say. Written once a
//! day whatever the number of instances (the outbox entry carries a key per admin and day).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc, Weekday};
use chrono_tz::Europe::Paris;
use minijinja::context;
use terrain_domain::{MailPreference, Role, access, fr};
use terrain_persistence::repo::{history, outbox, projects, users};

use crate::{App, AppError, mail::Draft, notify};

/// The hour of the digest, Paris time.
const HOUR: u32 = 9;

fn working(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

fn at_nine(day: NaiveDate) -> Option<DateTime<Utc>> {
    let local = day.and_time(NaiveTime::from_hms_opt(HOUR, 0, 0)?);
    Paris
        .from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// The digest due at `now`, if any: its day and the window it covers (from the previous
/// working day at 9:00 to this one at 9:00).
pub fn due(now: DateTime<Utc>) -> Option<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
    let today = now.with_timezone(&Paris).date_naive();
    let end = at_nine(today)?;
    if !working(today) || now < end {
        return None;
    }
    let mut previous = today.pred_opt()?;
    while !working(previous) {
        previous = previous.pred_opt()?;
    }
    Some((today, at_nine(previous)?, end))
}

/// Writes today's digests if they are due and not written yet; returns how many were written.
///
/// # Errors
/// When the database fails.
pub async fn write_due(app: &App, now: DateTime<Utc>) -> Result<u64, AppError> {
    let Some((day, from, to)) = due(now) else {
        return Ok(0);
    };
    let reader = app.store().reader();
    let readers: Vec<_> = users::enabled_admins(reader)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Admin && u.mail == MailPreference::Daily)
        .collect();
    if readers.is_empty() {
        return Ok(0);
    }
    let submissions = history::submissions_between(reader, from, to).await?;
    let ids: Vec<_> = submissions.iter().map(|(id, _, _)| *id).collect();
    let found = projects::find_many(reader, &ids).await?;
    let catalogue = app.catalogue();
    let mut rows = Vec::new();
    for admin in &readers {
        let actor = terrain_domain::Actor::from(admin);
        let listed: Vec<_> = submissions
            .iter()
            .filter_map(|(id, at, again)| {
                let project = found.iter().find(|p| p.id == *id)?;
                access::administers(&actor, &project.fields.programme, &project.territory_path)
                    .then(|| {
                        let territory = catalogue
                            .territory(project.fields.territory.as_str())
                            .map_or_else(
                                || project.fields.territory.to_string(),
                                |t| t.name.clone(),
                            );
                        context! {
                            title => project.fields.title.as_str(),
                            territory => territory,
                            date => fr::datetime(*at),
                            resubmission => *again,
                            link => notify::link(app, &format!("/instruction/projets/{id}")),
                        }
                    })
            })
            .collect();
        if listed.is_empty() {
            continue;
        }
        let subject = if listed.len() == 1 {
            "Récapitulatif du jour : 1 projet déposé".to_owned()
        } else {
            format!("Récapitulatif du jour : {} projets déposés", listed.len())
        };
        let draft = Draft {
            kind: "daily_digest",
            subject,
            to: admin.email.clone(),
            name: Some(admin.display_name.clone()),
            values: context! { projects => listed },
            link: Some((
                notify::link(app, "/instruction"),
                "Ouvrir l'instruction".into(),
            )),
        };
        let key = format!("digest:{}:{day}", admin.id);
        rows.push(notify::delivery(&draft, None, Some(key))?);
    }
    let txn = app.store().begin_write().await?;
    let written = outbox::insert(&txn, rows, app.now()).await?;
    txn.commit().await?;
    if !written.is_empty() {
        app.outbox_written();
    }
    Ok(written.len() as u64)
}

/// When the next digest may be due (for a worker that sleeps until then).
pub fn next_after(now: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = now.with_timezone(&Paris).date_naive();
    for _ in 0..8 {
        if let Some(at) = at_nine(day).filter(|at| *at > now && working(day)) {
            return at;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    now + Duration::hours(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Paris
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_digest_is_due_from_nine_on_working_days_and_covers_since_the_previous_one() {
        // Tuesday 1 December 2026.
        assert_eq!(due(paris(2026, 12, 1, 8)), None, "not before nine");
        let (day, from, to) = due(paris(2026, 12, 1, 10)).expect("due");
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 12, 1).expect("day"));
        assert_eq!((from, to), (paris(2026, 11, 30, 9), paris(2026, 12, 1, 9)));
        // Monday covers the weekend, from Friday at nine.
        let (_, from, _) = due(paris(2026, 12, 7, 9)).expect("monday");
        assert_eq!(from, paris(2026, 12, 4, 9));
        assert_eq!(due(paris(2026, 12, 5, 10)), None, "no digest on Saturday");
        assert_eq!(next_after(paris(2026, 12, 4, 10)), paris(2026, 12, 7, 9));
        // Winter and summer time alike.
        assert_eq!(
            paris(2026, 7, 1, 9).to_rfc3339(),
            "2026-07-01T07:00:00+00:00"
        );
    }
}
