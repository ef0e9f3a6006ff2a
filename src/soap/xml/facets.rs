//! XSD facets that the generated types do not enforce (they map the restricted
//! string types to plain `String`). Checked on incoming requests, for the fields
//! used to find and route a payment: identifiers, fiscal codes, notice numbers
//! and the transfer list of receipts. Text values were already trimmed by the
//! generated deserializer.

use super::generated::{
    CtQrCodeType, CtReceiptType, CtReceiptV2Type, CtSubjectType, PaDemandPaymentNoticeRequest,
};
use super::receipt::ReceiptFields;
use super::SoapRequest;

type Check = Result<(), String>;

/// Returns a plain-words description of the first facet violation.
pub(crate) fn check_request(request: &SoapRequest) -> Check {
    text("idPA", request.id_pa(), 35)?;
    text("idBrokerPA", request.id_broker_pa(), 35)?;
    text("idStation", request.id_station(), 35)?;
    match request {
        SoapRequest::VerifyPaymentNotice(r) => qr_code(&r.qr_code),
        SoapRequest::GetPayment(r) => {
            qr_code(&r.qr_code)?;
            opt_text("paymentNote", r.payment_note.as_deref(), 210)?;
            opt_date("dueDate", r.due_date.as_deref())
        }
        SoapRequest::GetPaymentV2(r) => {
            qr_code(&r.qr_code)?;
            opt_text("paymentNote", r.payment_note.as_deref(), 210)?;
            opt_date("dueDate", r.due_date.as_deref())
        }
        SoapRequest::SendRt(r) => receipt_v1(&r.receipt),
        SoapRequest::SendRtV2(r) => receipt_v2(&r.receipt),
        SoapRequest::DemandPaymentNotice(r) => demand(r),
    }
}

fn qr_code(qr: &CtQrCodeType) -> Check {
    digits("qrCode/fiscalCode", &qr.fiscal_code, 11)?;
    digits("qrCode/noticeNumber", &qr.notice_number, 18)
}

fn demand(r: &PaDemandPaymentNoticeRequest) -> Check {
    exact_len("idServizio", &r.id_servizio, 5)?;
    exact_len("idSoggettoServizio", &r.id_soggetto_servizio, 5)?;
    base64(
        "datiSpecificiServizioRequest",
        &r.dati_specifici_servizio_request,
    )
}

fn receipt_common(r: &impl ReceiptFields) -> Check {
    digits("receipt/noticeNumber", r.notice_number(), 18)?;
    digits("receipt/fiscalCode", r.fiscal_code(), 11)?;
    text("receipt/creditorReferenceId", r.creditor_reference_id(), 35)?;
    text("receipt/description", r.description(), 140)?;
    text("receipt/companyName", r.company_name(), 140)?;
    subject("receipt/debtor", r.debtor())?;
    if let Some(payer) = r.payer() {
        subject("receipt/payer", payer)?;
    }
    text("receipt/idPSP", r.id_psp(), 35)?;
    text("receipt/PSPCompanyName", r.psp_company_name(), 70)?;
    text("receipt/idChannel", r.id_channel(), 35)?;
    text("receipt/channelDescription", r.channel_description(), 35)?;
    let transfers = r.transfers();
    if transfers.is_empty() || transfers.len() > 5 {
        return Err(format!(
            "receipt/transferList must hold 1 to 5 transfers, it has {}",
            transfers.len()
        ));
    }
    for (fiscal_code_pa, remittance, category) in &transfers {
        digits("transfer/fiscalCodePA", fiscal_code_pa, 11)?;
        text("transfer/remittanceInformation", remittance, 140)?;
        text("transfer/transferCategory", category, 140)?;
    }
    opt_date("receipt/applicationDate", r.application_date())?;
    opt_date("receipt/transferDate", r.transfer_date())
}

fn receipt_v1(r: &CtReceiptType) -> Check {
    receipt_common(r)?;
    for t in &r.transfer_list.transfer {
        text("transfer/IBAN", &t.iban, 35)?;
    }
    Ok(())
}

fn receipt_v2(r: &CtReceiptV2Type) -> Check {
    receipt_common(r)
}

fn subject(field: &str, s: &CtSubjectType) -> Check {
    let value = &s.unique_identifier.entity_unique_identifier_value;
    let len = value.chars().count();
    if !(2..=16).contains(&len) {
        return Err(format!(
            "{field}/uniqueIdentifier/entityUniqueIdentifierValue must be 2 to 16 characters long, got {len}"
        ));
    }
    text(&format!("{field}/fullName"), &s.full_name, 70)
}

/// `stTextN`: 1 to `max` characters.
fn text(field: &str, value: &str, max: usize) -> Check {
    let len = value.chars().count();
    if len == 0 {
        Err(format!("{field} must not be empty"))
    } else if len > max {
        Err(format!(
            "{field} must be at most {max} characters long, got {len}"
        ))
    } else {
        Ok(())
    }
}

fn opt_text(field: &str, value: Option<&str>, max: usize) -> Check {
    value.map_or(Ok(()), |v| text(field, v, max))
}

fn exact_len(field: &str, value: &str, len: usize) -> Check {
    let actual = value.chars().count();
    if actual == len {
        Ok(())
    } else {
        Err(format!(
            "{field} must be exactly {len} characters long, got {actual}"
        ))
    }
}

/// `[0-9]{len}`.
fn digits(field: &str, value: &str, len: usize) -> Check {
    if value.len() == len && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{field} must be exactly {len} digits, got \"{}\"",
            value.escape_debug()
        ))
    }
}

/// `xs:date` lexical form `YYYY-MM-DD` with an optional timezone (`Z`, `+hh:mm`).
fn opt_date(field: &str, value: Option<&str>) -> Check {
    let Some(value) = value else { return Ok(()) };
    let b = value.as_bytes();
    let date_ok = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (1..=12).contains(&((b[5] - b'0') * 10 + (b[6] - b'0')))
        && (1..=31).contains(&((b[8] - b'0') * 10 + (b[9] - b'0')));
    let tz = &value[if b.len() >= 10 { 10 } else { 0 }..];
    let tz_ok = tz.is_empty()
        || tz == "Z"
        || (tz.len() == 6
            && matches!(tz.as_bytes()[0], b'+' | b'-')
            && tz.as_bytes()[3] == b':'
            && tz
                .bytes()
                .enumerate()
                .all(|(i, c)| i == 0 || i == 3 || c.is_ascii_digit()));
    if date_ok && tz_ok {
        Ok(())
    } else {
        Err(format!(
            "{field} must be a date like 2030-12-31, got \"{}\"",
            value.escape_debug()
        ))
    }
}

/// `xs:base64Binary`: base64 alphabet, whitespace allowed, padding only at the end.
fn base64(field: &str, value: &str) -> Check {
    let compact: Vec<u8> = value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data_len = compact
        .iter()
        .position(|&b| b == b'=')
        .unwrap_or(compact.len());
    let ok = compact.len().is_multiple_of(4)
        && compact.len() - data_len <= 2
        && compact[data_len..].iter().all(|&b| b == b'=')
        && compact[..data_len]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if ok {
        Ok(())
    } else {
        Err(format!("{field} is not valid base64"))
    }
}
