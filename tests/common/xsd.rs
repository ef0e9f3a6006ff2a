//! Validates SOAP replies against the official schemas with `xmllint`
//! (Debian package `libxml2-utils`). Without xmllint the checks are skipped
//! with a message on stderr, unless `GPD_REQUIRE_XMLLINT=1` (set by
//! `tests/run`), which makes a missing xmllint a failure.
//!
//! Usable from unit tests (`#[path = "../../../tests/common/xsd.rs"] mod xsd;`)
//! and from integration tests (`#[path = "common/xsd.rs"] mod xsd;`). Only
//! depends on `quick-xml` and the schemas in `xsd/` of this crate.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use quick_xml::events::Event;
use quick_xml::name::{PrefixDeclaration, ResolveResult};
use quick_xml::NsReader;

const NS_SOAP11: &[u8] = b"http://schemas.xmlsoap.org/soap/envelope/";

/// Panics (with xmllint's message) unless the Body child of the SOAP envelope
/// `xml` is valid against `xsd/paForNode.xsd`.
pub fn assert_valid_soap_reply(xml: &[u8]) {
    let payload = soap_body_child(xml)
        .unwrap_or_else(|e| panic!("{e}\n--- reply ---\n{}", String::from_utf8_lossy(xml)));
    assert_valid_payload(&payload);
}

/// Panics (with xmllint's message) unless `payload` (a standalone paForNode
/// element carrying its own namespace declarations) is valid against
/// `xsd/paForNode.xsd`.
pub fn assert_valid_payload(payload: &str) {
    if let Err(e) = xmllint("paForNode.xsd", payload.as_bytes()) {
        panic!("not valid against xsd/paForNode.xsd:\n{e}\n--- payload ---\n{payload}");
    }
}

/// Panics unless `xml` is a valid SOAP 1.1 envelope (`xsd/envelope.xsd`, lax
/// about the Body content): use it for `soapenv:Fault` replies.
pub fn assert_valid_soap_envelope(xml: &[u8]) {
    if let Err(e) = xmllint("envelope.xsd", xml) {
        panic!(
            "not a valid SOAP 1.1 envelope:\n{e}\n--- message ---\n{}",
            String::from_utf8_lossy(xml)
        );
    }
}

/// Runs `xmllint --noout --nonet --schema xsd/<schema> -` on `document`;
/// `Ok` without checking when xmllint is missing and not required.
pub fn xmllint(schema: &str, document: &[u8]) -> Result<(), String> {
    let schema: PathBuf = [env!("CARGO_MANIFEST_DIR"), "xsd", schema].iter().collect();
    xmllint_at(&schema, document).unwrap_or(Ok(()))
}

/// Like [`xmllint`] with a schema given as text (written to a temporary file).
pub fn xmllint_text(schema: &str, document: &[u8]) -> Option<Result<(), String>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("schema.xsd");
    std::fs::write(&path, schema).expect("schema written");
    xmllint_at(&path, document)
}

/// `xmllint --noout --nonet --schema <schema> -` on `document`: `None` when xmllint is missing
/// and not required, else whether the document is valid (with xmllint's message).
pub fn xmllint_at(schema: &std::path::Path, document: &[u8]) -> Option<Result<(), String>> {
    let spawned = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if xmllint_required() {
                panic!("xmllint not installed (apt-get install libxml2-utils), and GPD_REQUIRE_XMLLINT=1 requires it");
            }
            skip_notice();
            return None;
        }
        Err(e) => panic!("cannot run xmllint: {e}"),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(document)
        .expect("write to xmllint");
    let out = child.wait_with_output().expect("xmllint output");
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "xmllint exit status {}:\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        ))
    })
}

fn xmllint_required() -> bool {
    std::env::var("GPD_REQUIRE_XMLLINT").is_ok_and(|v| v == "1")
}

/// Says once per test binary that the XSD checks are skipped. Written to the
/// process's stderr directly, so the test harness does not capture it.
fn skip_notice() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "skipping: xmllint not installed (apt-get install libxml2-utils); SOAP replies are not validated against the XSD"
        );
    });
}

/// The first element inside the SOAP 1.1 Body, as text, with the namespace
/// declarations of its ancestors that it does not redeclare copied onto it.
pub fn soap_body_child(xml: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(xml).map_err(|e| format!("reply is not UTF-8: {e}"))?;
    let mut reader = NsReader::from_str(text);
    let mut path: Vec<(bool, String)> = Vec::new(); // (is SOAP namespace, local name)
    loop {
        let start = reader.buffer_position() as usize;
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("reply is not well-formed: {e}"))?;
        let is_soap = matches!(resolved, ResolveResult::Bound(ns) if ns.as_ref() == NS_SOAP11);
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e)
                if path.len() == 2
                    && path[0] == (true, "Envelope".to_string())
                    && path[1] == (true, "Body".to_string()) =>
            {
                let own: Vec<Vec<u8>> = e
                    .attributes()
                    .flatten()
                    .filter(|a| a.key.as_ref() == b"xmlns" || a.key.as_ref().starts_with(b"xmlns:"))
                    .map(|a| a.key.as_ref().to_vec())
                    .collect();
                // Bindings in scope now include the payload's own declarations;
                // only copy those it does not declare itself.
                let mut decls = String::new();
                for (prefix, ns) in reader.resolver().bindings() {
                    let attr = match prefix {
                        PrefixDeclaration::Default => "xmlns".to_string(),
                        PrefixDeclaration::Named(p) => {
                            format!("xmlns:{}", String::from_utf8_lossy(p))
                        }
                    };
                    if !own.iter().any(|o| o.as_slice() == attr.as_bytes()) {
                        decls.push_str(&format!(
                            " {attr}=\"{}\"",
                            String::from_utf8_lossy(ns.as_ref())
                        ));
                    }
                }
                let name_end = start + 1 + e.name().as_ref().len();
                let mut depth = usize::from(!is_empty);
                while depth > 0 {
                    match reader
                        .read_event()
                        .map_err(|e| format!("reply is not well-formed: {e}"))?
                    {
                        Event::Start(_) => depth += 1,
                        Event::End(_) => depth -= 1,
                        Event::Eof => return Err("reply ends inside the Body element".into()),
                        _ => {}
                    }
                }
                let end = reader.buffer_position() as usize;
                return Ok(format!(
                    "{}{decls}{}",
                    &text[start..name_end],
                    &text[name_end..end]
                ));
            }
            Event::Start(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                path.push((is_soap, local));
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => return Err("no element inside a SOAP 1.1 Envelope/Body".into()),
            _ => {}
        }
    }
}
