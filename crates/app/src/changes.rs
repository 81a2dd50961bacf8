//! The change feed (SPEC §13), read by any signed-in account or token: every change in commit
//! order, limited to what the caller may see now (see `terrain_persistence::repo::changes` for
//! why a reader never skips an entry).

use terrain_domain::{Actor, ChangeItem};
use terrain_persistence::repo::{Page, changes};

use crate::{App, AppError};

/// Changes after `after` (a `seq`; 0 from the start) that `actor` may see now.
///
/// # Errors
/// 422 for a negative cursor.
pub async fn after(
    app: &App,
    actor: &Actor,
    after: i64,
    limit: u64,
) -> Result<Page<ChangeItem>, AppError> {
    if after < 0 {
        return Err(AppError::invalid("after", "doit être positif ou nul"));
    }
    Ok(changes::after(app.store().reader(), Some(actor), after, limit).await?)
}
