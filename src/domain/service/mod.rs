//! The service catalog of spontaneous payments: what a citizen may ask an institution for at a
//! PSP, the fields they type, and where the amount comes from.
//!
//! `payload` reads the `datiSpecificiServizioRequest` document, `values` checks what was typed
//! against the properties, `xsd` describes the properties as the XSD a PSP builds its form from.

pub mod definition;
pub mod demand;
#[cfg(test)]
mod fixtures;
pub mod pattern;
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
    Callback {
        url: String,
    },
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
    first_ok && name.len() <= 64 && bytes.all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// An absolute `http://` or `https://` URL of at most 2048 characters, with a host, no
/// credentials and no whitespace: where the gateway may POST (callbacks, webhooks).
pub fn check_http_url(path: &str, url: &str) -> Result<(), DomainError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let ok = url.len() <= 2048
        && rest.is_some_and(|r| {
            let host = r.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !host.contains('@') && !r.chars().any(char::is_whitespace)
        });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            path,
            format!("'{url}' is not an absolute http(s) URL"),
        ))
    }
}

/// XML white space: space, tab, line feed, carriage return.
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// `value` without surrounding XML white space.
pub(crate) fn trim_xml(value: &str) -> &str {
    value.trim_matches(is_xml_space)
}

impl Service {
    /// The definition in the API's JSON words, defaults filled in: what is stored and answered,
    /// and what [`ServiceDraft::validate`] reads back.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut v = Map::new();
        let mut put = |k: &str, value: Value| {
            if !value.is_null() {
                v.insert(k.to_owned(), value);
            }
        };
        put("name", json!(self.name.as_str()));
        put("description", json!(self.description.as_str()));
        put("category", json!(self.category.as_str()));
        match &self.account {
            Account::Iban(i) => put("iban", json!(i.as_str())),
            Account::PostalIban(i) => put("postalIban", json!(i.as_str())),
        }
        put(
            "remittanceInformation",
            json!(self.remittance_information.as_ref().map(|r| r.as_str())),
        );
        put(
            "segregationCode",
            json!(self.segregation_code.as_ref().map(|s| s.as_str())),
        );
        put("dueInDays", json!(self.due_in_days));
        put("enabled", json!(self.enabled));
        let properties: Vec<Value> = self
            .properties
            .iter()
            .map(|p| {
                let mut o =
                    json!({"name": p.name, "type": p.kind.as_str(), "required": p.required});
                for (k, value) in [
                    ("pattern", json!(p.pattern)),
                    ("maxLength", json!(p.max_length)),
                    ("description", json!(p.description)),
                ] {
                    if !value.is_null() {
                        o[k] = value;
                    }
                }
                o
            })
            .collect();
        put("properties", Value::Array(properties));
        match &self.amount {
            AmountSource::Fixed(a) => put("amount", json!(a.cents())),
            AmountSource::Property { min, max, .. } => {
                put("minAmount", json!(min.map(|a| a.cents())));
                put("maxAmount", json!(max.map(|a| a.cents())));
            }
            AmountSource::Callback { url } => put("callbackUrl", json!(url)),
        }
        Value::Object(v)
    }
}
