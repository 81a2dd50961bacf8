//! Who is calling, in the handler's signature: forgetting a check does not compile.

mod extract;

pub use extract::{AdminUser, AuthUser, ClientIp, MaybeUser, SessionUser};
