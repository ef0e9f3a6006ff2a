//! Errors of the domain layer: what the rules refuse, and why.

use std::fmt;

/// A refused field: `path` uses the API's field names (e.g. `paymentOption[0].amount`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// Input breaks a validation rule (HTTP 400).
    #[error("{0}")]
    Validation(FieldError),
    /// The operation is not allowed in the current state (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// The thing asked for does not exist or is not payable any more (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The caller may not touch this resource (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// Well-formed but not processable (HTTP 422).
    #[error("{0}")]
    Unprocessable(String),
}

impl DomainError {
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation(FieldError::new(path, message))
    }

    /// The same error with its field path placed under `parent` (`parent.path`).
    pub fn within(self, parent: &str) -> Self {
        match self {
            DomainError::Validation(mut f) => {
                f.path = format!("{parent}.{}", f.path);
                DomainError::Validation(f)
            }
            other => other,
        }
    }
}
