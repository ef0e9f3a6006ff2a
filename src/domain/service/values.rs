//! What the citizen typed, checked against the service's properties.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{pattern, trim_xml, AmountSource, Property, PropertyType, Service};
use crate::domain::error::DomainError;
use crate::domain::fields::Email;
use crate::domain::money::{Amount, MAX_CENTS};

/// The checked properties, in the order of the service's definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Values {
    pub fields: Vec<(String, String)>,
    /// The value of the AMOUNT property, when the service has one and it was given.
    pub amount: Option<Amount>,
}

/// An integer of NUMBER properties (fits an `i64`).
pub const NUMBER_PATTERN: &str = "-?[0-9]{1,18}";
/// An amount of AMOUNT properties: euros with up to two decimals (`[0-9]+(\.[0-9]{1,2})?`), more
/// than zero. The bounds (the service's, and at most 999999999.99) are checked by `check_values`.
pub const AMOUNT_PATTERN: &str = r"0*[1-9][0-9]*(\.[0-9]{1,2})?|0+\.(0[1-9]|[1-9][0-9]?)";
/// The dates of DATE properties (besides being a day of the calendar).
pub const DATE_PATTERN: &str = "[0-9]{4}-[0-9]{2}-[0-9]{2}";
/// A company's fiscal code (11 digits) or a person's (16 characters; digits may be replaced by
/// the letters LMNPQRSTUV when two people would get the same code).
pub const FISCAL_CODE_PATTERN: &str = "[0-9]{11}|[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]";
/// The e-mail addresses `Email::parse` accepts (besides their length, at most 256).
pub const EMAIL_PATTERN: &str = r"[A-Za-z0-9_.+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*";

static FISCAL_CODE: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(FISCAL_CODE_PATTERN).expect("valid fiscal code pattern"));

/// Refuses a missing required property, an unknown or repeated one, a value of the wrong type,
/// pattern or length, an amount out of bounds; the error's path is the property name.
///
/// Values are taken without surrounding white space; an empty value of an optional property
/// counts as not given.
pub fn check_values(service: &Service, given: &[(String, String)]) -> Result<Values, DomainError> {
    for (i, (name, _)) in given.iter().enumerate() {
        if service.property(name).is_none() {
            return Err(DomainError::invalid(name, unknown(service)));
        }
        if given[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(DomainError::invalid(name, "is given more than once"));
        }
    }
    let mut values = Values::default();
    for property in &service.properties {
        let value = given
            .iter()
            .find(|(name, _)| *name == property.name)
            .map(|(_, value)| trim_xml(value));
        match value {
            Some(value) if !value.is_empty() => {
                let amount = check_value(service, property, value)
                    .map_err(|message| DomainError::invalid(&property.name, message))?;
                values.amount = values.amount.or(amount);
                values
                    .fields
                    .push((property.name.clone(), value.to_owned()));
            }
            Some(_) if property.required => {
                return Err(DomainError::invalid(&property.name, "must not be empty"))
            }
            None if property.required => {
                return Err(DomainError::invalid(&property.name, "is required"))
            }
            _ => {}
        }
    }
    Ok(values)
}

fn unknown(service: &Service) -> String {
    if service.properties.is_empty() {
        format!(
            "is not a property of service {}, which has none",
            service.id
        )
    } else {
        let names: Vec<&str> = service.properties.iter().map(|p| p.name.as_str()).collect();
        format!(
            "is not a property of service {}, whose properties are: {}",
            service.id,
            names.join(", ")
        )
    }
}

/// Checks one non-empty value; the amount when the property is the AMOUNT one.
fn check_value(
    service: &Service,
    property: &Property,
    value: &str,
) -> Result<Option<Amount>, String> {
    match property.kind {
        PropertyType::String => {
            let count = value.chars().count();
            if let Some(max) = property.max_length {
                if count > max as usize {
                    return Err(format!("must be at most {max} characters, got {count}"));
                }
            }
            if let Some(p) = &property.pattern {
                // Checked when the service was defined; a pattern that no longer compiles
                // refuses every value rather than letting any through.
                let matches = pattern::compile(p).is_ok_and(|re| re.is_match(value));
                if !matches {
                    return Err(format!("'{value}' does not have the expected format {p}"));
                }
            }
            Ok(None)
        }
        PropertyType::Number => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            if (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(None)
            } else {
                Err(format!(
                    "'{value}' must be a whole number of at most 18 digits, e.g. 42 or -7"
                ))
            }
        }
        PropertyType::Amount => amount(service, property, value).map(Some),
        PropertyType::Date => date(value).map(|_| None),
        PropertyType::FiscalCode => {
            if FISCAL_CODE.is_match(value) {
                Ok(None)
            } else {
                Err(format!("'{value}' is not a fiscal code: 16 capital letters and digits for a person, 11 digits for a company"))
            }
        }
        PropertyType::Email => Email::parse("", value)
            .map(|_| None)
            .map_err(|_| format!("'{value}' is not a valid e-mail address")),
    }
}

/// Euros with up to two decimals, more than zero and within the bounds of the service.
fn amount(service: &Service, property: &Property, value: &str) -> Result<Amount, String> {
    let format =
        || format!("'{value}' must be an amount in euros with up to two decimals, e.g. 12.50");
    let (units, decimals) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let decimals_ok = if value.contains('.') {
        (1..=2).contains(&decimals.len())
    } else {
        true
    };
    if units.is_empty() || !digits(units) || !digits(decimals) || !decimals_ok {
        return Err(format());
    }
    let units = units.trim_start_matches('0');
    let max = Amount::from_cents(MAX_CENTS).unwrap_or_default();
    if units.len() > 9 {
        return Err(format!("must be at most {max} euros"));
    }
    let units: i64 = if units.is_empty() {
        0
    } else {
        units.parse().map_err(|_| format())?
    };
    let cents: i64 = format!("{decimals:0<2}").parse().map_err(|_| format())?;
    let amount = Amount::from_cents(units * 100 + cents)
        .map_err(|_| format!("must be at most {max} euros"))?;
    if amount.is_zero() {
        return Err("must be more than 0.00 euros".to_owned());
    }
    if let AmountSource::Property { name, min, max } = &service.amount {
        if *name == property.name {
            if let Some(min) = min.filter(|min| amount < *min) {
                return Err(format!("must be at least {min} euros, got {amount}"));
            }
            if let Some(max) = max.filter(|max| amount > *max) {
                return Err(format!("must be at most {max} euros, got {amount}"));
            }
        }
    }
    Ok(amount)
}

/// A day of the calendar written `YYYY-MM-DD` (year 0001 to 9999).
fn date(value: &str) -> Result<NaiveDate, String> {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(format!(
            "'{value}' must be a date YYYY-MM-DD, e.g. 2025-03-31"
        ));
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().unwrap_or(0);
    let year = i32::try_from(number(0..4)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, number(5..7), number(8..10))
        .filter(|_| year >= 1)
        .ok_or_else(|| format!("'{value}' is not a day of the calendar"))
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
