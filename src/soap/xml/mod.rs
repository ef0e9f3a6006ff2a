//! XML/SOAP layer of the paForNode interface (the Nodo calls the EC).
//!
//! * [`parse_request`]: SOAP 1.1 envelope bytes (+ optional `SOAPAction` header)
//!   → [`ParsedRequest`] (typed [`SoapRequest`] + the Body child as raw XML).
//! * [`render_response`] / [`try_render_response`]: a typed [`SoapResponse`] →
//!   a full SOAP 1.1 envelope (`soapenv:` + `pafn:` prefixes, unqualified children).
//! * [`ko_response`]: `outcome=KO` + fault bean for any operation.
//! * [`soap_fault`]: plain `soapenv:Fault` for messages whose operation is unknown.
//! * [`parse_response`]: the reverse of `render_response` (handy in tests).
//!
//! The payload types are generated at build time from `xsd/paForNode.xsd`
//! (see `build.rs`). Names follow the XSD: element `paSendRTReq` → `PaSendRtReq`,
//! complex type `ctReceipt` → `CtReceiptType`, simple enumerations `stOutcome` →
//! `StOutcomeType`; fields are snake_case. Mapping of XSD types:
//! all amounts (`stAmount`, `stAmountNotZero`) → [`Amount`](crate::domain::Amount)
//! (euro-cents, rendered `12.30`); `xs:date`/`xs:dateTime` → `String`
//! (`2030-12-31`, `2021-10-01T17:48:22`, timezone optional); `xs:base64Binary` →
//! `String` (base64 text as on the wire); `xs:boolean` → `bool`; `xs:int` → `i32`;
//! restricted strings (`stText35`, `stFiscalCodePA`, ...) → `String` (lengths
//! and patterns are *not* enforced by the types: keep values within the XSD
//! limits when building responses). `minOccurs="0"` → `Option<_>`,
//! `maxOccurs>1` → `Vec<_>`. All types derive `Debug, Clone, PartialEq, Eq`.
//!
//! # Generated types (re-exported here)
//!
//! Requests (inside [`SoapRequest`]):
//! * `PaVerifyPaymentNoticeReq { id_pa, id_broker_pa, id_station: String, qr_code: CtQrCodeType }`
//! * `PaGetPaymentReq` and `PaGetPaymentV2Request` (same fields): `{ id_pa, id_broker_pa,
//!   id_station, qr_code, amount: Option<Amount>, payment_note: Option<String>,
//!   transfer_type: Option<StTransferType>, due_date: Option<String> }`
//! * `PaSendRtReq { id_pa, id_broker_pa, id_station, receipt: CtReceiptType }`
//! * `PaSendRtv2Request { id_pa, id_broker_pa, id_station, receipt: CtReceiptV2Type }`
//! * `PaDemandPaymentNoticeRequest { id_pa, id_broker_pa, id_station, id_servizio,
//!   id_soggetto_servizio, dati_specifici_servizio_request: String /* base64 */ }`
//!
//! Responses (inside [`SoapResponse`]); every one starts with
//! `outcome: StOutcomeType` (`Ok` | `Ko`) and `fault: Option<CtFaultBeanType>`:
//! * `PaVerifyPaymentNoticeRes { outcome, fault, payment_list: Option<CtPaymentOptionsDescriptionListPaType>,
//!   payment_description, fiscal_code_pa, company_name, office_name: Option<String> }`
//! * `PaGetPaymentRes { outcome, fault, data: Option<CtPaymentPaType> }`
//! * `PaGetPaymentV2Response { outcome, fault, data: Option<CtPaymentPav2Type> }`
//! * `PaSendRtRes { outcome, fault }`, `PaSendRtv2Response { outcome, fault }`
//! * `PaDemandPaymentNoticeResponse { outcome, fault, qr_code: Option<CtQrCodeType>,
//!   payment_list, payment_description, fiscal_code_pa, company_name, office_name }`
//!
//! Building blocks:
//! * `CtFaultBeanType { fault_code, fault_string, id: String, description: Option<String>,
//!   serial: Option<i32>, original_fault_code, original_fault_string, original_description: Option<String> }`
//!   (`CtFaultBeanType::new(code, string, id, description)` helper)
//! * `CtQrCodeType { fiscal_code, notice_number: String }`
//! * `CtPaymentOptionsDescriptionListPaType { payment_option_description: CtPaymentOptionDescriptionPaType }` (exactly one)
//! * `CtPaymentOptionDescriptionPaType { amount: Amount, options: StAmountOptionType (Eq|Ls|Gt|Any),
//!   due_date: Option<String>, detail_description: Option<String>, all_ccp: bool }`
//! * `CtPaymentPaType` (V1) / `CtPaymentPav2Type` (V2) `{ creditor_reference_id: String, payment_amount: Amount,
//!   due_date: String, retention_date: Option<String>, last_payment: Option<bool>, description: String,
//!   company_name: Option<String> (V1) | String (V2), office_name: Option<String>, debtor: CtSubjectType,
//!   transfer_list: CtTransferListPaType (V1) | CtTransferListPav2Type (V2), metadata: Option<CtMetadataType> }`
//! * `CtTransferListPaType { transfer: Vec<CtTransferPaType> }` (1..5);
//!   `CtTransferPaType { id_transfer: StIdTransferType, transfer_amount: Amount, fiscal_code_pa, iban,
//!   remittance_information, transfer_category: String, metadata: Option<CtMetadataType> }`
//! * `CtTransferListPav2Type { transfer: Vec<CtTransferPav2Type> }`;
//!   `CtTransferPav2Type { id_transfer, transfer_amount, fiscal_code_pa, company_name: Option<String>,
//!   account: CtTransferPav2AccountType, remittance_information, transfer_category, metadata }`
//!   with `CtTransferPav2AccountType::Iban(String) | ::RichiestaMarcaDaBollo(CtRichiestaMarcaDaBolloType)`
//! * `CtRichiestaMarcaDaBolloType { hash_documento: String /* base64, 4..72 */, tipo_bollo: StTipoBolloDigitaleType::_01,
//!   provincia_residenza: String /* [A-Z]{2} */ }`
//! * `StIdTransferType::{_1,_2,_3,_4,_5}` (helpers `from_number(n)`, `number()`)
//! * `CtSubjectType { unique_identifier: CtEntityUniqueIdentifierType, full_name: String, street_name, civic_number,
//!   postal_code, city, state_province_region, country, e_mail: Option<String> }`;
//!   `CtEntityUniqueIdentifierType { entity_unique_identifier_type: StEntityUniqueIdentifierType (F|G),
//!   entity_unique_identifier_value: String }`
//! * `CtMetadataType { map_entry: Vec<CtMapEntryType> }` (1..15), `CtMapEntryType { key, value: String }`
//! * `StTransferType::{Postal, Pagopa}`, `StOutcomeType::{Ok, Ko}`
//!
//! Receipts:
//! * `CtReceiptType { receipt_id, notice_number, fiscal_code: String, outcome: StOutcomeType,
//!   creditor_reference_id: String, payment_amount: Amount, description, company_name: String,
//!   office_name: Option<String>, debtor: CtSubjectType, transfer_list: CtTransferListPaType,
//!   id_psp: String, psp_fiscal_code: Option<String>, psp_partita_iva: Option<String>,
//!   psp_company_name, id_channel, channel_description: String, payer: Option<CtSubjectType>,
//!   payment_method: Option<String>, fee: Option<Amount>, payment_date_time: Option<String>,
//!   application_date: Option<String>, transfer_date: Option<String>, metadata: Option<CtMetadataType>,
//!   stand_in: Option<bool> }`
//! * `CtReceiptV2Type`: the same, except `transfer_list: CtTransferListPaReceiptV2Type`, and after
//!   `payment_method` it has `payment_note: Option<String>, fee, primary_ci_incurred_fee: Option<Amount>,
//!   id_bundle: Option<String>, id_ci_bundle: Option<String>`, then `payment_date_time ... stand_in` as V1.
//! * `CtTransferListPaReceiptV2Type { transfer: Vec<CtTransferPaReceiptV2Type> }`;
//!   `CtTransferPaReceiptV2Type { id_transfer, transfer_amount, fiscal_code_pa, company_name: Option<String>,
//!   account: CtTransferPaReceiptV2AccountType, remittance_information, transfer_category, metadata }`
//!   with `CtTransferPaReceiptV2AccountType::Iban(String) | ::MbdAttachment(String /* base64 */)`
//!
//! # Example
//!
//! ```
//! use gpd_gateway::soap::xml::*;
//!
//! let res = PaVerifyPaymentNoticeRes {
//!     outcome: StOutcomeType::Ok,
//!     fault: None,
//!     payment_list: Some(CtPaymentOptionsDescriptionListPaType {
//!         payment_option_description: CtPaymentOptionDescriptionPaType {
//!             amount: Amount::from_cents(12050).unwrap(),
//!             options: StAmountOptionType::Eq,
//!             due_date: Some("2030-12-31".into()),
//!             detail_description: Some("Refuse tax".into()),
//!             all_ccp: false,
//!         },
//!     }),
//!     payment_description: Some("Refuse tax 2030".into()),
//!     fiscal_code_pa: Some("77777777777".into()),
//!     company_name: Some("Comune di Esempio".into()),
//!     office_name: None,
//! };
//! let op = Operation::VerifyPaymentNotice;
//! let body: Vec<u8> = render_response(op, &SoapResponse::VerifyPaymentNotice(res));
//! let text = String::from_utf8(body).unwrap();
//! assert!(text.contains("<pafn:paVerifyPaymentNoticeRes><outcome>OK</outcome><paymentList>"));
//! assert!(text.contains("<amount>120.50</amount>"));
//! ```

mod envelope;
mod facets;
pub mod generated;
pub mod receipt;
mod render;
#[cfg(test)]
mod tests;

use std::fmt;

use xsd_parser_types::quick_xml::{
    DeserializeStrError, DeserializeSync, Error as XmlError, ErrorKind, Event, SliceReader,
    WithDeserializer, XmlReader,
};

use crate::domain::money::AmountError;

pub use envelope::{NS_PAFN, NS_SOAP11};
pub use generated::{
    CtEntityUniqueIdentifierType, CtFaultBeanType, CtMapEntryType, CtMetadataType,
    CtPaymentOptionDescriptionPaType, CtPaymentOptionsDescriptionListPaType, CtPaymentPaType,
    CtPaymentPav2Type, CtQrCodeType, CtReceiptType, CtReceiptV2Type, CtRichiestaMarcaDaBolloType,
    CtSubjectType, CtTransferListPaReceiptV2Type, CtTransferListPaType, CtTransferListPav2Type,
    CtTransferPaReceiptV2AccountType, CtTransferPaReceiptV2Type, CtTransferPaType,
    CtTransferPav2AccountType, CtTransferPav2Type, PaDemandPaymentNoticeRequest,
    PaDemandPaymentNoticeResponse, PaGetPaymentReq, PaGetPaymentRes, PaGetPaymentV2Request,
    PaGetPaymentV2Response, PaSendRtReq, PaSendRtRes, PaSendRtv2Request, PaSendRtv2Response,
    PaVerifyPaymentNoticeReq, PaVerifyPaymentNoticeRes, StAmountOptionType,
    StEntityUniqueIdentifierType, StIdTransferType, StOutcomeType, StTipoBolloDigitaleType,
    StTransferType,
};
pub use render::{ko_response, render_response, soap_fault, try_render_response, RenderError};

pub use crate::domain::Amount;

/// The six paForNode operations this EC implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    VerifyPaymentNotice,
    GetPayment,
    GetPaymentV2,
    SendRt,
    SendRtV2,
    DemandPaymentNotice,
}

impl Operation {
    /// All operations.
    pub const ALL: [Operation; 6] = [
        Operation::VerifyPaymentNotice,
        Operation::GetPayment,
        Operation::GetPaymentV2,
        Operation::SendRt,
        Operation::SendRtV2,
        Operation::DemandPaymentNotice,
    ];

    /// The WSDL `soapAction` (= operation name), e.g. `paGetPayment`.
    pub fn soap_action(&self) -> &'static str {
        match self {
            Operation::VerifyPaymentNotice => "paVerifyPaymentNotice",
            Operation::GetPayment => "paGetPayment",
            Operation::GetPaymentV2 => "paGetPaymentV2",
            Operation::SendRt => "paSendRT",
            Operation::SendRtV2 => "paSendRTV2",
            Operation::DemandPaymentNotice => "paDemandPaymentNotice",
        }
    }

    /// Local name of the request element, e.g. `paGetPaymentReq`.
    pub fn request_element(&self) -> &'static str {
        match self {
            Operation::VerifyPaymentNotice => "paVerifyPaymentNoticeReq",
            Operation::GetPayment => "paGetPaymentReq",
            Operation::GetPaymentV2 => "paGetPaymentV2Request",
            Operation::SendRt => "paSendRTReq",
            Operation::SendRtV2 => "paSendRTV2Request",
            Operation::DemandPaymentNotice => "paDemandPaymentNoticeRequest",
        }
    }

    /// Local name of the response element, e.g. `paGetPaymentRes`.
    pub fn response_element(&self) -> &'static str {
        match self {
            Operation::VerifyPaymentNotice => "paVerifyPaymentNoticeRes",
            Operation::GetPayment => "paGetPaymentRes",
            Operation::GetPaymentV2 => "paGetPaymentV2Response",
            Operation::SendRt => "paSendRTRes",
            Operation::SendRtV2 => "paSendRTV2Response",
            Operation::DemandPaymentNotice => "paDemandPaymentNoticeResponse",
        }
    }

    /// Parses a `SOAPAction` header value: surrounding whitespace and one pair
    /// of double quotes are ignored (`"paGetPayment"` and `paGetPayment` both work).
    pub fn from_soap_action(value: &str) -> Option<Self> {
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value)
            .trim();
        Self::ALL.into_iter().find(|op| op.soap_action() == value)
    }

    /// The operation whose request element has this local name.
    pub fn from_request_element(local_name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.request_element() == local_name)
    }

    /// The operation whose response element has this local name.
    pub fn from_response_element(local_name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.response_element() == local_name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.soap_action())
    }
}

/// A parsed paForNode request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoapRequest {
    VerifyPaymentNotice(PaVerifyPaymentNoticeReq),
    GetPayment(PaGetPaymentReq),
    GetPaymentV2(PaGetPaymentV2Request),
    SendRt(PaSendRtReq),
    SendRtV2(PaSendRtv2Request),
    DemandPaymentNotice(PaDemandPaymentNoticeRequest),
}

/// Applies the same expression to the payload of every [`SoapRequest`] variant.
macro_rules! each_request {
    ($value:expr, $r:ident => $body:expr) => {
        match $value {
            SoapRequest::VerifyPaymentNotice($r) => $body,
            SoapRequest::GetPayment($r) => $body,
            SoapRequest::GetPaymentV2($r) => $body,
            SoapRequest::SendRt($r) => $body,
            SoapRequest::SendRtV2($r) => $body,
            SoapRequest::DemandPaymentNotice($r) => $body,
        }
    };
}

impl SoapRequest {
    pub fn operation(&self) -> Operation {
        match self {
            SoapRequest::VerifyPaymentNotice(_) => Operation::VerifyPaymentNotice,
            SoapRequest::GetPayment(_) => Operation::GetPayment,
            SoapRequest::GetPaymentV2(_) => Operation::GetPaymentV2,
            SoapRequest::SendRt(_) => Operation::SendRt,
            SoapRequest::SendRtV2(_) => Operation::SendRtV2,
            SoapRequest::DemandPaymentNotice(_) => Operation::DemandPaymentNotice,
        }
    }

    /// `idPA`: the creditor institution's fiscal code.
    pub fn id_pa(&self) -> &str {
        each_request!(self, r => &r.id_pa)
    }

    /// `idBrokerPA`: the intermediary.
    pub fn id_broker_pa(&self) -> &str {
        each_request!(self, r => &r.id_broker_pa)
    }

    /// `idStation`, e.g. `77777777777_01`.
    pub fn id_station(&self) -> &str {
        each_request!(self, r => &r.id_station)
    }

    /// `qrCode` (verify and get-payment requests only).
    pub fn qr_code(&self) -> Option<&CtQrCodeType> {
        match self {
            SoapRequest::VerifyPaymentNotice(r) => Some(&r.qr_code),
            SoapRequest::GetPayment(r) => Some(&r.qr_code),
            SoapRequest::GetPaymentV2(r) => Some(&r.qr_code),
            _ => None,
        }
    }
}

/// A response to render with [`render_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoapResponse {
    VerifyPaymentNotice(PaVerifyPaymentNoticeRes),
    GetPayment(PaGetPaymentRes),
    GetPaymentV2(PaGetPaymentV2Response),
    SendRt(PaSendRtRes),
    SendRtV2(PaSendRtv2Response),
    DemandPaymentNotice(PaDemandPaymentNoticeResponse),
}

impl SoapResponse {
    pub fn operation(&self) -> Operation {
        match self {
            SoapResponse::VerifyPaymentNotice(_) => Operation::VerifyPaymentNotice,
            SoapResponse::GetPayment(_) => Operation::GetPayment,
            SoapResponse::GetPaymentV2(_) => Operation::GetPaymentV2,
            SoapResponse::SendRt(_) => Operation::SendRt,
            SoapResponse::SendRtV2(_) => Operation::SendRtV2,
            SoapResponse::DemandPaymentNotice(_) => Operation::DemandPaymentNotice,
        }
    }

    /// `outcome` of the response.
    pub fn outcome(&self) -> &StOutcomeType {
        match self {
            SoapResponse::VerifyPaymentNotice(r) => &r.outcome,
            SoapResponse::GetPayment(r) => &r.outcome,
            SoapResponse::GetPaymentV2(r) => &r.outcome,
            SoapResponse::SendRt(r) => &r.outcome,
            SoapResponse::SendRtV2(r) => &r.outcome,
            SoapResponse::DemandPaymentNotice(r) => &r.outcome,
        }
    }

    /// `fault` bean of the response (KO only).
    pub fn fault(&self) -> Option<&CtFaultBeanType> {
        match self {
            SoapResponse::VerifyPaymentNotice(r) => r.fault.as_ref(),
            SoapResponse::GetPayment(r) => r.fault.as_ref(),
            SoapResponse::GetPaymentV2(r) => r.fault.as_ref(),
            SoapResponse::SendRt(r) => r.fault.as_ref(),
            SoapResponse::SendRtV2(r) => r.fault.as_ref(),
            SoapResponse::DemandPaymentNotice(r) => r.fault.as_ref(),
        }
    }
}

/// Result of [`parse_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRequest {
    pub request: SoapRequest,
    /// The SOAP Body child exactly as received (sliced from the message), with
    /// the namespace declarations of Envelope/Body that it did not redeclare
    /// copied onto its start tag, so it is a standalone XML document (for
    /// storing receipts as raw XML).
    pub payload_xml: String,
}

/// Why a message was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoapError {
    /// Not well-formed XML, not UTF-8, or containing a DOCTYPE.
    #[error("the message is not well-formed XML: {0}")]
    Malformed(String),
    /// Well-formed XML but not a SOAP 1.1 Envelope with one Body element.
    #[error("the message is not a SOAP 1.1 envelope: {0}")]
    NotSoap(String),
    /// The Body element or the SOAPAction header names no paForNode operation.
    #[error("unknown operation: {0}")]
    UnknownOperation(String),
    /// The SOAPAction header names a different operation than the Body element.
    #[error("the SOAPAction header '{header}' does not match the SOAP Body element '{body}'")]
    ActionMismatch { header: String, body: String },
    /// The operation is known but its payload does not match the XSD.
    #[error("the {operation} message does not match the paForNode schema: {detail}")]
    SchemaInvalid {
        operation: Operation,
        detail: String,
    },
}

impl SoapError {
    /// The operation, when it could be determined (only for `SchemaInvalid`).
    pub fn operation(&self) -> Option<Operation> {
        match self {
            SoapError::SchemaInvalid { operation, .. } => Some(*operation),
            _ => None,
        }
    }
}

/// Parses a paForNode SOAP 1.1 request.
///
/// `soap_action` is the HTTP `SOAPAction` header, if any (quotes allowed). When
/// present and not empty it must name the same operation as the Body element;
/// otherwise the operation is taken from the Body element (local name + the
/// paForNode namespace, any prefix).
pub fn parse_request(body: &[u8], soap_action: Option<&str>) -> Result<ParsedRequest, SoapError> {
    let child = envelope::extract_body_child(body)?;
    let in_pafn = child.namespace.as_deref() == Some(NS_PAFN);
    let body_op = if in_pafn {
        Operation::from_request_element(&child.local_name)
    } else {
        None
    };

    let operation = body_op.ok_or_else(|| unknown_body_element(&child, true))?;
    if let Some(element) = &child.qualified_descendant {
        return Err(SoapError::SchemaInvalid {
            operation,
            detail: format!(
                "element {element} is not allowed: the elements inside {} have no namespace \
                 (the schema's elementFormDefault is unqualified)",
                child.local_name
            ),
        });
    }
    let header = soap_action
        .map(str::trim)
        .filter(|h| !h.is_empty() && *h != "\"\"");
    if let Some(header) = header {
        let header_op = Operation::from_soap_action(header).ok_or_else(|| {
            SoapError::UnknownOperation(format!(
                "SOAPAction '{header}' is not a paForNode operation"
            ))
        })?;
        if header_op != operation {
            return Err(SoapError::ActionMismatch {
                header: header.to_string(),
                body: child.local_name,
            });
        }
    }

    let request = match operation {
        Operation::VerifyPaymentNotice => {
            SoapRequest::VerifyPaymentNotice(deserialize(operation, &child.xml)?)
        }
        Operation::GetPayment => SoapRequest::GetPayment(deserialize(operation, &child.xml)?),
        Operation::GetPaymentV2 => SoapRequest::GetPaymentV2(deserialize(operation, &child.xml)?),
        Operation::SendRt => SoapRequest::SendRt(deserialize(operation, &child.xml)?),
        Operation::SendRtV2 => SoapRequest::SendRtV2(deserialize(operation, &child.xml)?),
        Operation::DemandPaymentNotice => {
            SoapRequest::DemandPaymentNotice(deserialize(operation, &child.xml)?)
        }
    };
    facets::check_request(&request)
        .map_err(|detail| SoapError::SchemaInvalid { operation, detail })?;
    Ok(ParsedRequest {
        request,
        payload_xml: child.xml,
    })
}

/// Parses a paForNode SOAP 1.1 response envelope (as produced by
/// [`render_response`] or [`ko_response`]). Mostly useful in tests.
pub fn parse_response(body: &[u8]) -> Result<SoapResponse, SoapError> {
    let child = envelope::extract_body_child(body)?;
    let operation = (child.namespace.as_deref() == Some(NS_PAFN))
        .then(|| Operation::from_response_element(&child.local_name))
        .flatten()
        .ok_or_else(|| unknown_body_element(&child, false))?;
    Ok(match operation {
        Operation::VerifyPaymentNotice => {
            SoapResponse::VerifyPaymentNotice(deserialize(operation, &child.xml)?)
        }
        Operation::GetPayment => SoapResponse::GetPayment(deserialize(operation, &child.xml)?),
        Operation::GetPaymentV2 => SoapResponse::GetPaymentV2(deserialize(operation, &child.xml)?),
        Operation::SendRt => SoapResponse::SendRt(deserialize(operation, &child.xml)?),
        Operation::SendRtV2 => SoapResponse::SendRtV2(deserialize(operation, &child.xml)?),
        Operation::DemandPaymentNotice => {
            SoapResponse::DemandPaymentNotice(deserialize(operation, &child.xml)?)
        }
    })
}

fn unknown_body_element(child: &envelope::BodyChild, request: bool) -> SoapError {
    let kind = if request { "request" } else { "response" };
    let name = envelope::display_name(child.namespace.as_deref(), &child.local_name);
    if child.namespace.as_deref() == Some(NS_PAFN) {
        SoapError::UnknownOperation(format!(
            "{} is not a paForNode {kind} element",
            child.local_name
        ))
    } else {
        SoapError::UnknownOperation(format!(
            "the SOAP Body element {name} is not a paForNode {kind}: expected an element in namespace {NS_PAFN}"
        ))
    }
}

/// Runs the generated deserializer on a standalone payload document.
fn deserialize<T: WithDeserializer>(operation: Operation, xml: &str) -> Result<T, SoapError> {
    let mut reader = SliceReader::new(xml).with_error_info();
    T::deserialize(&mut reader).map_err(|e| SoapError::SchemaInvalid {
        operation,
        detail: describe(&e),
    })
}

/// Plain-words description of a deserializer error.
fn describe(error: &XmlError) -> String {
    let what = match &error.kind {
        ErrorKind::MissingElement(name) => format!("required element {name} is missing"),
        ErrorKind::DuplicateElement(name) => format!("element {name} appears more than once"),
        ErrorKind::UnexpectedAttribute(name) => format!("attribute {name} is not allowed"),
        ErrorKind::UnknownOrInvalidValue(value) => format!("invalid value {value}"),
        ErrorKind::InsufficientSize { min, max, actual } => match max {
            Some(max) => format!("an element occurs {actual} times, expected {min} to {max}"),
            None => format!("an element occurs {actual} times, expected at least {min}"),
        },
        ErrorKind::UnexpectedEvent(Event::Start(e) | Event::Empty(e)) => format!(
            "unexpected element <{}>: it is unknown, out of order, repeated or in a foreign namespace, or a required element before it is missing",
            String::from_utf8_lossy(e.name().as_ref())
        ),
        ErrorKind::UnexpectedEvent(Event::End(e)) => {
            format!("element <{}> ended too early", String::from_utf8_lossy(e.name().as_ref()))
        }
        ErrorKind::UnexpectedEvent(Event::Text(t)) => {
            format!("unexpected text \"{}\"", String::from_utf8_lossy(t.as_ref()).trim().escape_debug())
        }
        ErrorKind::UnexpectedEvent(_) => "unexpected content".to_string(),
        ErrorKind::UnexpectedEoF | ErrorKind::UnexpectedEoL => "the element ended too early".to_string(),
        ErrorKind::Custom(inner) => match inner.downcast_ref::<DeserializeStrError<AmountError>>() {
            Some(e) => format!("invalid amount \"{}\": {}", e.value.escape_debug(), e.error),
            None => inner.to_string(),
        },
        other => other.to_string(),
    };
    match error.elements.as_deref() {
        Some(path) if !path.is_empty() => format!("{what} (at {})", path.join("/")),
        _ => what,
    }
}

impl StIdTransferType {
    /// `idTransfer` from its number (1 to 5).
    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(Self::_1),
            2 => Some(Self::_2),
            3 => Some(Self::_3),
            4 => Some(Self::_4),
            5 => Some(Self::_5),
            _ => None,
        }
    }

    /// The number of this `idTransfer` (1 to 5).
    pub fn number(&self) -> u8 {
        match self {
            Self::_1 => 1,
            Self::_2 => 2,
            Self::_3 => 3,
            Self::_4 => 4,
            Self::_5 => 5,
        }
    }
}

impl CtFaultBeanType {
    /// A fault bean with the mandatory fields and an optional description.
    pub fn new(fault_code: &str, fault_string: &str, id: &str, description: Option<&str>) -> Self {
        Self {
            fault_code: fault_code.to_string(),
            fault_string: fault_string.to_string(),
            id: id.to_string(),
            description: description.map(str::to_string),
            serial: None,
            original_fault_code: None,
            original_fault_string: None,
            original_description: None,
        }
    }
}
