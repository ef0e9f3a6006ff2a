//! What the citizen typed, checked against the service's properties.

use super::Service;
use crate::domain::error::DomainError;
use crate::domain::money::Amount;

/// The checked properties, in the order of the service's definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Values {
    pub fields: Vec<(String, String)>,
    /// The value of the AMOUNT property, when the service has one and it was given.
    pub amount: Option<Amount>,
}

/// Refuses a missing required property, an unknown or repeated one, a value of the wrong type,
/// pattern or length, an amount out of bounds; the error's path is the property name.
pub fn check_values(service: &Service, given: &[(String, String)]) -> Result<Values, DomainError> {
    let _ = (service, given);
    Err(DomainError::invalid("x", "not implemented yet"))
}
