//! The `datiSpecificiServizioRequest` of paDemandPaymentNotice: base64 of a GeneralService
//! `service` document whose element children are the properties the citizen typed.

/// The payload is not base64, not well-formed XML, has a DTD, or its root is not `service` in
/// the GeneralService namespace (`PAA_SINTASSI_XSD`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PayloadError(pub String);

pub const GENERAL_SERVICE_NS: &str = "http://PuntoAccessoPSP.spcoop.gov.it/GeneralService";

/// The properties `(local name, text)` in document order.
pub fn parse_payload(base64: &str) -> Result<Vec<(String, String)>, PayloadError> {
    let _ = base64;
    Err(PayloadError("not implemented yet".to_owned()))
}
