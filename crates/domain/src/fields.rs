//! Field errors: every field at fault in one answer, each with its path and a French message.

use std::fmt;

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field in the request (`title`, `attendance.pupils`, `project_ids[2]`).
    pub field: String,
    /// What is wrong, in French.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects the errors of every field while parsing, so that one answer names them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No error yet.
    pub fn new() -> Self {
        FieldErrors::default()
    }

    /// One error on one field.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldErrors(vec![FieldError::new(field, message)])
    }

    /// Keeps the value of `outcome`, or records its error against `field`.
    pub fn check<T, E: fmt::Display>(
        &mut self,
        field: impl Into<String>,
        outcome: Result<T, E>,
    ) -> Option<T> {
        match outcome {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(field, error.to_string());
                None
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records every error of `other`.
    pub fn extend(&mut self, other: FieldErrors) {
        for error in other.into_errors() {
            self.push(error.field, error.message);
        }
    }

    /// Whether no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors, in the order recorded.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// The errors, taken.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(value())` when no error was recorded, the errors otherwise. `value` runs only then,
    /// so it may unwrap what [`FieldErrors::check`] kept.
    ///
    /// # Errors
    /// The errors recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if !self.is_empty() {
            return Err(self);
        }
        // Every `check` succeeded, so `value` finds each of its parts.
        value().ok_or(self)
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&text.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

impl From<FieldError> for FieldErrors {
    fn from(error: FieldError) -> Self {
        FieldErrors(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_kept_in_order_and_a_value_only_comes_without_any() {
        let mut errors = FieldErrors::new();
        let a = errors.check("a", Ok::<_, String>(1));
        let b = errors.check("b", "x".parse::<i32>());
        let c = errors.check("c", "y".parse::<i32>());
        assert_eq!(a, Some(1));
        let outcome = errors.finish(|| Some((a?, b?, c?)));
        let errors = outcome.expect_err("two errors");
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["b", "c"]);
        assert_eq!(FieldErrors::new().finish(|| Some(3)), Ok(3));
    }
}
