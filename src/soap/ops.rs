//! The Nodo operations: from a parsed request to a response, through one store call each.

use chrono::NaiveDateTime;

use super::xml::receipt::ReceiptFields;
use super::xml::*;
use crate::domain::nodo::{payable_option, NodoFault, Payer, Receipt, ReceiptStatus};
use crate::domain::{
    self, Beneficiary, DebtorType, Iban, Metadata, NoticeNumber, OrgFiscalCode, PaymentOption,
    Position,
};
use crate::store::receipts::{self, Recorded};
use crate::store::stations::CallerCache;
use crate::store::{positions, DbConnection, StoreError};

/// Metadata key carrying the postal IBAN when the Nodo asks for `transferType=PAGOPA` (V2).
pub const IBAN_APPOGGIO: &str = "IBANAPPOGGIO";

/// What an operation ends in: a response to render, or a fault for that operation.
pub type Outcome = Result<SoapResponse, NodoFault>;

fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "NA".to_owned();
    }
    text.chars().take(max).collect()
}

fn clip_opt<T: AsRef<str>>(text: &Option<T>, max: usize) -> Option<String> {
    text.as_ref()
        .map(|t| t.as_ref().trim())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(max).collect())
}

fn date(value: NaiveDateTime) -> String {
    value.format("%Y-%m-%d").to_string()
}

fn date_time(value: NaiveDateTime) -> String {
    value.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn metadata(entries: &[Metadata]) -> Option<CtMetadataType> {
    (!entries.is_empty()).then(|| CtMetadataType {
        map_entry: entries
            .iter()
            .take(15)
            .map(|m| CtMapEntryType {
                key: clip(&m.key, 140),
                value: clip(&m.value, 140),
            })
            .collect(),
    })
}

/// The option's own debtor (v3) or the position's.
fn debtor(position: &Position, option: &PaymentOption) -> CtSubjectType {
    let d = option.debtor.as_ref().unwrap_or(&position.debtor);
    CtSubjectType {
        unique_identifier: CtEntityUniqueIdentifierType {
            entity_unique_identifier_type: match d.kind {
                DebtorType::Person => StEntityUniqueIdentifierType::F,
                DebtorType::LegalPerson => StEntityUniqueIdentifierType::G,
            },
            entity_unique_identifier_value: d.fiscal_code.to_string(),
        },
        full_name: clip(&d.full_name, 70),
        street_name: clip_opt(&d.address.street_name, 70),
        civic_number: clip_opt(&d.address.civic_number, 16),
        postal_code: clip_opt(&d.address.postal_code, 16),
        city: clip_opt(&d.address.city, 35),
        state_province_region: clip_opt(&d.address.province, 35),
        country: d.address.country.clone().map(String::from),
        e_mail: d.email.clone().map(String::from),
    }
}

fn transfer_id(id: domain::TransferId) -> StIdTransferType {
    StIdTransferType::from_number(id.get()).unwrap_or(StIdTransferType::_1)
}

/// The IBAN a transfer pays to for `transfer_type`, and the IBANAPPOGGIO metadata if any.
fn account(
    iban: &str,
    postal: &Option<Iban>,
    transfer_type: Option<&StTransferType>,
) -> (String, Option<Metadata>) {
    match (transfer_type, postal) {
        (Some(StTransferType::Postal), Some(p)) => (p.to_string(), None),
        (Some(StTransferType::Pagopa), Some(p)) => (
            iban.to_owned(),
            Some(Metadata {
                key: IBAN_APPOGGIO.to_owned(),
                value: p.to_string(),
            }),
        ),
        _ => (iban.to_owned(), None),
    }
}

/// Finds the option for a notice of `id_pa` and checks that the Nodo may collect it.
fn payable(
    conn: &mut DbConnection,
    id_pa: &str,
    qr: &CtQrCodeType,
    now: NaiveDateTime,
) -> Result<Result<(Position, usize), NodoFault>, StoreError> {
    if qr.fiscal_code != id_pa {
        return Ok(Err(NodoFault::Unknown));
    }
    let org = match OrgFiscalCode::parse("idPA", id_pa) {
        Ok(org) => org,
        Err(_) => return Ok(Err(NodoFault::Unknown)),
    };
    let position = match positions::get_by_option(conn, &org, &qr.notice_number) {
        Ok(p) => p,
        Err(StoreError::Domain(domain::DomainError::NotFound(_))) => {
            return Ok(Err(NodoFault::Unknown))
        }
        Err(e) => return Err(e),
    };
    Ok(payable_option(&position, &qr.notice_number, now).map(|i| (position, i)))
}

pub(super) fn verify(position: &Position, option: &PaymentOption) -> PaVerifyPaymentNoticeRes {
    PaVerifyPaymentNoticeRes {
        outcome: StOutcomeType::Ok,
        fault: None,
        payment_list: Some(CtPaymentOptionsDescriptionListPaType {
            payment_option_description: CtPaymentOptionDescriptionPaType {
                amount: option.amount,
                options: StAmountOptionType::Eq,
                due_date: Some(date(option.due_date)),
                detail_description: Some(clip(&option.description, 140)),
                all_ccp: option.all_postal(),
            },
        }),
        payment_description: Some(clip(&option.description, 140)),
        fiscal_code_pa: Some(position.organization_fiscal_code.to_string()),
        company_name: Some(clip(&position.company_name, 140)),
        office_name: clip_opt(&position.office_name, 140),
    }
}

fn data_v1(
    position: &Position,
    option: &PaymentOption,
    transfer_type: Option<&StTransferType>,
) -> Outcome {
    let mut transfers = Vec::with_capacity(option.transfers.len());
    for t in &option.transfers {
        let Beneficiary::Iban { iban, postal_iban } = &t.beneficiary else {
            return Err(NodoFault::Semantic(format!(
                "transfer {} is a digital stamp, which paGetPayment (V1) cannot carry: the station must use paGetPaymentV2",
                t.id
            )));
        };
        let (iban, _) = account(iban, postal_iban, transfer_type);
        transfers.push(CtTransferPaType {
            id_transfer: transfer_id(t.id),
            transfer_amount: t.amount,
            fiscal_code_pa: t.organization_fiscal_code.to_string(),
            iban,
            remittance_information: clip(&t.remittance_information, 140),
            transfer_category: clip(&t.category, 140),
            metadata: metadata(&t.metadata),
        });
    }
    Ok(SoapResponse::GetPayment(PaGetPaymentRes {
        outcome: StOutcomeType::Ok,
        fault: None,
        data: Some(CtPaymentPaType {
            creditor_reference_id: option.iuv.to_string(),
            payment_amount: option.amount,
            due_date: date(option.due_date),
            retention_date: option.retention_date.map(date_time),
            last_payment: Some(false),
            description: clip(&option.description, 140),
            company_name: Some(clip(&position.company_name, 140)),
            office_name: clip_opt(&position.office_name, 140),
            debtor: debtor(position, option),
            transfer_list: CtTransferListPaType {
                transfer: transfers,
            },
            metadata: metadata(&option.metadata),
        }),
    }))
}

fn data_v2(
    position: &Position,
    option: &PaymentOption,
    transfer_type: Option<&StTransferType>,
) -> Outcome {
    let transfers = option
        .transfers
        .iter()
        .map(|t| {
            let mut extra = t.metadata.clone();
            let account = match &t.beneficiary {
                Beneficiary::Iban { iban, postal_iban } => {
                    let (iban, appoggio) = account(iban, postal_iban, transfer_type);
                    extra.extend(appoggio);
                    CtTransferPav2AccountType::Iban(iban)
                }
                Beneficiary::Stamp(s) => {
                    CtTransferPav2AccountType::RichiestaMarcaDaBollo(CtRichiestaMarcaDaBolloType {
                        hash_documento: s.hash_document.to_string(),
                        tipo_bollo: StTipoBolloDigitaleType::_01,
                        provincia_residenza: s.provincial_residence.to_string(),
                    })
                }
            };
            CtTransferPav2Type {
                id_transfer: transfer_id(t.id),
                transfer_amount: t.amount,
                fiscal_code_pa: t.organization_fiscal_code.to_string(),
                company_name: Some(clip(
                    t.company_name.as_deref().unwrap_or(&position.company_name),
                    140,
                )),
                account,
                remittance_information: clip(&t.remittance_information, 140),
                transfer_category: clip(&t.category, 140),
                metadata: metadata(&extra),
            }
        })
        .collect();
    Ok(SoapResponse::GetPaymentV2(PaGetPaymentV2Response {
        outcome: StOutcomeType::Ok,
        fault: None,
        data: Some(CtPaymentPav2Type {
            creditor_reference_id: option.iuv.to_string(),
            payment_amount: option.amount,
            due_date: date(option.due_date),
            retention_date: option.retention_date.map(date_time),
            last_payment: Some(false),
            description: clip(&option.description, 140),
            company_name: clip(&position.company_name, 140),
            office_name: clip_opt(&position.office_name, 140),
            debtor: debtor(position, option),
            transfer_list: CtTransferListPav2Type {
                transfer: transfers,
            },
            metadata: metadata(&option.metadata),
        }),
    }))
}

/// The fields of a receipt the gateway acts on; the rest stays in the stored XML.
fn receipt(version: u8, x: &impl ReceiptFields) -> Result<Receipt, NodoFault> {
    let payment_date_time = match x.payment_date_time() {
        None => None,
        Some(text) => Some(domain::time::parse_datetime(text).ok_or_else(|| {
            NodoFault::Syntax(format!("paymentDateTime '{text}' is not a date-time"))
        })?),
    };
    Ok(Receipt {
        receipt_id: x.receipt_id().to_owned(),
        notice_number: NoticeNumber::parse("noticeNumber", x.notice_number())
            .map_err(|e| NodoFault::Syntax(e.to_string()))?,
        fiscal_code: x.fiscal_code().to_owned(),
        outcome_ok: *x.outcome() == StOutcomeType::Ok,
        creditor_reference_id: x.creditor_reference_id().to_owned(),
        payment_amount: x.payment_amount(),
        fee: x.fee(),
        payment_date_time,
        id_psp: x.id_psp().to_owned(),
        psp_fiscal_code: x.psp_fiscal_code().map(str::to_owned),
        psp_company: x.psp_company_name().to_owned(),
        payment_method: x.payment_method().map(str::to_owned),
        debtor_id: Some(
            x.debtor()
                .unique_identifier
                .entity_unique_identifier_value
                .clone(),
        ),
        payer: x.payer().map(|p| Payer {
            kind: match p.unique_identifier.entity_unique_identifier_type {
                StEntityUniqueIdentifierType::F => "F".to_owned(),
                StEntityUniqueIdentifierType::G => "G".to_owned(),
            },
            fiscal_code: p.unique_identifier.entity_unique_identifier_value.clone(),
            full_name: p.full_name.clone(),
            email: p.e_mail.clone(),
        }),
        version,
    })
}

/// The receipt a paSendRT(V2) carries, checked as the operation does before any database work.
pub fn receipt_of(request: &SoapRequest) -> Option<Result<Receipt, NodoFault>> {
    match request {
        SoapRequest::SendRt(r) => Some(receipt(1, &r.receipt)),
        SoapRequest::SendRtV2(r) => Some(receipt(2, &r.receipt)),
        _ => None,
    }
}

fn send_rt_ok(op: Operation) -> SoapResponse {
    match op {
        Operation::SendRt => SoapResponse::SendRt(PaSendRtRes {
            outcome: StOutcomeType::Ok,
            fault: None,
        }),
        _ => SoapResponse::SendRtV2(PaSendRtv2Response {
            outcome: StOutcomeType::Ok,
            fault: None,
        }),
    }
}

/// Runs one Nodo operation for a request whose caller has been accepted.
pub fn execute(
    conn: &mut DbConnection,
    parsed: &ParsedRequest,
    callers: Option<&CallerCache>,
    now: NaiveDateTime,
) -> Result<Outcome, StoreError> {
    let request = &parsed.request;
    if let Some(callers) = callers {
        if let Err(fault) = callers.check(
            conn,
            request.id_pa(),
            request.id_broker_pa(),
            request.id_station(),
        )? {
            return Ok(Err(fault));
        }
    }
    let id_pa = request.id_pa();
    let outcome = match request {
        SoapRequest::VerifyPaymentNotice(r) => payable(conn, id_pa, &r.qr_code, now)?
            .map(|(p, i)| SoapResponse::VerifyPaymentNotice(verify(&p, &p.options[i]))),
        SoapRequest::GetPayment(r) => payable(conn, id_pa, &r.qr_code, now)?
            .and_then(|(p, i)| data_v1(&p, &p.options[i], r.transfer_type.as_ref())),
        SoapRequest::GetPaymentV2(r) => payable(conn, id_pa, &r.qr_code, now)?
            .and_then(|(p, i)| data_v2(&p, &p.options[i], r.transfer_type.as_ref())),
        SoapRequest::SendRt(_) | SoapRequest::SendRtV2(_) => {
            let Some(parsed_receipt) = receipt_of(request) else {
                unreachable!("receipt operations")
            };
            match parsed_receipt {
                Err(fault) => Err(fault),
                Ok(r) if !r.outcome_ok => Err(NodoFault::Semantic(
                    "receipts are accepted only with outcome OK".to_owned(),
                )),
                Ok(r) => record_receipt(conn, id_pa, &r, &parsed.payload_xml, now)?
                    .map(|()| send_rt_ok(request.operation())),
            }
        }
        // Asynchronous (it may call the institution): see `soap::demand`.
        SoapRequest::DemandPaymentNotice(_) => Err(NodoFault::System),
    };
    Ok(outcome)
}

fn record_receipt(
    conn: &mut DbConnection,
    id_pa: &str,
    receipt: &Receipt,
    document: &str,
    now: NaiveDateTime,
) -> Result<Result<(), NodoFault>, StoreError> {
    let Ok(org) = OrgFiscalCode::parse("idPA", id_pa) else {
        return Ok(Err(NodoFault::UnknownDomain(id_pa.to_owned())));
    };
    let recorded = receipts::record(conn, &org, receipt, document, now)?;
    let status = match &recorded {
        Recorded::New(status, _) | Recorded::Replayed(status) => *status,
    };
    if let Recorded::New(ReceiptStatus::Applied, Some(position)) = &recorded {
        let index = position
            .option_index(receipt.notice_number.as_str())
            .unwrap_or_default();
        if position.options[index].amount != receipt.payment_amount {
            log::warn!(
                "receipt {} pays {} for notice {} whose amount is {}",
                receipt.receipt_id,
                receipt.payment_amount,
                receipt.notice_number,
                position.options[index].amount
            );
        }
    }
    Ok(match status {
        ReceiptStatus::Duplicate => Err(NodoFault::DuplicateReceipt),
        ReceiptStatus::Applied | ReceiptStatus::Unmatched | ReceiptStatus::Secondary => Ok(()),
    })
}
