//! Positions in lists: page sizes and opaque cursors, the same for every front door. A cursor
//! names its list and the key of the last item seen; a cursor of another list, or one a client
//! made up, is refused.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use terrain_persistence::repo::projects::{ProjectCursor, SortKey};
use uuid::Uuid;

use crate::AppError;

/// Items per page when no limit is given.
pub const DEFAULT_LIMIT: u64 = 20;
/// The largest page.
pub const MAX_LIMIT: u64 = 100;

/// Checks a page size.
///
/// # Errors
/// 422 on `limit` outside 1–100.
pub fn limit(requested: Option<u64>) -> Result<u64, AppError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid(
            "limit",
            format!("doit être compris entre 1 et {MAX_LIMIT}"),
        )),
    }
}

fn invalid() -> AppError {
    AppError::invalid("cursor", "curseur invalide")
}

/// A cursor after `key` in the list `list`.
pub fn encode(list: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}\n{key}"))
}

/// The key carried by a cursor of the list `list`.
///
/// # Errors
/// 422 on `cursor` when the cursor was not made by this list.
pub fn decode(list: &str, cursor: &str) -> Result<String, AppError> {
    if cursor.len() > 512 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    match text.split_once('\n') {
        Some((name, key)) if name == list && !key.is_empty() => Ok(key.to_owned()),
        _ => Err(invalid()),
    }
}

/// The name of a project list in one order, so that a cursor of one order is refused in
/// another.
pub fn project_list(sort: SortKey, descending: bool) -> String {
    format!("projects:{sort:?}:{descending}")
}

/// The cursor after `(at, id)` in a project list.
pub fn encode_project(list: &str, at: Option<DateTime<Utc>>, id: Uuid) -> String {
    let at = at.map(|t| t.to_rfc3339()).unwrap_or_default();
    encode(list, &format!("{at}|{id}"))
}

/// A project list's cursor.
///
/// # Errors
/// 422 on `cursor`.
pub fn decode_project(list: &str, cursor: &str) -> Result<ProjectCursor, AppError> {
    let key = decode(list, cursor)?;
    let (at, id) = key.split_once('|').ok_or_else(invalid)?;
    let at = if at.is_empty() {
        None
    } else {
        Some(
            DateTime::parse_from_rfc3339(at)
                .map_err(|_| invalid())?
                .with_timezone(&Utc),
        )
    };
    Ok(ProjectCursor {
        at,
        id: Uuid::parse_str(id).map_err(|_| invalid())?,
    })
}

/// The cursor after an event starting at `at`.
pub fn encode_event(at: DateTime<Utc>, id: Uuid) -> String {
    encode_timed("events", at, id)
}

/// The cursor of a list ordered by `(time, id)`.
pub fn encode_timed(list: &str, at: DateTime<Utc>, id: Uuid) -> String {
    encode(list, &format!("{}|{id}", at.to_rfc3339()))
}

/// An event list's cursor.
///
/// # Errors
/// 422 on `cursor`.
pub fn decode_event(cursor: &str) -> Result<(DateTime<Utc>, Uuid), AppError> {
    decode_timed("events", cursor)
}

/// A `(time, id)` list's cursor.
///
/// # Errors
/// 422 on `cursor`.
pub fn decode_timed(list: &str, cursor: &str) -> Result<(DateTime<Utc>, Uuid), AppError> {
    let key = decode(list, cursor)?;
    let (at, id) = key.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| invalid())?;
    Ok((
        at.with_timezone(&Utc),
        Uuid::parse_str(id).map_err(|_| invalid())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_within_its_list_only() {
        let cursor = encode("territories", "region:94");
        assert_eq!(
            decode("territories", &cursor).ok().as_deref(),
            Some("region:94")
        );
        assert!(decode("projects", &cursor).is_err());
        assert!(decode("territories", "not base64 !").is_err());
    }

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused() {
        assert_eq!(limit(None).ok(), Some(20));
        assert_eq!(limit(Some(100)).ok(), Some(100));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
