//! SOAP 1.1 envelope handling: find the single Body child of an incoming
//! message (namespace-aware, any prefix), and write outgoing envelopes.
//!
//! Security: quick-xml never expands entities or reads external resources,
//! and any DOCTYPE is rejected as soon as it is seen, so XXE and
//! "billion laughs" payloads cannot do anything but fail fast.

use std::borrow::Cow;

use quick_xml::escape::{escape, unescape};
use quick_xml::events::{BytesDecl, BytesEnd, BytesRef, BytesStart, Event};
use quick_xml::name::{PrefixDeclaration, ResolveResult};
use quick_xml::{NsReader, Writer};

use super::SoapError;

/// SOAP 1.1 envelope namespace.
pub const NS_SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace (recognised only to give a clear error).
const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Namespace of the paForNode payload elements.
pub const NS_PAFN: &str = "http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd";
/// Deepest element nesting accepted (the paForNode payloads need about 8; the
/// namespace resolver of quick-xml overflows past 65535).
const MAX_DEPTH: usize = 100;

/// The element found inside `soapenv:Body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyChild {
    /// Resolved namespace URI of the element, `None` when it has none.
    pub namespace: Option<String>,
    /// Local name of the element.
    pub local_name: String,
    /// The element as text, sliced from the message, with the namespace
    /// declarations of its ancestors (Envelope, Body) copied onto it, so that it
    /// is a standalone document.
    pub xml: String,
    /// The first element inside the payload that carries a namespace, in Clark notation. The
    /// schema's local elements are unqualified, so such an element is not the schema's.
    pub qualified_descendant: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the root element.
    Prolog,
    /// Inside Envelope, before Body.
    Envelope,
    /// Inside Header (depth of nested elements).
    Header(usize),
    /// Inside Body, waiting for (or after) the payload element.
    Body,
    /// Inside the payload element (depth of nested elements).
    Payload(usize),
    /// After Body, before the end of Envelope.
    AfterBody,
    /// After the root element.
    Epilog,
}

/// Parses a SOAP 1.1 envelope and returns its only Body child.
pub(crate) fn extract_body_child(body: &[u8]) -> Result<BodyChild, SoapError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        SoapError::Malformed(format!(
            "the message is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    // Byte positions below are counted after a byte order mark.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    // On success the whole message has been read; on a structural error, make
    // sure a not well-formed message is reported as such.
    walk(text).map_err(|error| match error {
        SoapError::Malformed(_) => error,
        _ => check_well_formed(text).err().unwrap_or(error),
    })
}

/// Reads the whole document and reports the first well-formedness error.
fn check_well_formed(text: &str) -> Result<(), SoapError> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_comments = true;
    let mut depth = 0usize;
    let mut root_done = false;
    loop {
        let next = reader
            .read_resolved_event()
            .map(|(resolved, event)| match resolved {
                ResolveResult::Unknown(prefix) => {
                    Err(String::from_utf8_lossy(&prefix).into_owned())
                }
                _ => Ok(event),
            });
        let event = match next {
            Ok(Ok(event)) => event,
            Ok(Err(prefix)) => {
                return Err(SoapError::Malformed(format!(
                    "the namespace prefix '{prefix}' is not declared"
                )))
            }
            Err(e) => {
                return Err(SoapError::Malformed(format!(
                    "{e} (at byte {})",
                    reader.error_position()
                )))
            }
        };
        match event {
            Event::DocType(_) => {
                return Err(SoapError::Malformed(
                    "DOCTYPE declarations are not allowed".into(),
                ))
            }
            Event::Start(_) | Event::Empty(_) if depth == 0 && root_done => {
                return Err(SoapError::Malformed(
                    "content after the end of the root element".into(),
                ))
            }
            Event::Start(e) => {
                check_attributes(&e)?;
                depth = deeper(depth)?;
            }
            Event::Empty(e) => {
                check_attributes(&e)?;
                root_done |= depth == 0;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                root_done |= depth == 0;
            }
            Event::Text(t) if depth == 0 && !is_blank(&t) => {
                return Err(SoapError::Malformed("text outside the root element".into()))
            }
            Event::GeneralRef(r) if depth > 0 => check_reference(&r)?,
            Event::CData(_) | Event::GeneralRef(_) if depth == 0 => {
                return Err(SoapError::Malformed("text outside the root element".into()))
            }
            Event::Eof if depth > 0 => return Err(unexpected_eof()),
            Event::Eof if !root_done => {
                return Err(SoapError::Malformed("the message is empty".into()))
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn walk(text: &str) -> Result<BodyChild, SoapError> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_comments = true;

    let mut stage = Stage::Prolog;
    let mut ancestor_bindings: Vec<(Option<String>, String)> = Vec::new();
    let mut payload: Option<(usize, usize, BodyChild)> = None; // (start, name_end, child) while reading
    let mut result: Option<BodyChild> = None;

    loop {
        let start_pos = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            SoapError::Malformed(format!("{e} (at byte {})", reader.error_position()))
        })?;

        let is_empty = matches!(event, Event::Empty(_));
        match &event {
            Event::DocType(_) => {
                return Err(SoapError::Malformed(
                    "DOCTYPE declarations are not allowed (no DTDs or entity declarations)".into(),
                ))
            }
            Event::Decl(decl) => check_declaration(decl)?,
            Event::Start(e) | Event::Empty(e) => {
                check_attributes(e)?;
                resolve_element(&reader, e)?;
            }
            Event::GeneralRef(r) => check_reference(r)?,
            _ => {}
        }

        match stage {
            Stage::Prolog | Stage::Epilog => match &event {
                Event::Start(e) | Event::Empty(e) if stage == Stage::Prolog => {
                    let (ns, local) = resolve_element(&reader, e)?;
                    if ns.as_deref() != Some(NS_SOAP11) || local != "Envelope" {
                        return Err(not_envelope(ns.as_deref(), &local));
                    }
                    if is_empty {
                        return Err(SoapError::NotSoap(
                            "the SOAP Envelope is empty: it has no Body".into(),
                        ));
                    }
                    stage = Stage::Envelope;
                }
                Event::Start(_) | Event::Empty(_) => {
                    return Err(SoapError::Malformed(
                        "content after the end of the root element".into(),
                    ))
                }
                Event::Text(t) if is_blank(t) => {}
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) | Event::End(_) => {
                    return Err(SoapError::Malformed(if stage == Stage::Prolog {
                        "text before the root element".into()
                    } else {
                        "content after the end of the root element".into()
                    }))
                }
                Event::Eof if stage == Stage::Epilog => break,
                Event::Eof => return Err(SoapError::Malformed("the message is empty".into())),
                _ => {} // declaration, comments, processing instructions
            },
            Stage::Envelope => match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let (ns, local) = resolve_element(&reader, e)?;
                    match (ns.as_deref(), local.as_str()) {
                        (Some(NS_SOAP11), "Header") => {
                            if !is_empty {
                                stage = Stage::Header(1);
                            }
                        }
                        (Some(NS_SOAP11), "Body") => {
                            if is_empty {
                                return Err(SoapError::NotSoap("the SOAP Body is empty".into()));
                            }
                            ancestor_bindings = in_scope_bindings(&reader);
                            stage = Stage::Body;
                        }
                        _ => {
                            return Err(SoapError::NotSoap(format!(
                            "unexpected element {} in the SOAP Envelope: expected Header or Body",
                            display_name(ns.as_deref(), &local)
                        )))
                        }
                    }
                }
                Event::End(_) => {
                    return Err(SoapError::NotSoap("the SOAP Envelope has no Body".into()))
                }
                Event::Eof => return Err(unexpected_eof()),
                event => check_ignorable(event, "the SOAP Envelope")?,
            },
            Stage::Header(depth) => match event {
                Event::Start(_) => stage = Stage::Header(deeper(depth)?),
                Event::End(_) if depth == 1 => stage = Stage::Envelope,
                Event::End(_) => stage = Stage::Header(depth - 1),
                Event::Eof => return Err(unexpected_eof()),
                _ => {}
            },
            Stage::Body => match &event {
                Event::Start(e) | Event::Empty(e) => {
                    if result.is_some() {
                        return Err(SoapError::NotSoap(
                            "the SOAP Body contains more than one element".into(),
                        ));
                    }
                    if text.as_bytes().get(start_pos) != Some(&b'<') {
                        return Err(SoapError::Malformed(
                            "could not locate the SOAP Body element".into(),
                        ));
                    }
                    let (ns, local) = resolve_element(&reader, e)?;
                    let child = BodyChild {
                        namespace: ns,
                        local_name: local,
                        xml: String::new(),
                        qualified_descendant: None,
                    };
                    let name_end = start_pos + 1 + e.name().as_ref().len();
                    let own = declared_prefixes(e);
                    let missing: Vec<_> = ancestor_bindings
                        .iter()
                        .filter(|(prefix, _)| !own.contains(prefix))
                        .cloned()
                        .collect();
                    if is_empty {
                        let end = reader.buffer_position() as usize;
                        result = Some(finish_child(
                            text, start_pos, name_end, end, &missing, child,
                        ));
                    } else {
                        payload = Some((start_pos, name_end, child));
                        ancestor_bindings = missing;
                        stage = Stage::Payload(1);
                    }
                }
                Event::End(_) => match result {
                    Some(_) => stage = Stage::AfterBody,
                    None => return Err(SoapError::NotSoap("the SOAP Body is empty".into())),
                },
                Event::Eof => return Err(unexpected_eof()),
                event => check_ignorable(event, "the SOAP Body")?,
            },
            Stage::Payload(depth) => match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    if let Some((_, _, child)) = payload.as_mut() {
                        if child.qualified_descendant.is_none() {
                            if let (Some(ns), local) = resolve_element(&reader, e)? {
                                child.qualified_descendant = Some(display_name(Some(&ns), &local));
                            }
                        }
                    }
                    if matches!(event, Event::Start(_)) {
                        stage = Stage::Payload(deeper(depth)?);
                    }
                }
                Event::End(_) if depth == 1 => {
                    let (start, name_end, child) = payload.take().expect("payload start recorded");
                    let end = reader.buffer_position() as usize;
                    result = Some(finish_child(
                        text,
                        start,
                        name_end,
                        end,
                        &ancestor_bindings,
                        child,
                    ));
                    stage = Stage::Body;
                }
                Event::End(_) => stage = Stage::Payload(depth - 1),
                Event::Eof => return Err(unexpected_eof()),
                _ => {}
            },
            Stage::AfterBody => match &event {
                Event::End(_) => stage = Stage::Epilog,
                Event::Start(e) | Event::Empty(e) => {
                    let (ns, local) = resolve_element(&reader, e)?;
                    return Err(SoapError::NotSoap(format!(
                        "unexpected element {} after the SOAP Body",
                        display_name(ns.as_deref(), &local)
                    )));
                }
                Event::Eof => return Err(unexpected_eof()),
                event => check_ignorable(event, "the SOAP Envelope")?,
            },
        }
    }

    result.ok_or_else(|| SoapError::NotSoap("the SOAP Body is empty".into()))
}

/// Builds the standalone payload text: the slice `text[start..end]` with the
/// missing ancestor namespace declarations inserted after the element name.
fn finish_child(
    text: &str,
    start: usize,
    name_end: usize,
    end: usize,
    bindings: &[(Option<String>, String)],
    mut child: BodyChild,
) -> BodyChild {
    let mut xml = String::with_capacity(end - start + 80 * bindings.len());
    xml.push_str(&text[start..name_end]);
    for (prefix, uri) in bindings {
        match prefix {
            Some(prefix) => {
                xml.push_str(" xmlns:");
                xml.push_str(prefix);
            }
            None => xml.push_str(" xmlns"),
        }
        xml.push_str("=\"");
        xml.push_str(&escape(uri.as_str()));
        xml.push('"');
    }
    xml.push_str(&text[name_end..end]);
    child.xml = xml;
    child
}

/// Namespace bindings in scope at the current element (prefix `None` is the
/// default namespace).
fn in_scope_bindings(reader: &NsReader<&[u8]>) -> Vec<(Option<String>, String)> {
    reader
        .resolver()
        .bindings()
        .map(|(prefix, ns)| {
            let prefix = match prefix {
                PrefixDeclaration::Default => None,
                PrefixDeclaration::Named(p) => Some(String::from_utf8_lossy(p).into_owned()),
            };
            let raw = String::from_utf8_lossy(ns.as_ref()).into_owned();
            let uri = unescape(&raw).map(Cow::into_owned).unwrap_or(raw);
            (prefix, uri)
        })
        .collect()
}

/// Prefixes declared by `xmlns`/`xmlns:p` attributes on this element.
fn declared_prefixes(e: &BytesStart<'_>) -> Vec<Option<String>> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let key = a.key.as_ref();
            if key == b"xmlns" {
                Some(None)
            } else {
                key.strip_prefix(b"xmlns:")
                    .map(|p| Some(String::from_utf8_lossy(p).into_owned()))
            }
        })
        .collect()
}

fn resolve_element(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
) -> Result<(Option<String>, String), SoapError> {
    let (resolved, local) = reader.resolve_element(e.name());
    let local = String::from_utf8_lossy(local.as_ref()).into_owned();
    let ns = match resolved {
        ResolveResult::Bound(ns) => {
            let raw = String::from_utf8_lossy(ns.as_ref()).into_owned();
            Some(unescape(&raw).map(Cow::into_owned).unwrap_or(raw))
        }
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(prefix) => {
            return Err(SoapError::Malformed(format!(
                "the namespace prefix '{}' of element <{}> is not declared",
                String::from_utf8_lossy(&prefix),
                String::from_utf8_lossy(e.name().as_ref())
            )))
        }
    };
    Ok((ns, local))
}

/// Attributes must be well-formed (quoted values, no duplicates).
fn check_attributes(e: &BytesStart<'_>) -> Result<(), SoapError> {
    for attribute in e.attributes() {
        if let Err(err) = attribute {
            return Err(SoapError::Malformed(format!(
                "bad attribute on element <{}>: {err}",
                String::from_utf8_lossy(e.name().as_ref())
            )));
        }
    }
    Ok(())
}

/// Without a DTD only character references and the five predefined entities
/// exist.
fn check_reference(r: &BytesRef<'_>) -> Result<(), SoapError> {
    let name = String::from_utf8_lossy(r.as_ref());
    let ok = match r.resolve_char_ref() {
        Ok(Some(_)) => true,
        Ok(None) => matches!(name.as_ref(), "lt" | "gt" | "amp" | "apos" | "quot"),
        Err(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(SoapError::Malformed(format!(
            "undefined or invalid entity reference &{name};"
        )))
    }
}

/// Only UTF-8 (or its ASCII subset) is accepted.
fn check_declaration(decl: &BytesDecl<'_>) -> Result<(), SoapError> {
    if let Some(Ok(encoding)) = decl.encoding() {
        let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
        if !matches!(encoding.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
            return Err(SoapError::Malformed(format!(
                "unsupported encoding '{encoding}': only UTF-8 is accepted"
            )));
        }
    }
    Ok(())
}

/// Between the SOAP structural elements only whitespace, comments and
/// processing instructions may appear.
fn check_ignorable(event: &Event<'_>, place: &str) -> Result<(), SoapError> {
    match event {
        Event::Text(t) if is_blank(t) => Ok(()),
        Event::Comment(_) | Event::PI(_) => Ok(()),
        Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
            Err(SoapError::NotSoap(format!("unexpected text in {place}")))
        }
        _ => Err(SoapError::NotSoap(format!("unexpected content in {place}"))),
    }
}

/// `depth + 1`, unless the nesting gets too deep. Depths inside Header and
/// the payload are counted from there, so the limit is a bit larger than
/// `MAX_DEPTH` for the whole document.
fn deeper(depth: usize) -> Result<usize, SoapError> {
    if depth < MAX_DEPTH {
        Ok(depth + 1)
    } else {
        Err(SoapError::Malformed(format!(
            "elements are nested more than {MAX_DEPTH} levels deep"
        )))
    }
}

fn is_blank(t: &[u8]) -> bool {
    t.iter().all(u8::is_ascii_whitespace)
}

fn unexpected_eof() -> SoapError {
    SoapError::Malformed("unexpected end of the message: some elements are not closed".into())
}

fn not_envelope(ns: Option<&str>, local: &str) -> SoapError {
    if local == "Envelope" && ns == Some(NS_SOAP12) {
        SoapError::NotSoap(format!(
            "SOAP 1.2 is not supported: use a SOAP 1.1 Envelope ({NS_SOAP11})"
        ))
    } else {
        SoapError::NotSoap(format!(
            "the root element is {}, not a SOAP 1.1 Envelope ({NS_SOAP11})",
            display_name(ns, local)
        ))
    }
}

/// `{namespace}local` (Clark notation) or just `local`.
pub(crate) fn display_name(ns: Option<&str>, local: &str) -> String {
    match ns {
        Some(ns) => format!("{{{ns}}}{local}"),
        None => local.to_string(),
    }
}

/// Writes `<?xml ...?><soapenv:Envelope ...><soapenv:Body>` + body + closing tags.
/// `with_pafn` also declares the `pafn` prefix for the paForNode namespace.
pub(crate) fn write_envelope<F>(with_pafn: bool, body: F) -> Result<Vec<u8>, String>
where
    F: FnOnce(&mut Writer<Vec<u8>>) -> Result<(), String>,
{
    let mut writer = Writer::new(Vec::with_capacity(1024));
    let io = |e: std::io::Error| e.to_string();
    writer
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    let mut envelope = BytesStart::new("soapenv:Envelope");
    envelope.push_attribute(("xmlns:soapenv", NS_SOAP11));
    if with_pafn {
        envelope.push_attribute(("xmlns:pafn", NS_PAFN));
    }
    writer.write_event(Event::Start(envelope)).map_err(io)?;
    writer
        .write_event(Event::Start(BytesStart::new("soapenv:Body")))
        .map_err(io)?;
    body(&mut writer)?;
    writer
        .write_event(Event::End(BytesEnd::new("soapenv:Body")))
        .map_err(io)?;
    writer
        .write_event(Event::End(BytesEnd::new("soapenv:Envelope")))
        .map_err(io)?;
    Ok(writer.into_inner())
}
