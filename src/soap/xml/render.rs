//! Outgoing messages: SOAP 1.1 envelopes with a `pafn:`-prefixed response
//! element and unqualified children (no default namespace anywhere).

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use xsd_parser_types::quick_xml::SerializeSync;

use super::envelope::write_envelope;
use super::generated::{
    CtFaultBeanType, PaDemandPaymentNoticeResponse, PaGetPaymentRes, PaGetPaymentV2Response,
    PaSendRtRes, PaSendRtv2Response, PaVerifyPaymentNoticeRes, StOutcomeType,
};
use super::{Operation, SoapResponse};

/// A response that cannot be written as XML (e.g. a value with characters
/// that XML 1.0 does not allow).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not render the SOAP response: {0}")]
pub struct RenderError(pub String);

/// Renders a response envelope, or an error if the response holds values that
/// cannot be written as XML.
pub fn try_render_response(response: &SoapResponse) -> Result<Vec<u8>, RenderError> {
    let name = format!("pafn:{}", response.operation().response_element());
    let xml = write_envelope(true, |w| {
        let result = match response {
            SoapResponse::VerifyPaymentNotice(r) => r.serialize(&name, w),
            SoapResponse::GetPayment(r) => r.serialize(&name, w),
            SoapResponse::GetPaymentV2(r) => r.serialize(&name, w),
            SoapResponse::SendRt(r) => r.serialize(&name, w),
            SoapResponse::SendRtV2(r) => r.serialize(&name, w),
            SoapResponse::DemandPaymentNotice(r) => r.serialize(&name, w),
        };
        result.map_err(|e| e.to_string())
    })
    .map_err(RenderError)?;
    check_xml_chars(&xml)?;
    Ok(xml)
}

/// Renders the response for `op` as a full SOAP 1.1 envelope:
/// `<soapenv:Envelope xmlns:soapenv=".." xmlns:pafn=".."><soapenv:Body><pafn:paXxxRes><outcome>OK</outcome>...`.
///
/// Never fails: if `response` is for another operation, or cannot be written
/// as XML, the error is logged and a schema-valid KO (`PAA_SYSTEM_ERROR`) for
/// `op` is returned instead.
pub fn render_response(op: Operation, response: &SoapResponse) -> Vec<u8> {
    if response.operation() != op {
        log::error!(
            "SOAP response for {} rendered as a reply to {op}",
            response.operation()
        );
        return ko_response(
            op,
            "PAA_SYSTEM_ERROR",
            "Errore generico.",
            "",
            Some("internal error"),
        );
    }
    try_render_response(response).unwrap_or_else(|e| {
        log::error!("{op}: {e}");
        ko_response(
            op,
            "PAA_SYSTEM_ERROR",
            "Errore generico.",
            "",
            Some("internal error"),
        )
    })
}

/// A schema-valid KO response for `op`: `outcome=KO` and a fault bean with
/// `faultCode`, `faultString`, `id` (the EC's idPA, by convention) and an
/// optional `description`. Characters that XML cannot carry are replaced.
pub fn ko_response(
    op: Operation,
    fault_code: &str,
    fault_string: &str,
    id: &str,
    description: Option<&str>,
) -> Vec<u8> {
    let fault = Some(CtFaultBeanType::new(
        &xml_safe(fault_code),
        &xml_safe(fault_string),
        &xml_safe(id),
        description.map(xml_safe).as_deref(),
    ));
    let outcome = StOutcomeType::Ko;
    let response = match op {
        Operation::VerifyPaymentNotice => {
            SoapResponse::VerifyPaymentNotice(PaVerifyPaymentNoticeRes {
                outcome,
                fault,
                payment_list: None,
                payment_description: None,
                fiscal_code_pa: None,
                company_name: None,
                office_name: None,
            })
        }
        Operation::GetPayment => SoapResponse::GetPayment(PaGetPaymentRes {
            outcome,
            fault,
            data: None,
        }),
        Operation::GetPaymentV2 => SoapResponse::GetPaymentV2(PaGetPaymentV2Response {
            outcome,
            fault,
            data: None,
        }),
        Operation::SendRt => SoapResponse::SendRt(PaSendRtRes { outcome, fault }),
        Operation::SendRtV2 => SoapResponse::SendRtV2(PaSendRtv2Response { outcome, fault }),
        Operation::DemandPaymentNotice => {
            SoapResponse::DemandPaymentNotice(PaDemandPaymentNoticeResponse {
                outcome,
                fault,
                qr_code: None,
                payment_list: None,
                payment_description: None,
                fiscal_code_pa: None,
                company_name: None,
                office_name: None,
            })
        }
    };
    try_render_response(&response).unwrap_or_else(|e| {
        log::error!("{op}: {e}");
        soap_fault("Server", "internal error")
    })
}

/// A plain SOAP 1.1 Fault envelope, for messages whose operation is unknown:
/// `<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>..</faultstring></soapenv:Fault>`.
///
/// `fault_code` is a SOAP 1.1 fault code: `Client`, `Server`, `VersionMismatch`,
/// `MustUnderstand` (optionally dot-extended, e.g. `Client.Xml`, with or without
/// a `soapenv:` prefix) get the `soapenv:` prefix; other codes are written
/// unqualified.
pub fn soap_fault(fault_code: &str, message: &str) -> Vec<u8> {
    let local = fault_code
        .rsplit_once(':')
        .map_or(fault_code, |(_, local)| local);
    let head = local.split('.').next().unwrap_or_default();
    let code = if matches!(
        head,
        "VersionMismatch" | "MustUnderstand" | "Client" | "Server"
    ) {
        format!("soapenv:{local}")
    } else {
        local.to_string()
    };
    let code = xml_safe(&code);
    let message = xml_safe(message);
    write_envelope(false, |w| {
        let io = |e: std::io::Error| e.to_string();
        w.write_event(Event::Start(BytesStart::new("soapenv:Fault")))
            .map_err(io)?;
        for (name, value) in [
            ("faultcode", code.as_str()),
            ("faultstring", message.as_str()),
        ] {
            w.write_event(Event::Start(BytesStart::new(name)))
                .map_err(io)?;
            w.write_event(Event::Text(BytesText::new(value)))
                .map_err(io)?;
            w.write_event(Event::End(BytesEnd::new(name))).map_err(io)?;
        }
        w.write_event(Event::End(BytesEnd::new("soapenv:Fault")))
            .map_err(io)
    })
    .expect("writing to a Vec cannot fail")
}

/// Characters allowed in XML 1.0 documents.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Replaces characters XML cannot carry with U+FFFD, and breaks up `]]>`
/// (which the generated serializer refuses).
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect::<String>()
        .replace("]]>", "]] >")
}

fn check_xml_chars(xml: &[u8]) -> Result<(), RenderError> {
    let text = std::str::from_utf8(xml).map_err(|e| RenderError(e.to_string()))?;
    match text.chars().find(|c| !is_xml_char(*c)) {
        Some(c) => Err(RenderError(format!(
            "character U+{:04X} is not allowed in XML",
            c as u32
        ))),
        None => Ok(()),
    }
}
