//! Tests of the XML/SOAP layer: fixtures from pagoPA and hand-written samples
//! (`tests/fixtures/soap/`), negative cases, and rendering validated with
//! xmllint against `xsd/paForNode.xsd`.

use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

mod rejections;
mod rendering;
mod requests;

#[path = "../../../../tests/common/xsd.rs"]
mod xsd;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/soap")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> ParsedRequest {
    parse_request(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse_err(name: &str) -> SoapError {
    match parse_request(&fixture(name), None) {
        Ok(p) => panic!("{name} should be rejected, got {:?}", p.request.operation()),
        Err(e) => e,
    }
}

fn cents(n: i64) -> Amount {
    Amount::from_cents(n).unwrap()
}

/// Wraps a payload in a SOAP 1.1 envelope.
fn envelope(payload: &str) -> Vec<u8> {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pafn="{NS_PAFN}"><soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

const VERIFY_CHILDREN: &str = "<idPA>77777777777</idPA><idBrokerPA>77777777777</idBrokerPA><idStation>77777777777_01</idStation><qrCode><fiscalCode>77777777777</fiscalCode><noticeNumber>302123456789012356</noticeNumber></qrCode>";

fn verify_request(children: &str) -> Vec<u8> {
    envelope(&format!(
        "<pafn:paVerifyPaymentNoticeReq>{children}</pafn:paVerifyPaymentNoticeReq>"
    ))
}

fn assert_schema_invalid(result: Result<ParsedRequest, SoapError>, op: Operation, needle: &str) {
    match result {
        Err(SoapError::SchemaInvalid { operation, detail }) => {
            assert_eq!(operation, op);
            assert!(
                detail.contains(needle),
                "detail {detail:?} should mention {needle:?}"
            );
        }
        other => panic!("expected SchemaInvalid for {op}, got {other:?}"),
    }
}
