//! Events an institution receives: what happened to its positions, as versioned JSON documents.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{json, Value};

use super::nodo::Receipt;
use super::position::{Beneficiary, Position, PositionStatus};
use super::time::format_datetime;

/// Version of the JSON documents below; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    PositionCreated,
    PaymentReceived,
    PositionPaid,
    PositionExpired,
    PositionInvalidated,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::PositionCreated,
        EventType::PaymentReceived,
        EventType::PositionPaid,
        EventType::PositionExpired,
        EventType::PositionInvalidated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PositionCreated => "position.created",
            EventType::PaymentReceived => "payment.received",
            EventType::PositionPaid => "position.paid",
            EventType::PositionExpired => "position.expired",
            EventType::PositionInvalidated => "position.invalidated",
        }
    }
}

/// An event to record, in the same transaction as the change it reports.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_id: String,
    pub organization_fiscal_code: String,
    pub event_type: EventType,
    pub iupd: String,
    /// What happened (the document's `data`).
    pub data: Value,
    pub created_at: NaiveDateTime,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'static str,
    schema_version: u32,
    created_at: String,
    organization_fiscal_code: &'a str,
    data: &'a Value,
}

impl NewEvent {
    /// The whole JSON document delivered, stored once so it is identical on every retry.
    pub fn body(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&Document {
            id: &self.event_id,
            event_type: self.event_type.as_str(),
            schema_version: SCHEMA_VERSION,
            created_at: format_datetime(&self.created_at),
            organization_fiscal_code: &self.organization_fiscal_code,
            data: &self.data,
        })
    }
}

fn event(position: &Position, event_type: EventType, data: Value, now: NaiveDateTime) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        organization_fiscal_code: position.organization_fiscal_code.to_string(),
        event_type,
        iupd: position.iupd.to_string(),
        data,
        created_at: now,
    }
}

fn date(value: Option<NaiveDateTime>) -> Value {
    value.map_or(Value::Null, |v| Value::String(format_datetime(&v)))
}

fn position_summary(position: &Position, status: PositionStatus) -> Value {
    json!({
        "iupd": position.iupd.as_str(),
        "status": status.as_str(),
        "paymentDate": date(position.payment_date),
        "companyName": position.company_name,
        "debtor": {"type": position.debtor.kind.as_str(), "fiscalCode": position.debtor.fiscal_code, "fullName": position.debtor.full_name},
        "paymentOptions": position.options.iter().map(|o| json!({
            "iuv": o.iuv.as_str(),
            "nav": o.nav.as_str(),
            "amount": o.amount.cents(),
            "dueDate": format_datetime(&o.due_date),
            "isPartialPayment": o.is_partial_payment,
            "status": o.status.as_str(),
            "paymentDate": date(o.payment.payment_date),
            "idReceipt": o.payment.id_receipt,
        })).collect::<Vec<_>>(),
    })
}

/// `position.created` for a position born from a citizen's demand at a PSP (positions created
/// through the API do not send it: the institution made them). `properties` is what was typed.
pub fn spontaneous_position_created(
    position: &Position,
    service_id: &str,
    properties: &[(String, String)],
    now: NaiveDateTime,
) -> NewEvent {
    let mut data = position_summary(position, position.status_at(now));
    data["origin"] = json!("spontaneous");
    data["serviceId"] = json!(service_id);
    data["properties"] = Value::Object(
        properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    );
    event(position, EventType::PositionCreated, data, now)
}

/// `payment.received`: an option was paid by a receipt of the Nodo.
pub fn payment_received(
    position: &Position,
    receipt: &Receipt,
    now: NaiveDateTime,
) -> Option<NewEvent> {
    let index = position.option_index(receipt.notice_number.as_str())?;
    let option = &position.options[index];
    let transfers: Vec<Value> = option
        .transfers
        .iter()
        .map(|t| {
            let mut v = json!({
                "idTransfer": t.id.to_string(),
                "amount": t.amount.cents(),
                "organizationFiscalCode": t.organization_fiscal_code.as_str(),
                "remittanceInformation": t.remittance_information,
                "category": t.category,
            });
            match &t.beneficiary {
                Beneficiary::Iban { iban, postal_iban } => {
                    v["iban"] = json!(iban);
                    if let Some(p) = postal_iban {
                        v["postalIban"] = json!(p);
                    }
                }
                Beneficiary::Stamp(s) => v["stamp"] = json!({"hashDocument": s.hash_document, "stampType": s.stamp_type, "provincialResidence": s.provincial_residence}),
            }
            v
        })
        .collect();
    let status = position.status_at(now);
    let data = json!({
        "iupd": position.iupd.as_str(),
        "iuv": option.iuv.as_str(),
        "nav": option.nav.as_str(),
        "amount": receipt.payment_amount.cents(),
        "fee": receipt.fee.map(|f| f.cents()),
        "paymentDate": date(receipt.payment_date_time),
        "receiptId": receipt.receipt_id,
        "idPSP": receipt.id_psp,
        "pspCompany": receipt.psp_company,
        "paymentMethod": receipt.payment_method,
        "payer": receipt.payer.as_ref().map(|p| json!({"type": p.kind, "fiscalCode": p.fiscal_code, "fullName": p.full_name, "email": p.email})),
        "debtorFiscalCode": receipt.debtor_id,
        "transfers": transfers,
        "positionStatus": status.as_str(),
    });
    Some(event(position, EventType::PaymentReceived, data, now))
}

/// Events for the status change of a position from `before` to its status now.
pub fn transitions(
    before: PositionStatus,
    position: &Position,
    now: NaiveDateTime,
) -> Vec<NewEvent> {
    let after = position.status_at(now);
    let kind = match after {
        _ if after == before => return Vec::new(),
        PositionStatus::Paid => EventType::PositionPaid,
        PositionStatus::Expired => EventType::PositionExpired,
        PositionStatus::Invalid => EventType::PositionInvalidated,
        _ => return Vec::new(),
    };
    vec![event(
        position,
        kind,
        position_summary(position, after),
        now,
    )]
}
