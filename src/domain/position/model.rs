//! The aggregate's data: position -> payment options -> transfers, and the input that builds it.

use chrono::NaiveDateTime;

use super::kinds::{DebtorType, OptionStatus, PositionStatus, TransferStatus};
use crate::domain::error::DomainError;
use crate::domain::fields::{
    CountryCode, DebtorFiscalCode, Email, Iban, ProvinceCode, StampHash, StampType, Text140,
    Text255,
};
use crate::domain::ids::{Iupd, Iuv, NoticeNumber, OrgFiscalCode, TransferId};
use crate::domain::money::Amount;

/// Who owes the money: a person (tax code) or a legal person (VAT number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    pub kind: DebtorType,
    pub fiscal_code: DebtorFiscalCode,
    pub full_name: Text140,
    pub address: Address,
    pub email: Option<Email>,
    pub phone: Option<Text255>,
}

/// The debtor's postal address; every part is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub street_name: Option<Text255>,
    pub civic_number: Option<Text255>,
    pub postal_code: Option<Text255>,
    pub city: Option<Text255>,
    pub province: Option<Text255>,
    pub region: Option<Text255>,
    pub country: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    pub key: String,
    pub value: String,
}

impl Metadata {
    /// An entry given by the institution: key and value of 1 to 140 characters.
    pub fn parse(path: &str, key: &str, value: &str) -> Result<Self, DomainError> {
        Ok(Metadata {
            key: Text140::parse(&format!("{path}.key"), key)?.into_string(),
            value: Text140::parse(&format!("{path}.value"), value)?.into_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub hash_document: StampHash,
    pub stamp_type: StampType,
    pub provincial_residence: ProvinceCode,
}

/// Where a transfer's money goes: a bank (and optionally postal) account, or a digital stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beneficiary {
    Iban {
        iban: Iban,
        postal_iban: Option<Iban>,
    },
    Stamp(Stamp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferInput {
    pub id: TransferId,
    pub amount: Amount,
    pub organization_fiscal_code: Option<OrgFiscalCode>,
    pub company_name: Option<Text140>,
    pub remittance_information: Text140,
    pub category: Text140,
    pub beneficiary: Beneficiary,
    pub metadata: Vec<Metadata>,
}

/// What a v3 payment option states for each of its installments. A v1 input has none: its
/// options take validity, expiry and debtor from the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionGroup {
    /// Position of the payment option in the request (installments of one option form a plan).
    pub index: usize,
    /// Position of the installment within its payment option.
    pub installment: usize,
    pub description: Option<Text140>,
    pub debtor: Debtor,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionInput {
    pub iuv: Iuv,
    pub nav: Option<NoticeNumber>,
    pub amount: Amount,
    pub description: Text140,
    pub is_partial_payment: bool,
    pub due_date: NaiveDateTime,
    pub retention_date: Option<NaiveDateTime>,
    pub metadata: Vec<Metadata>,
    pub transfers: Vec<TransferInput>,
    pub group: Option<OptionGroup>,
}

impl OptionInput {
    /// The API path of this option in the request, for error messages.
    pub fn path(&self, index: usize) -> String {
        match &self.group {
            None => format!("paymentOption[{index}]"),
            Some(g) => format!("paymentOption[{}].installments[{}]", g.index, g.installment),
        }
    }

    /// The API path of a field stated for the whole option (v3) or position (v1).
    pub fn group_field(&self, field: &str) -> String {
        match &self.group {
            None => field.to_owned(),
            Some(g) => format!("paymentOption[{}].{field}", g.index),
        }
    }

    pub fn validity_date(&self, input: &PositionInput) -> Option<NaiveDateTime> {
        self.group
            .as_ref()
            .map_or(input.validity_date, |g| g.validity_date)
    }

    pub fn switch_to_expired(&self, input: &PositionInput) -> bool {
        self.group
            .as_ref()
            .map_or(input.switch_to_expired, |g| g.switch_to_expired)
    }
}

/// A position as the institution describes it on create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionInput {
    pub iupd: Iupd,
    pub debtor: Debtor,
    pub company_name: Text140,
    pub office_name: Option<Text140>,
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
    pub company_name: Option<Text140>,
    pub remittance_information: Text140,
    pub category: Text140,
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
    /// Shared by the options of one installment plan; `SINGLE_OPTION` for a single option.
    pub plan_id: String,
    pub is_partial_payment: bool,
    pub description: Text140,
    /// Includes the notification fee.
    pub amount: Amount,
    pub notification_fee: Amount,
    pub metadata: Vec<Metadata>,
    pub transfers: Vec<Transfer>,
    pub due_date: NaiveDateTime,
    pub retention_date: Option<NaiveDateTime>,
    /// Validity and expiry settings of the position, copied on each option.
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub status: OptionStatus,
    pub payment: PaymentDetails,
    pub reporting_date: Option<NaiveDateTime>,
    pub id_flow_reporting: Option<String>,
    pub inserted_date: NaiveDateTime,
    pub last_updated_date: NaiveDateTime,
    pub last_updated_date_notification_fee: Option<NaiveDateTime>,
    /// The description of the v3 payment option this installment belongs to.
    pub option_description: Option<Text140>,
    /// The v3 payment option's own debtor; `None` means the position's.
    pub debtor: Option<Debtor>,
}

impl PaymentOption {
    pub fn progressed(&self) -> bool {
        self.status != OptionStatus::Unpaid
    }

    /// True when every transfer can be paid to a postal account (`allCCP` of pagoPA).
    pub fn all_postal(&self) -> bool {
        self.transfers.iter().all(|t| {
            matches!(
                &t.beneficiary,
                Beneficiary::Iban {
                    postal_iban: Some(_),
                    ..
                }
            )
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
    pub company_name: Text140,
    pub office_name: Option<Text140>,
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

impl Position {
    /// The payment options as the payer chooses between them: each single option alone, the
    /// installments of a plan together (by due date); groups ordered by their first due date.
    /// Indices into `options`.
    pub fn plans(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, option) in self.options.iter().enumerate() {
            let same_plan = option.group_key().and_then(|plan| {
                groups
                    .iter_mut()
                    .find(|g| self.options[g[0]].group_key() == Some(plan))
            });
            match same_plan {
                Some(group) => group.push(i),
                None => groups.push(vec![i]),
            }
        }
        for group in &mut groups {
            group.sort_by_key(|&i| (self.options[i].due_date, i));
        }
        groups.sort_by_key(|g| (self.options[g[0]].due_date, g[0]));
        groups
    }

    /// True when the options form more than one installment plan (a v3 shape v1 cannot show).
    pub fn has_several_plans(&self) -> bool {
        let mut plans = self.options.iter().filter_map(PaymentOption::group_key);
        plans
            .next()
            .is_some_and(|first| plans.any(|other| other != first))
    }

    /// The debtor of an option: its own (v3) or the position's.
    pub fn debtor_of(&self, index: usize) -> &Debtor {
        self.options[index].debtor.as_ref().unwrap_or(&self.debtor)
    }
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
