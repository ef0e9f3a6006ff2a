//! The service catalog of spontaneous payments: what a citizen may ask an institution for at a
//! PSP, the fields they type, and where the amount comes from.
//!
//! `payload` reads the `datiSpecificiServizioRequest` document, `values` checks what was typed
//! against the properties, `xsd` describes the properties as the XSD a PSP builds its form from.

pub mod definition;
pub mod payload;
pub mod values;
pub mod xsd;

use super::error::DomainError;
use super::fields::{Iban, Text140};
use super::ids::{string_newtype, SegregationCode};
use super::money::Amount;

pub use definition::{PropertyDraft, ServiceDraft};
pub use payload::{parse_payload, PayloadError};
pub use values::{check_values, Values};

/// Identifier of a service: exactly 5 letters or digits (the XSD's `stIdentificativoServizio`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId(String);
string_newtype!(ServiceId);

impl ServiceId {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        if value.len() == 5 && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                format!("'{value}' must be exactly 5 letters or digits"),
            ))
        }
    }
}

pub const MAX_PROPERTIES: usize = 50;
pub const DEFAULT_DUE_IN_DAYS: u32 = 30;
pub const MAX_DUE_IN_DAYS: u32 = 3650;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// Free text, optionally limited by `pattern` and `maxLength`.
    String,
    /// An integer (optional sign, digits).
    Number,
    /// Euros with up to two decimals (`12`, `12.3`, `12.30`).
    Amount,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// An Italian personal (16 characters) or company (11 digits) fiscal code.
    FiscalCode,
    Email,
}

impl PropertyType {
    pub const ALL: [PropertyType; 6] = [
        PropertyType::String,
        PropertyType::Number,
        PropertyType::Amount,
        PropertyType::Date,
        PropertyType::FiscalCode,
        PropertyType::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PropertyType::String => "STRING",
            PropertyType::Number => "NUMBER",
            PropertyType::Amount => "AMOUNT",
            PropertyType::Date => "DATE",
            PropertyType::FiscalCode => "FISCAL_CODE",
            PropertyType::Email => "EMAIL",
        }
    }

    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == value)
            .ok_or_else(|| {
                DomainError::invalid(
                    path,
                    format!(
                        "'{value}' is not one of STRING, NUMBER, AMOUNT, DATE, FISCAL_CODE, EMAIL"
                    ),
                )
            })
    }
}

/// A field the citizen types at the PSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// An XML NCName: the element name in the payload.
    pub name: String,
    pub kind: PropertyType,
    pub required: bool,
    /// An XSD/Rust-compatible regular expression the whole value must match (STRING only).
    pub pattern: Option<String>,
    /// Maximum length in characters (STRING only).
    pub max_length: Option<u32>,
    pub description: Option<String>,
}

/// Where the amount of a demanded position comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountSource {
    Fixed(Amount),
    /// The value of the (only) AMOUNT property, within optional bounds.
    Property {
        name: String,
        min: Option<Amount>,
        max: Option<Amount>,
    },
    /// The institution computes it: POST to this URL.
    Callback { url: String },
}

/// The account transfers of the service's positions are credited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    Iban(Iban),
    PostalIban(Iban),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: ServiceId,
    pub name: Text140,
    pub description: Text140,
    /// Taxonomy code of the transfer, `9/<code>/`.
    pub category: Text140,
    pub account: Account,
    pub remittance_information: Option<Text140>,
    pub segregation_code: Option<SegregationCode>,
    pub due_in_days: u32,
    pub enabled: bool,
    pub properties: Vec<Property>,
    pub amount: AmountSource,
}

impl Service {
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The remittance information of its transfers: the configured one, else the description.
    pub fn remittance(&self) -> &Text140 {
        self.remittance_information
            .as_ref()
            .unwrap_or(&self.description)
    }
}

/// True for an XML NCName made of ASCII letters, digits, `_`, `-`, `.`, not starting with a digit,
/// `-` or `.`, at most 64 characters.
pub fn is_ncname(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    first_ok
        && name.len() <= 64
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}
