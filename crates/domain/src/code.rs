//! Enums whose values are written as short codes in the API and the database (`draft`,
//! `start_review`, `financial`, …): one macro writes their list, their code, their parsing and
//! their display, so no enum hand-writes them.

/// A code outside its list; says which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{what} inconnu(e)")]
pub struct UnknownCode {
    /// What was expected, in French (`statut`, `action`, …).
    pub what: &'static str,
}

/// Defines an enum of codes: the enum itself (copyable, ordered as written), `ALL`, `as_str`,
/// `FromStr` (with [`UnknownCode`]) and `Display`.
///
/// ```
/// terrain_domain::code_enum! {
///     /// A colour.
///     pub enum Colour: "couleur" {
///         /// Red.
///         Red = "red",
///         /// Blue.
///         Blue = "blue",
///     }
/// }
/// assert_eq!("blue".parse::<Colour>(), Ok(Colour::Blue));
/// assert_eq!(Colour::Red.as_str(), "red");
/// assert_eq!(Colour::ALL.len(), 2);
/// ```
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order written.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::code::UnknownCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::code::UnknownCode { what: $what }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
