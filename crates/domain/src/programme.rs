//! Programmes are identified by a short lowercase code (`education`, `health`).

use std::fmt;

/// Why a string is not a programme or theme code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a code is 2 to 40 characters among a-z, 0-9 and _, starting with a letter")]
pub struct ProgrammeCodeError;

fn is_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A well-formed programme code. Whether the programme exists is the database's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgrammeCode(String);

impl ProgrammeCode {
    /// Parses a code such as `education`.
    ///
    /// # Errors
    /// [`ProgrammeCodeError`] when the code is not a lowercase slug.
    pub fn parse(s: &str) -> Result<Self, ProgrammeCodeError> {
        if is_code(s) {
            Ok(ProgrammeCode(s.to_owned()))
        } else {
            Err(ProgrammeCodeError)
        }
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProgrammeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A well-formed theme code (`pedagogy`, `mental_health`), unique within its programme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThemeCode(String);

impl ThemeCode {
    /// Parses a theme code.
    ///
    /// # Errors
    /// [`ProgrammeCodeError`] when the code is not a lowercase slug.
    pub fn parse(s: &str) -> Result<Self, ProgrammeCodeError> {
        if is_code(s) {
            Ok(ThemeCode(s.to_owned()))
        } else {
            Err(ProgrammeCodeError)
        }
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_slugs_are_codes_and_others_are_not() {
        assert!(ProgrammeCode::parse("education").is_ok());
        assert!(ThemeCode::parse("mental_health").is_ok());
        for bad in ["", "E", "Education", "1abc", "a-b", "a b", &"x".repeat(41)] {
            assert!(ProgrammeCode::parse(bad).is_err(), "{bad:?}");
        }
    }
}
