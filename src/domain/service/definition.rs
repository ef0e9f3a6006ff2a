//! Checking a service definition as the institution sends it.

use serde::Deserialize;

use super::{Service, ServiceId};
use crate::domain::error::DomainError;
use crate::domain::org::Organization;

/// A service definition as received (JSON body of `PUT .../services/{serviceId}`), unchecked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceDraft {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub iban: Option<String>,
    pub postal_iban: Option<String>,
    pub remittance_information: Option<String>,
    pub segregation_code: Option<String>,
    pub due_in_days: Option<i64>,
    pub enabled: Option<bool>,
    #[serde(default)]
    pub properties: Vec<PropertyDraft>,
    pub amount: Option<i64>,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropertyDraft {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub pattern: Option<String>,
    pub max_length: Option<i64>,
    pub description: Option<String>,
}

impl ServiceDraft {
    /// The checked service, or the first refused field in API words (`properties[1].pattern`).
    pub fn validate(self, id: ServiceId, org: &Organization) -> Result<Service, DomainError> {
        let _ = (id, org);
        Err(DomainError::invalid("name", "not implemented yet"))
    }
}
