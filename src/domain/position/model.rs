//! The aggregate's data: position -> payment options -> transfers, and the input that builds it.

use chrono::NaiveDateTime;

use super::kinds::{DebtorType, OptionStatus, PositionStatus, TransferStatus};
use crate::domain::ids::{Iupd, Iuv, NoticeNumber, OrgFiscalCode, TransferId};
use crate::domain::money::Amount;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    pub kind: DebtorType,
    pub fiscal_code: String,
    pub full_name: String,
    pub street_name: Option<String>,
    pub civic_number: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub hash_document: String,
    pub stamp_type: String,
    pub provincial_residence: String,
}

/// Where a transfer's money goes: a bank (and optionally postal) account, or a digital stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beneficiary {
    Iban {
        iban: String,
        postal_iban: Option<String>,
    },
    Stamp(Stamp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferInput {
    pub id: TransferId,
    pub amount: Amount,
    pub organization_fiscal_code: Option<OrgFiscalCode>,
    pub company_name: Option<String>,
    pub remittance_information: String,
    pub category: String,
    pub beneficiary: Beneficiary,
    pub metadata: Vec<Metadata>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionInput {
    pub iuv: Iuv,
    pub nav: Option<NoticeNumber>,
    pub amount: Amount,
    pub description: String,
    pub is_partial_payment: bool,
    pub due_date: NaiveDateTime,
    pub retention_date: Option<NaiveDateTime>,
    pub metadata: Vec<Metadata>,
    pub transfers: Vec<TransferInput>,
}

/// A position as the institution describes it on create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionInput {
    pub iupd: Iupd,
    pub debtor: Debtor,
    pub company_name: String,
    pub office_name: Option<String>,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub pay_stand_in: bool,
    pub options: Vec<OptionInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: TransferId,
    pub amount: Amount,
    /// Beneficiary institution; the position's institution unless another was given.
    pub organization_fiscal_code: OrgFiscalCode,
    pub company_name: Option<String>,
    pub remittance_information: String,
    pub category: String,
    pub beneficiary: Beneficiary,
    pub metadata: Vec<Metadata>,
    pub status: TransferStatus,
    pub inserted_date: NaiveDateTime,
    pub last_updated_date: NaiveDateTime,
}

/// What a payment (receipt, or the institution's own "already paid") records on an option.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentDetails {
    pub payment_date: Option<NaiveDateTime>,
    pub payment_method: Option<String>,
    pub psp_code: Option<String>,
    pub psp_tax_code: Option<String>,
    pub psp_company: Option<String>,
    pub id_receipt: Option<String>,
    pub fee: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOption {
    pub iuv: Iuv,
    pub nav: NoticeNumber,
    pub plan_id: String,
    pub amount: Amount,
    pub description: String,
    pub is_partial_payment: bool,
    pub due_date: NaiveDateTime,
    pub retention_date: Option<NaiveDateTime>,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub notification_fee: Amount,
    pub status: OptionStatus,
    pub payment: PaymentDetails,
    pub reporting_date: Option<NaiveDateTime>,
    pub id_flow_reporting: Option<String>,
    pub metadata: Vec<Metadata>,
    pub transfers: Vec<Transfer>,
    pub inserted_date: NaiveDateTime,
    pub last_updated_date: NaiveDateTime,
    pub last_updated_date_notification_fee: Option<NaiveDateTime>,
}

impl PaymentOption {
    pub fn progressed(&self) -> bool {
        self.status != OptionStatus::Unpaid
    }

    /// True when every transfer can be paid to a postal account (`allCCP` of pagoPA).
    pub fn all_postal(&self) -> bool {
        self.transfers.iter().all(|t| {
            matches!(&t.beneficiary, Beneficiary::Iban { postal_iban: Some(p), .. } if !p.trim().is_empty())
        })
    }

    pub(super) fn group_key(&self) -> Option<&str> {
        self.is_partial_payment.then_some(self.plan_id.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub id: Option<i64>,
    pub organization_fiscal_code: OrgFiscalCode,
    pub iupd: Iupd,
    pub debtor: Debtor,
    pub company_name: String,
    pub office_name: Option<String>,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub pay_stand_in: bool,
    /// The status as last stored; read it through [`Position::status_at`].
    pub status: PositionStatus,
    pub inserted_date: NaiveDateTime,
    pub publish_date: Option<NaiveDateTime>,
    pub last_updated_date: NaiveDateTime,
    pub payment_date: Option<NaiveDateTime>,
    pub version: i32,
    pub options: Vec<PaymentOption>,
}

/// What to do with a payment for an option already paid with the same receipt id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// GPD's REST behaviour: any second payment is a conflict.
    Refuse,
    /// The Nodo re-sends receipts: the same receipt again changes nothing and succeeds.
    AcceptSameReceipt,
}

/// Result of applying a payment to an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayOutcome {
    Applied,
    /// The same receipt was applied before: nothing changed.
    AlreadyApplied,
}
