//! Authentication: password hashing, access and refresh tokens, and the extractors that put
//! the caller's identity and role in a handler's signature.

mod extract;
pub mod password;
pub mod tokens;

pub use extract::{AdminUser, AuthUser, MaybeUser, NationalAdmin};
pub use tokens::TokenKeys;
