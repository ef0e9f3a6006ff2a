//! Checking a service definition as the institution sends it.

use serde::Deserialize;

use super::{
    check_http_url, is_ncname, pattern, Account, AmountSource, Property, PropertyType, Service,
    ServiceId, DEFAULT_DUE_IN_DAYS, MAX_DUE_IN_DAYS, MAX_PROPERTIES,
};
use crate::domain::error::DomainError;
use crate::domain::fields::{Iban, Text140};
use crate::domain::ids::SegregationCode;
use crate::domain::money::Amount;
use crate::domain::org::Organization;
use crate::domain::taxonomy::TaxonomyCode;

/// Largest `maxLength` of a STRING property.
pub const MAX_STRING_LENGTH: i64 = 1000;

/// The three ways a service gets its amount, for error messages.
const AMOUNT_SOURCES: &str = "amount (a fixed amount in euro-cents), one property of type AMOUNT (the citizen types it) or callbackUrl (the institution computes it)";

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
    ///
    /// Fields are checked in the order of the body; the amount's source last, once each of
    /// `amount`, `minAmount`, `maxAmount` and `callbackUrl` is valid on its own.
    pub fn validate(self, id: ServiceId, org: &Organization) -> Result<Service, DomainError> {
        let name = Text140::parse("name", &required("name", self.name)?)?;
        let description =
            Text140::parse("description", &required("description", self.description)?)?;
        let category = category(&required("category", self.category)?)?;
        let account = match (self.iban, self.postal_iban) {
            (Some(iban), None) => Account::Iban(Iban::parse("iban", &iban)?),
            (None, Some(iban)) => Account::PostalIban(Iban::parse("postalIban", &iban)?),
            (Some(_), Some(_)) => {
                return Err(DomainError::invalid(
                    "postalIban",
                    "give either iban or postalIban, not both",
                ))
            }
            (None, None) => {
                return Err(DomainError::invalid("iban", "is required (or postalIban)"))
            }
        };
        let remittance_information = self
            .remittance_information
            .map(|r| Text140::parse("remittanceInformation", &r))
            .transpose()?;
        let segregation_code = segregation_code(self.segregation_code, org)?;
        let due_in_days = match self.due_in_days {
            None => DEFAULT_DUE_IN_DAYS,
            Some(days) => u32::try_from(days)
                .ok()
                .filter(|d| (1..=MAX_DUE_IN_DAYS).contains(d))
                .ok_or_else(|| {
                    DomainError::invalid(
                        "dueInDays",
                        format!("must be 1 to {MAX_DUE_IN_DAYS} days, got {days}"),
                    )
                })?,
        };
        let enabled = self.enabled.unwrap_or(true);
        let properties = properties(self.properties)?;
        let amount = amount_source(
            &properties,
            self.amount,
            self.min_amount,
            self.max_amount,
            self.callback_url,
        )?;
        Ok(Service {
            id,
            name,
            description,
            category,
            account,
            remittance_information,
            segregation_code,
            due_in_days,
            enabled,
            properties,
            amount,
        })
    }
}

fn required(path: &str, value: Option<String>) -> Result<String, DomainError> {
    value.ok_or_else(|| DomainError::invalid(path, "is required"))
}

/// A taxonomy code in the form pagoPA's transfers carry: `9/0101108TS/`.
fn category(value: &str) -> Result<Text140, DomainError> {
    let code_ok = |code: &str| TaxonomyCode::parse("category", code).is_ok();
    let code = value.strip_prefix("9/").and_then(|v| v.strip_suffix('/'));
    if code.is_some_and(code_ok) {
        return Text140::parse("category", value);
    }
    let bare = value.trim_start_matches("9/").trim_end_matches('/');
    let message = if code_ok(bare) {
        format!("'{value}' must be written in the taxonomy form 9/{bare}/")
    } else {
        format!(
            "'{value}' is not a taxonomy code 9/<code>/, where <code> is 2 digits (type of institution), 2 digits (macro area), 3 digits (type of service) and 2 capital letters (legal reason), e.g. 9/0101108TS/"
        )
    };
    Err(DomainError::invalid("category", message))
}

fn segregation_code(
    value: Option<String>,
    org: &Organization,
) -> Result<Option<SegregationCode>, DomainError> {
    const PATH: &str = "segregationCode";
    let known = || org.segregation_codes_text().replace(',', ", ");
    match value {
        Some(_) if org.aux_digit != 3 => Err(DomainError::invalid(
            PATH,
            format!(
                "is not allowed: the institution's notice numbers start with aux digit {}, and segregation codes exist only with aux digit 3",
                org.aux_digit
            ),
        )),
        Some(value) => {
            let code = SegregationCode::parse(PATH, &value)?;
            if org.segregation_codes.contains(&code) {
                Ok(Some(code))
            } else if org.segregation_codes.is_empty() {
                Err(DomainError::invalid(
                    PATH,
                    format!("'{code}' is not a segregation code of the institution (it has none)"),
                ))
            } else {
                Err(DomainError::invalid(
                    PATH,
                    format!(
                        "'{code}' is not one of the institution's segregation codes ({})",
                        known()
                    ),
                ))
            }
        }
        None if org.segregation_codes.len() > 1 => Err(DomainError::invalid(
            PATH,
            format!(
                "is required: the institution has several segregation codes ({})",
                known()
            ),
        )),
        // The only code, written down: the service keeps it if the institution gets more.
        None => Ok(org.segregation_codes.first().cloned()),
    }
}

fn properties(drafts: Vec<PropertyDraft>) -> Result<Vec<Property>, DomainError> {
    if drafts.len() > MAX_PROPERTIES {
        return Err(DomainError::invalid(
            "properties",
            format!(
                "must be at most {MAX_PROPERTIES} properties, got {}",
                drafts.len()
            ),
        ));
    }
    let mut checked: Vec<Property> = Vec::with_capacity(drafts.len());
    for (i, draft) in drafts.into_iter().enumerate() {
        let property = property(&format!("properties[{i}]"), draft, &checked)?;
        checked.push(property);
    }
    Ok(checked)
}

fn property(
    path: &str,
    draft: PropertyDraft,
    earlier: &[Property],
) -> Result<Property, DomainError> {
    let at = |field: &str| format!("{path}.{field}");
    let name = required(&at("name"), draft.name)?;
    if !is_ncname(&name) {
        return Err(DomainError::invalid(
            at("name"),
            format!("'{name}' must be an XML name: at most 64 ASCII letters, digits, _ - . starting with a letter or _"),
        ));
    }
    if let Some(j) = earlier.iter().position(|p| p.name == name) {
        return Err(DomainError::invalid(
            at("name"),
            format!("'{name}' is already the name of properties[{j}]"),
        ));
    }
    let kind = PropertyType::parse(&at("type"), &required(&at("type"), draft.kind)?)?;
    if kind == PropertyType::Amount {
        if let Some(j) = earlier.iter().position(|p| p.kind == PropertyType::Amount) {
            return Err(DomainError::invalid(
                at("type"),
                format!("only one property may be of type AMOUNT, and properties[{j}] already is"),
            ));
        }
    }
    let required = match (kind, draft.required) {
        (PropertyType::Amount, Some(false)) => {
            return Err(DomainError::invalid(
                at("required"),
                "a property of type AMOUNT is the amount to pay: it is always required",
            ))
        }
        (PropertyType::Amount, _) => true,
        (_, given) => given.unwrap_or(false),
    };
    let string_only = |field: &str| {
        DomainError::invalid(
            at(field),
            format!(
                "is allowed only for STRING properties, not {}",
                kind.as_str()
            ),
        )
    };
    if let Some(p) = &draft.pattern {
        if kind != PropertyType::String {
            return Err(string_only("pattern"));
        }
        pattern::compile(p).map_err(|message| DomainError::invalid(at("pattern"), message))?;
    }
    let max_length = match draft.max_length {
        None => None,
        Some(_) if kind != PropertyType::String => return Err(string_only("maxLength")),
        Some(n) => Some(
            u32::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_STRING_LENGTH as u32).contains(n))
                .ok_or_else(|| {
                    DomainError::invalid(
                        at("maxLength"),
                        format!("must be 1 to {MAX_STRING_LENGTH}, got {n}"),
                    )
                })?,
        ),
    };
    let description = draft
        .description
        .map(|d| Text140::parse(&at("description"), &d).map(Text140::into_string))
        .transpose()?;
    Ok(Property {
        name,
        kind,
        required,
        pattern: draft.pattern,
        max_length,
        description,
    })
}

fn amount_source(
    properties: &[Property],
    amount: Option<i64>,
    min_amount: Option<i64>,
    max_amount: Option<i64>,
    callback_url: Option<String>,
) -> Result<AmountSource, DomainError> {
    let fixed = amount.map(|c| Amount::positive("amount", c)).transpose()?;
    let min = min_amount
        .map(|c| Amount::positive("minAmount", c))
        .transpose()?;
    let max = max_amount
        .map(|c| Amount::positive("maxAmount", c))
        .transpose()?;
    let typed = properties.iter().find(|p| p.kind == PropertyType::Amount);
    if typed.is_none() {
        let bound = if min.is_some() {
            "minAmount"
        } else {
            "maxAmount"
        };
        if min.is_some() || max.is_some() {
            return Err(DomainError::invalid(
                bound,
                "is allowed only with a property of type AMOUNT",
            ));
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if max < min {
            return Err(DomainError::invalid(
                "maxAmount",
                format!(
                    "must not be less than minAmount ({} cents), got {} cents",
                    min.cents(),
                    max.cents()
                ),
            ));
        }
    }
    if let Some(url) = &callback_url {
        check_http_url("callbackUrl", url)?;
    }
    match (fixed, typed, callback_url) {
        (Some(fixed), None, None) => Ok(AmountSource::Fixed(fixed)),
        (None, Some(p), None) => Ok(AmountSource::Property {
            name: p.name.clone(),
            min,
            max,
        }),
        (None, None, Some(url)) => Ok(AmountSource::Callback { url }),
        (None, None, None) => Err(DomainError::invalid(
            "amount",
            format!("is required: the amount comes from exactly one of {AMOUNT_SOURCES}"),
        )),
        (fixed, typed, url) => {
            let mut given = Vec::new();
            if fixed.is_some() {
                given.push("amount".to_owned());
            }
            if let Some(p) = typed {
                given.push(format!("the AMOUNT property '{}'", p.name));
            }
            if url.is_some() {
                given.push("callbackUrl".to_owned());
            }
            Err(DomainError::invalid(
                "amount",
                format!(
                    "the amount comes from exactly one of {AMOUNT_SOURCES}; got {}",
                    given.join(" and ")
                ),
            ))
        }
    }
}

#[cfg(test)]
#[path = "definition_tests.rs"]
mod tests;
