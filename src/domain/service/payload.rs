//! The `datiSpecificiServizioRequest` of paDemandPaymentNotice: base64 of a GeneralService
//! `service` document whose element children are the properties the citizen typed.
//!
//! Security: no DTD is accepted (so no entity is ever declared or expanded, no external
//! resource read), the decoded document is at most 64 KiB with at most 100 properties, and
//! the elements nest at most two levels deep.

use std::borrow::Cow;

use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use quick_xml::escape::unescape;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{Decoder, NsReader};

use super::trim_xml;

/// The payload is not base64, not well-formed XML, has a DTD, or its root is not `service` in
/// the GeneralService namespace (`PAA_SINTASSI_XSD`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PayloadError(pub String);

pub const GENERAL_SERVICE_NS: &str = "http://PuntoAccessoPSP.spcoop.gov.it/GeneralService";

/// Largest decoded document, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Most properties (element children of `service`) a payload may have.
pub const MAX_PAYLOAD_PROPERTIES: usize = 100;

/// Standard alphabet; padding optional, as some encoders leave it out.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn refuse<T>(message: impl Into<String>) -> Result<T, PayloadError> {
    Err(PayloadError(message.into()))
}

/// The properties `(local name, text)` in document order.
///
/// The text is decoded (references, CDATA, line ends as XML reads them) and taken without
/// surrounding white space. Repeated names are returned as they are (`check_values` refuses
/// them). The properties' own namespace is not looked at: with a prefixed root (`gs:service`)
/// they usually have none.
pub fn parse_payload(base64: &str) -> Result<Vec<(String, String)>, PayloadError> {
    let bytes = decode(base64)?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            return refuse(format!(
                "the payload is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ))
        }
    };
    read(text.strip_prefix('\u{FEFF}').unwrap_or(text))
}

fn decode(base64: &str) -> Result<Vec<u8>, PayloadError> {
    let compact: String = base64
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return refuse("the payload is empty");
    }
    let too_large = || {
        refuse(format!(
            "the payload is larger than {} KiB",
            MAX_PAYLOAD_BYTES / 1024
        ))
    };
    if compact.len() > MAX_PAYLOAD_BYTES.div_ceil(3) * 4 {
        return too_large();
    }
    let bytes = match BASE64.decode(compact.as_bytes()) {
        Ok(bytes) => bytes,
        Err(e) => return refuse(format!("the payload is not valid base64: {e}")),
    };
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return too_large();
    }
    Ok(bytes)
}

/// Where the reader is in the document.
enum Place {
    Prolog,
    /// Inside `service`, between properties.
    Service,
    /// Inside a property: its name and text so far.
    Property(String, String),
    Epilog,
}

fn read(text: &str) -> Result<Vec<(String, String)>, PayloadError> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_comments = true;
    let decoder = reader.decoder();
    let mut place = Place::Prolog;
    let mut properties: Vec<(String, String)> = Vec::new();
    let mut first = true;
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(pair) => pair,
            Err(e) => {
                return refuse(format!(
                    "the payload is not well-formed XML: {e} (at byte {})",
                    reader.error_position()
                ))
            }
        };
        let is_first = std::mem::replace(&mut first, false);
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::DocType(_) => {
                return refuse("the payload has a DTD (<!DOCTYPE ...>), which is not allowed")
            }
            Event::Decl(decl) => {
                if !is_first {
                    return refuse("the payload is not well-formed XML: the XML declaration is not at the start");
                }
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                    if !matches!(encoding.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
                        return refuse(format!("the payload declares the encoding '{encoding}': only UTF-8 is accepted"));
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Start(e) | Event::Empty(e) => {
                check_attributes(&e, decoder)?;
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let namespace = match &resolved {
                    ResolveResult::Bound(ns) => {
                        let raw = String::from_utf8_lossy(ns.as_ref()).into_owned();
                        Some(unescape(&raw).map(Cow::into_owned).unwrap_or(raw))
                    }
                    ResolveResult::Unbound => None,
                    ResolveResult::Unknown(prefix) => {
                        return refuse(format!(
                            "the payload is not well-formed XML: the namespace prefix '{}' of <{}> is not declared",
                            String::from_utf8_lossy(prefix),
                            String::from_utf8_lossy(e.name().as_ref())
                        ))
                    }
                };
                place = match place {
                    Place::Prolog => {
                        check_root(namespace.as_deref(), &local)?;
                        if empty { Place::Epilog } else { Place::Service }
                    }
                    Place::Service => {
                        if properties.len() == MAX_PAYLOAD_PROPERTIES {
                            return refuse(format!("the payload has more than {MAX_PAYLOAD_PROPERTIES} properties"));
                        }
                        if empty {
                            properties.push((local, String::new()));
                            Place::Service
                        } else {
                            Place::Property(local, String::new())
                        }
                    }
                    Place::Property(name, _) => {
                        return refuse(format!("the property '{name}' contains the element <{local}>: properties are text only"))
                    }
                    Place::Epilog => return refuse("the payload is not well-formed XML: content after the end of the root element"),
                };
            }
            Event::End(_) => {
                place = match place {
                    Place::Property(name, value) => {
                        properties.push((name, trim_xml(&value).to_owned()));
                        Place::Service
                    }
                    _ => Place::Epilog,
                };
            }
            Event::Text(t) => {
                let content = t.xml10_content().map_err(|e| {
                    PayloadError(format!("the payload is not well-formed XML: {e}"))
                })?;
                text_content(&mut place, &content)?;
            }
            Event::CData(c) => {
                if !matches!(place, Place::Property(..)) {
                    return refuse("the payload has CDATA outside the properties");
                }
                let content = c.xml10_content().map_err(|e| {
                    PayloadError(format!("the payload is not well-formed XML: {e}"))
                })?;
                text_content(&mut place, &content)?;
            }
            Event::GeneralRef(r) => {
                let c = reference(&r)?;
                text_content(&mut place, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::Eof => {
                return match place {
                    Place::Epilog => Ok(properties),
                    Place::Prolog => refuse("the payload has no XML element"),
                    _ => refuse("the payload is not well-formed XML: it ends before </service>"),
                }
            }
        }
    }
}

fn check_root(namespace: Option<&str>, local: &str) -> Result<(), PayloadError> {
    match namespace {
        Some(GENERAL_SERVICE_NS) if local == "service" => Ok(()),
        Some(ns) => refuse(format!(
            "the root element is {{{ns}}}{local}, expected service in the namespace {GENERAL_SERVICE_NS}"
        )),
        None => refuse(format!(
            "the root element is {local} without a namespace, expected service in the namespace {GENERAL_SERVICE_NS}"
        )),
    }
}

/// Text: part of the current property's value, or white space between elements.
fn text_content(place: &mut Place, content: &str) -> Result<(), PayloadError> {
    if let Some(c) = content.chars().find(|&c| !is_xml_char(c)) {
        return refuse(format!(
            "the payload is not well-formed XML: the character U+{:04X} is not allowed",
            u32::from(c)
        ));
    }
    match place {
        Place::Property(_, value) => {
            value.push_str(content);
            Ok(())
        }
        _ if trim_xml(content).is_empty() => Ok(()),
        Place::Service => refuse("the service element has text outside its properties"),
        _ => refuse("the payload is not well-formed XML: text outside the root element"),
    }
}

/// The character of a reference: a character reference or one of the five predefined entities.
fn reference(r: &BytesRef<'_>) -> Result<char, PayloadError> {
    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
    let found = match r.resolve_char_ref() {
        Ok(Some(c)) => Some(c),
        Ok(None) => match name.as_str() {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => None,
        },
        Err(_) => None,
    };
    match found {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => refuse(format!(
            "the payload is not well-formed XML: &{name}; is not a character reference or a predefined entity"
        )),
    }
}

/// Attributes are not used, but must be well-formed (quoted, not repeated, known entities).
fn check_attributes(e: &BytesStart<'_>, decoder: Decoder) -> Result<(), PayloadError> {
    for attribute in e.attributes() {
        let ok = attribute.is_ok_and(|a| a.decode_and_unescape_value(decoder).is_ok());
        if !ok {
            return refuse(format!(
                "the payload is not well-formed XML: bad attribute on <{}>",
                String::from_utf8_lossy(e.name().as_ref())
            ));
        }
    }
    Ok(())
}

/// XML 1.0 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
