//! Extractors whose rejections are [`ApiError`](crate::error::ApiError)s, so that a malformed
//! request gets the same problem+json answer as any other error, with the field at fault.

mod idempotency;
mod json;
mod path;
mod query;

pub use idempotency::IdempotencyKey;
pub use json::{ApiJson, HashedJson};
pub use path::ApiPath;
pub use query::ApiQuery;

/// The path of a serde error as the API names fields (`attendance.pupils`, `items[2]`).
fn field_path(path: &serde_path_to_error::Path) -> String {
    let rendered = path.to_string();
    if rendered == "." {
        String::new()
    } else {
        rendered
    }
}
