//! The XSD of a service's payload, what a PSP builds its form from.
//!
//! It describes what `check_values` accepts, with two differences: the bounds of the amount
//! (the service's `minAmount`/`maxAmount`, and 999999999.99 euros) are checked only when the
//! notice is demanded, and a STRING value is checked by the gateway without its surrounding
//! white space (the XSD counts it).

use std::fmt::Write;

use quick_xml::escape::escape;

use super::payload::GENERAL_SERVICE_NS;
use super::values::{
    AMOUNT_PATTERN, DATE_PATTERN, EMAIL_PATTERN, FISCAL_CODE_PATTERN, NUMBER_PATTERN,
};
use super::{AmountSource, Property, PropertyType, Service};
use crate::domain::fields::EMAIL_MAX_LEN;

/// Name of the type of an empty value, which an optional property may have.
const EMPTY_TYPE: &str = "emptyValue";
/// A value with something else than white space.
const NOT_BLANK_PATTERN: &str = r"[\s\S]*\S[\s\S]*";

/// An XSD (target namespace GeneralService, root element `service`) describing exactly the
/// service's properties: types, patterns, lengths, which are required.
pub fn service_xsd(service: &Service) -> String {
    let mut xsd = String::with_capacity(1024 + 512 * service.properties.len());
    let ns = escape(GENERAL_SERVICE_NS);
    xsd.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xsd,
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns=\"{ns}\" targetNamespace=\"{ns}\" elementFormDefault=\"qualified\">"
    );
    documentation(
        &mut xsd,
        1,
        &format!(
            "Data of the service {} ({}) to demand a payment notice with paDemandPaymentNotice: base64 of a service element. {}",
            service.id,
            service.name,
            amount_note(service)
        ),
    );
    if service.properties.iter().any(needs_empty) {
        let _ = writeln!(
            xsd,
            "  <xs:simpleType name=\"{EMPTY_TYPE}\">\n    <xs:annotation><xs:documentation>An empty value: the property is not given.</xs:documentation></xs:annotation>\n    <xs:restriction base=\"xs:token\"><xs:length value=\"0\"/></xs:restriction>\n  </xs:simpleType>"
        );
    }
    xsd.push_str("  <xs:element name=\"service\">\n");
    documentation(
        &mut xsd,
        2,
        &format!("{}: {}", service.name, service.description),
    );
    xsd.push_str("    <xs:complexType>\n      <xs:all>\n");
    for property in &service.properties {
        element(&mut xsd, service, property);
    }
    xsd.push_str("      </xs:all>\n    </xs:complexType>\n  </xs:element>\n</xs:schema>\n");
    xsd
}

fn amount_note(service: &Service) -> String {
    match &service.amount {
        AmountSource::Fixed(amount) => format!("The amount is {amount} euros."),
        AmountSource::Property { name, .. } => format!("The amount is the value of {name}."),
        AmountSource::Callback { .. } => {
            "The institution computes the amount from the data.".to_owned()
        }
    }
}

/// An optional property whose type refuses the empty value accepts it as well.
fn needs_empty(property: &Property) -> bool {
    let plain_text = property.kind == PropertyType::String && property.pattern.is_none();
    !property.required && !plain_text
}

fn documentation(xsd: &mut String, level: usize, text: &str) {
    let indent = "  ".repeat(level);
    let _ = writeln!(
        xsd,
        "{indent}<xs:annotation><xs:documentation>{}</xs:documentation></xs:annotation>",
        escape(text)
    );
}

fn element(xsd: &mut String, service: &Service, property: &Property) {
    let min = if property.required {
        ""
    } else {
        " minOccurs=\"0\""
    };
    let _ = writeln!(
        xsd,
        "        <xs:element name=\"{}\"{min}>",
        escape(&property.name)
    );
    let mut text = property.description.clone().unwrap_or_default();
    if !text.is_empty() {
        text.push_str(". ");
    }
    text.push_str(&kind_note(service, property));
    documentation(xsd, 5, &text);
    let base = simple_type(property);
    if needs_empty(property) {
        let _ = writeln!(
            xsd,
            "          <xs:simpleType>\n            <xs:union memberTypes=\"{EMPTY_TYPE}\">\n              <xs:simpleType>{base}</xs:simpleType>\n            </xs:union>\n          </xs:simpleType>"
        );
    } else {
        let _ = writeln!(xsd, "          <xs:simpleType>{base}</xs:simpleType>");
    }
    xsd.push_str("        </xs:element>\n");
}

/// What the value is, in words, for the documentation of a property.
fn kind_note(service: &Service, property: &Property) -> String {
    let required = if property.required {
        "required"
    } else {
        "optional"
    };
    let what = match property.kind {
        PropertyType::String => "text".to_owned(),
        PropertyType::Number => "a whole number".to_owned(),
        PropertyType::Amount => {
            let mut note = "the amount to pay, in euros with up to two decimals (12.50)".to_owned();
            if let AmountSource::Property { min, max, .. } = &service.amount {
                match (min, max) {
                    (Some(min), Some(max)) => {
                        note.push_str(&format!(", from {min} to {max} euros"))
                    }
                    (Some(min), None) => note.push_str(&format!(", at least {min} euros")),
                    (None, Some(max)) => note.push_str(&format!(", at most {max} euros")),
                    (None, None) => {}
                }
                note.push_str(" (bounds checked when the notice is demanded)");
            }
            note
        }
        PropertyType::Date => "a date YYYY-MM-DD".to_owned(),
        PropertyType::FiscalCode => {
            "a fiscal code (16 characters for a person, 11 digits for a company)".to_owned()
        }
        PropertyType::Email => "an e-mail address".to_owned(),
    };
    format!("{} ({required}): {what}", property.kind.as_str())
}

/// The `xs:restriction` of the property's values (without the empty value).
fn simple_type(property: &Property) -> String {
    let pattern = |p: &str| format!("<xs:pattern value=\"{}\"/>", escape(p));
    match property.kind {
        PropertyType::String => {
            let mut facets = String::new();
            if let Some(max) = property.max_length {
                let _ = write!(facets, "<xs:maxLength value=\"{max}\"/>");
            }
            if let Some(p) = &property.pattern {
                facets.push_str(&pattern(p));
            }
            let inner = if facets.is_empty() {
                "<xs:restriction base=\"xs:string\"/>".to_owned()
            } else {
                format!("<xs:restriction base=\"xs:string\">{facets}</xs:restriction>")
            };
            if property.required {
                // Nested, so that both patterns apply (patterns of one step are alternatives).
                format!(
                    "<xs:restriction><xs:simpleType>{inner}</xs:simpleType>{}</xs:restriction>",
                    pattern(NOT_BLANK_PATTERN)
                )
            } else {
                inner
            }
        }
        PropertyType::Number => format!("<xs:restriction base=\"xs:integer\">{}</xs:restriction>", pattern(NUMBER_PATTERN)),
        PropertyType::Amount => format!("<xs:restriction base=\"xs:token\">{}</xs:restriction>", pattern(AMOUNT_PATTERN)),
        PropertyType::Date => format!("<xs:restriction base=\"xs:date\">{}</xs:restriction>", pattern(DATE_PATTERN)),
        PropertyType::FiscalCode => format!("<xs:restriction base=\"xs:token\">{}</xs:restriction>", pattern(FISCAL_CODE_PATTERN)),
        PropertyType::Email => format!(
            "<xs:restriction base=\"xs:token\"><xs:maxLength value=\"{EMAIL_MAX_LEN}\"/>{}</xs:restriction>",
            pattern(EMAIL_PATTERN)
        ),
    }
}

#[cfg(test)]
#[path = "xsd_tests.rs"]
mod tests;
