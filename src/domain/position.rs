//! The debt position aggregate: position -> payment options -> transfers, its state machine,
//! the read-time status and every rule that guards a change.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use super::error::DomainError;
use super::ids::{Iupd, Iuv, NoticeNumber, OrgFiscalCode, TransferId, MAX_TRANSFERS};
use super::money::Amount;
use super::notice::default_notice_number;
use super::org::Organization;

/// Reserved metadata key: GPD writes the SEND notification fee under it.
pub const RESERVED_METADATA_KEY: &str = "NOTIFICATION_FEE";
pub const MAX_METADATA: usize = 10;
pub const MAX_OPTIONS: usize = 100;
/// Plan id of an option that is not an installment.
pub const SINGLE_OPTION_PLAN: &str = "SINGLE_OPTION";
/// Receipt id and PSP name GPD writes when the institution marks an option as paid itself.
pub const PAID_BY_EC: &str = "CLOSED_AS_ALREADY_PAID_BY_EC";

macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(PositionStatus {
    Draft = "DRAFT",
    Published = "PUBLISHED",
    Valid = "VALID",
    Invalid = "INVALID",
    Expired = "EXPIRED",
    PartiallyPaid = "PARTIALLY_PAID",
    Paid = "PAID",
    Reported = "REPORTED",
});

string_enum!(OptionStatus {
    Unpaid = "PO_UNPAID",
    Paid = "PO_PAID",
    PartiallyReported = "PO_PARTIALLY_REPORTED",
    Reported = "PO_REPORTED",
});

string_enum!(TransferStatus {
    Unreported = "T_UNREPORTED",
    Reported = "T_REPORTED",
});

string_enum!(DebtorType { Person = "F", LegalPerson = "G" });

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

    /// An unpaid option past its due date that the institution asked to expire.
    pub fn is_expired_at(&self, now: NaiveDateTime) -> bool {
        self.switch_to_expired && self.status == OptionStatus::Unpaid && self.due_date < now
    }

    /// True when every transfer can be paid to a postal account (`allCCP` of pagoPA).
    pub fn all_postal(&self) -> bool {
        self.transfers.iter().all(|t| {
            matches!(&t.beneficiary, Beneficiary::Iban { postal_iban: Some(p), .. } if !p.trim().is_empty())
        })
    }

    fn group_key(&self) -> Option<&str> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
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

impl Position {
    /// Builds a new position from the institution's input, applying every creation rule.
    pub fn create(
        org: &Organization,
        input: PositionInput,
        now: NaiveDateTime,
        to_publish: bool,
    ) -> Result<Position, DomainError> {
        validate(org, &input, now, Action::Create)?;
        let mut position = Position {
            id: None,
            organization_fiscal_code: org.fiscal_code.clone(),
            iupd: input.iupd.clone(),
            debtor: input.debtor.clone(),
            company_name: input.company_name.clone(),
            office_name: input.office_name.clone(),
            validity_date: input.validity_date,
            switch_to_expired: input.switch_to_expired,
            pay_stand_in: input.pay_stand_in,
            status: PositionStatus::Draft,
            inserted_date: now,
            publish_date: None,
            last_updated_date: now,
            payment_date: None,
            version: 0,
            options: Vec::new(),
        };
        position.options = build_options(org, &input, now, &[])?;
        if to_publish {
            position.publish_now(now);
        }
        Ok(position)
    }

    /// Replaces the content of the position (PUT). Allowed before any payment; an EXPIRED or
    /// INVALID position comes back to life this way, keeping its IUPD and notice numbers.
    pub fn update(
        &mut self,
        org: &Organization,
        input: PositionInput,
        now: NaiveDateTime,
        to_publish: bool,
    ) -> Result<(), DomainError> {
        let status = self.status_at(now);
        if !matches!(
            status,
            PositionStatus::Draft
                | PositionStatus::Published
                | PositionStatus::Valid
                | PositionStatus::Expired
                | PositionStatus::Invalid
        ) {
            return Err(DomainError::Conflict(format!(
                "The debt position {} is in status {status} and can no longer be updated",
                self.iupd
            )));
        }
        if input.iupd != self.iupd {
            return Err(DomainError::invalid(
                "iupd",
                format!(
                    "'{}' differs from the IUPD '{}' in the path",
                    input.iupd, self.iupd
                ),
            ));
        }
        validate(org, &input, now, Action::Update)?;
        self.options = build_options(org, &input, now, &self.options)?;
        self.debtor = input.debtor;
        self.company_name = input.company_name;
        self.office_name = input.office_name;
        self.validity_date = input.validity_date;
        self.switch_to_expired = input.switch_to_expired;
        self.pay_stand_in = input.pay_stand_in;
        self.status = PositionStatus::Draft;
        self.publish_date = None;
        self.payment_date = None;
        self.last_updated_date = now;
        if to_publish {
            self.publish_now(now);
        }
        Ok(())
    }

    /// The status as of `now`: PUBLISHED becomes VALID once valid, VALID becomes EXPIRED once
    /// every option is past due with `switchToExpired`. Never stale, whatever the batch job did.
    pub fn status_at(&self, now: NaiveDateTime) -> PositionStatus {
        super::status::read_status(&super::status::Facts::of(self), now)
    }

    pub fn min_due_date(&self) -> Option<NaiveDateTime> {
        self.options.iter().map(|o| o.due_date).min()
    }

    pub fn max_due_date(&self) -> Option<NaiveDateTime> {
        self.options.iter().map(|o| o.due_date).max()
    }

    /// Persists the read-time status (used by writes, so the stored status is current).
    fn settle_status(&mut self, now: NaiveDateTime) {
        let current = self.status_at(now);
        if current != self.status {
            self.status = current;
            self.last_updated_date = now;
        }
    }

    /// The publish process shared by create/update with `toPublish` and by explicit publish.
    fn publish_now(&mut self, now: NaiveDateTime) {
        let mut defaulted = false;
        for option in &mut self.options {
            if option.validity_date.is_none() {
                option.validity_date = Some(now);
                defaulted = true;
            }
        }
        let min_validity = self.options.iter().filter_map(|o| o.validity_date).min();
        let valid = defaulted || min_validity.is_some_and(|v| v <= now);
        self.status = if valid {
            PositionStatus::Valid
        } else {
            PositionStatus::Published
        };
        self.validity_date = min_validity;
        self.publish_date = Some(now);
        self.last_updated_date = now;
    }

    /// Explicit publish of a DRAFT position.
    pub fn publish(&mut self, now: NaiveDateTime) -> Result<(), DomainError> {
        let status = self.status_at(now);
        if status != PositionStatus::Draft {
            return Err(DomainError::Conflict(format!(
                "Only a DRAFT debt position can be published; {} is {status}",
                self.iupd
            )));
        }
        for option in &self.options {
            if option.validity_date.is_some_and(|v| option.due_date < v) {
                return Err(DomainError::Conflict(format!(
                    "Payment option {} is due before its validity date",
                    option.iuv
                )));
            }
        }
        if self.min_due_date().is_some_and(|d| d < now) {
            return Err(DomainError::Conflict(format!(
                "The debt position {} has a payment option already past its due date; update it first",
                self.iupd
            )));
        }
        if self.validity_date.is_some_and(|v| v < now) {
            return Err(DomainError::Conflict(format!(
                "The validity date of the debt position {} is in the past; update it first",
                self.iupd
            )));
        }
        self.publish_now(now);
        Ok(())
    }

    pub fn invalidate(&mut self, now: NaiveDateTime) -> Result<(), DomainError> {
        let status = self.status_at(now);
        if !matches!(status, PositionStatus::Published | PositionStatus::Valid) {
            return Err(DomainError::Conflict(format!(
                "Only a PUBLISHED or VALID debt position can be invalidated; {} is {status}",
                self.iupd
            )));
        }
        self.status = PositionStatus::Invalid;
        self.last_updated_date = now;
        Ok(())
    }

    pub fn ensure_deletable(&self, now: NaiveDateTime) -> Result<(), DomainError> {
        let status = self.status_at(now);
        if matches!(
            status,
            PositionStatus::PartiallyPaid | PositionStatus::Paid | PositionStatus::Reported
        ) {
            return Err(DomainError::Conflict(format!(
                "The debt position {} is {status}: a position with payments cannot be deleted",
                self.iupd
            )));
        }
        Ok(())
    }

    /// Index of the option with this notice number or, failing that, this IUV.
    pub fn option_index(&self, nav_or_iuv: &str) -> Option<usize> {
        self.options
            .iter()
            .position(|o| o.nav.as_str() == nav_or_iuv)
            .or_else(|| {
                self.options
                    .iter()
                    .position(|o| o.iuv.as_str() == nav_or_iuv)
            })
    }

    /// Why an unpaid option can no longer be paid because of what happened to its siblings,
    /// or `None` when nothing blocks it. Paid options are not judged here.
    fn sibling_conflict(&self, index: usize) -> Option<DomainError> {
        let option = &self.options[index];
        let others = self
            .options
            .iter()
            .enumerate()
            .filter(|(i, o)| *i != index && o.progressed());
        for (_, other) in others {
            let conflict = match (option.group_key(), other.group_key()) {
                (None, None) => DomainError::Conflict(format!(
                    "Another payment option ({}) of this debt position is already paid",
                    other.iuv
                )),
                (Some(plan), Some(other_plan)) if plan == other_plan => continue,
                _ => DomainError::NotFound(format!(
                    "Payment option {} is no longer payable: option {} of another plan was paid",
                    option.iuv, other.iuv
                )),
            };
            return Some(conflict);
        }
        None
    }

    /// True when another option or plan of this position was paid, so this one is superseded.
    pub fn has_paid_alternative(&self, index: usize) -> bool {
        self.sibling_conflict(index).is_some()
    }

    /// The option a payer may still see, as GPD's "get payment option" does: unknown, not yet
    /// valid and superseded options are all "not found".
    pub fn visible_option(
        &self,
        nav_or_iuv: &str,
        now: NaiveDateTime,
    ) -> Result<usize, DomainError> {
        let not_found =
            || DomainError::NotFound(format!("No payment option found for '{nav_or_iuv}'"));
        let index = self.option_index(nav_or_iuv).ok_or_else(not_found)?;
        let option = &self.options[index];
        if option.validity_date.is_some_and(|v| v > now) {
            return Err(not_found());
        }
        if option.progressed() {
            return Ok(index);
        }
        if matches!(
            self.status_at(now),
            PositionStatus::Paid | PositionStatus::Reported
        ) {
            return Err(not_found());
        }
        match self.sibling_conflict(index) {
            Some(_) => Err(not_found()),
            None => Ok(index),
        }
    }

    /// Records a payment on the option with this notice number or IUV. Receipts are accepted
    /// whatever the position status (the money was already taken) except when already paid.
    pub fn pay(
        &mut self,
        nav_or_iuv: &str,
        payment: PaymentDetails,
        replay: Replay,
        now: NaiveDateTime,
    ) -> Result<(usize, PayOutcome), DomainError> {
        let index = self.option_index(nav_or_iuv).ok_or_else(|| {
            DomainError::NotFound(format!("No payment option found for '{nav_or_iuv}'"))
        })?;
        let option = &self.options[index];
        if option.progressed() {
            let same_receipt =
                payment.id_receipt.is_some() && option.payment.id_receipt == payment.id_receipt;
            if replay == Replay::AcceptSameReceipt && same_receipt {
                return Ok((index, PayOutcome::AlreadyApplied));
            }
            return Err(DomainError::Conflict(format!(
                "Payment option {} is already paid ({})",
                option.iuv, option.status
            )));
        }
        let status = self.status_at(now);
        if matches!(status, PositionStatus::Paid | PositionStatus::Reported) {
            return Err(DomainError::Conflict(format!(
                "The debt position {} is already {status}",
                self.iupd
            )));
        }
        if let Some(conflict) = self.sibling_conflict(index) {
            return Err(conflict);
        }
        self.settle_status(now);
        let option = &mut self.options[index];
        option.status = OptionStatus::Paid;
        option.payment = PaymentDetails {
            payment_date: payment.payment_date.or(Some(now)),
            ..payment
        };
        option.last_updated_date = now;
        self.recompute_payment_status(now);
        Ok((index, PayOutcome::Applied))
    }

    /// Sets the SEND notification fee of an unpaid option: the amount and the primary transfer
    /// (the first of the institution itself) carry it, replacing any fee set before.
    pub fn set_notification_fee(
        &mut self,
        nav_or_iuv: &str,
        fee: Amount,
        now: NaiveDateTime,
    ) -> Result<usize, DomainError> {
        let index = self.option_index(nav_or_iuv).ok_or_else(|| {
            DomainError::NotFound(format!("No payment option found for '{nav_or_iuv}'"))
        })?;
        let org = self.organization_fiscal_code.clone();
        let option = &mut self.options[index];
        if option.status != OptionStatus::Unpaid {
            return Err(DomainError::Unprocessable(format!(
                "Payment option {} is {}: the notification fee can change only while unpaid",
                option.iuv, option.status
            )));
        }
        let old = option.notification_fee.cents();
        let adjust = |amount: Amount| {
            Amount::from_cents(amount.cents() - old + fee.cents())
                .ok()
                .filter(|a| !a.is_zero())
                .ok_or_else(|| {
                    DomainError::invalid("notificationFee", "makes the amount out of range")
                })
        };
        let new_amount = adjust(option.amount)?;
        let primary = option
            .transfers
            .iter_mut()
            .find(|t| t.organization_fiscal_code == org)
            .ok_or_else(|| {
                DomainError::Unprocessable(format!(
                    "Payment option {} has no transfer of the institution to carry the fee",
                    option.iuv
                ))
            })?;
        primary.amount = adjust(primary.amount)?;
        primary.last_updated_date = now;
        option.amount = new_amount;
        option.notification_fee = fee;
        option.last_updated_date = now;
        option.last_updated_date_notification_fee = Some(now);
        self.last_updated_date = now;
        Ok(index)
    }

    /// Marks one transfer as reported (money reached the beneficiary's account).
    pub fn report_transfer(
        &mut self,
        iuv: &str,
        transfer_id: TransferId,
        now: NaiveDateTime,
    ) -> Result<usize, DomainError> {
        let status = self.status_at(now);
        let index = self
            .options
            .iter()
            .position(|o| o.iuv.as_str() == iuv)
            .ok_or_else(|| {
                DomainError::NotFound(format!("No payment option found for IUV '{iuv}'"))
            })?;
        if !matches!(status, PositionStatus::PartiallyPaid | PositionStatus::Paid) {
            return Err(DomainError::Conflict(format!(
                "Transfers can be reported only on a PARTIALLY_PAID or PAID debt position; {} is {status}",
                self.iupd
            )));
        }
        let option = &mut self.options[index];
        if !matches!(
            option.status,
            OptionStatus::Paid | OptionStatus::PartiallyReported
        ) {
            return Err(DomainError::Conflict(format!(
                "Payment option {iuv} is {}: only a paid option can be reported",
                option.status
            )));
        }
        let transfer = option
            .transfers
            .iter_mut()
            .find(|t| t.id == transfer_id)
            .ok_or_else(|| {
                DomainError::NotFound(format!("No transfer {transfer_id} in payment option {iuv}"))
            })?;
        if transfer.status == TransferStatus::Reported {
            return Err(DomainError::Conflict(format!(
                "Transfer {transfer_id} of payment option {iuv} is already reported"
            )));
        }
        transfer.status = TransferStatus::Reported;
        transfer.last_updated_date = now;
        let all_reported = option
            .transfers
            .iter()
            .all(|t| t.status == TransferStatus::Reported);
        option.status = if all_reported {
            OptionStatus::Reported
        } else {
            OptionStatus::PartiallyReported
        };
        option.reporting_date = Some(now);
        option.last_updated_date = now;
        self.recompute_payment_status(now);
        Ok(index)
    }

    /// After a payment or report: REPORTED if some plan (or single option) is fully reported,
    /// PAID if some plan is fully paid, PARTIALLY_PAID if anything was paid.
    fn recompute_payment_status(&mut self, now: NaiveDateTime) {
        // Each plan is one group, each single option a group of its own.
        let mut groups: Vec<(Option<&str>, Vec<&PaymentOption>)> = Vec::new();
        for option in &self.options {
            let key = option.group_key();
            match groups.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
                Some((_, members)) => members.push(option),
                None => groups.push((key, vec![option])),
            }
        }
        let reported = groups
            .iter()
            .any(|(_, g)| g.iter().all(|o| o.status == OptionStatus::Reported));
        let paid = groups.iter().any(|(_, g)| g.iter().all(|o| o.progressed()));
        let any = self.options.iter().any(PaymentOption::progressed);
        let new_status = if reported {
            PositionStatus::Reported
        } else if paid {
            PositionStatus::Paid
        } else if any {
            PositionStatus::PartiallyPaid
        } else {
            return;
        };
        if matches!(new_status, PositionStatus::Paid | PositionStatus::Reported)
            && self.payment_date.is_none()
        {
            self.payment_date = self
                .options
                .iter()
                .filter_map(|o| o.payment.payment_date)
                .max()
                .or(Some(now));
        }
        self.status = new_status;
        self.last_updated_date = now;
    }

    /// Status of the position as the payer of one option sees it (GET option by NAV):
    /// an option past due with `switchToExpired` shows its position as EXPIRED.
    pub fn status_for_option(&self, index: usize, now: NaiveDateTime) -> PositionStatus {
        let status = self.status_at(now);
        if matches!(status, PositionStatus::Valid) && self.options[index].is_expired_at(now) {
            PositionStatus::Expired
        } else {
            status
        }
    }
}

fn validate(
    org: &Organization,
    input: &PositionInput,
    now: NaiveDateTime,
    action: Action,
) -> Result<(), DomainError> {
    if input.options.is_empty() {
        return Err(DomainError::invalid(
            "paymentOption",
            "at least one payment option is required",
        ));
    }
    if input.options.len() > MAX_OPTIONS {
        return Err(DomainError::invalid(
            "paymentOption",
            format!("at most {MAX_OPTIONS} payment options are allowed"),
        ));
    }
    if action == Action::Create {
        if let Some(validity) = input.validity_date {
            if validity <= now {
                return Err(DomainError::invalid(
                    "validityDate",
                    "must be in the future",
                ));
            }
        }
    }
    let mut iuvs = HashSet::new();
    let mut navs = HashSet::new();
    for (i, option) in input.options.iter().enumerate() {
        let path = format!("paymentOption[{i}]");
        if !iuvs.insert(option.iuv.as_str()) {
            return Err(DomainError::invalid(
                format!("{path}.iuv"),
                format!("IUV '{}' appears twice", option.iuv),
            ));
        }
        if let Some(nav) = &option.nav {
            if !navs.insert(nav.as_str().to_owned()) {
                return Err(DomainError::invalid(
                    format!("{path}.nav"),
                    format!("notice number '{nav}' appears twice"),
                ));
            }
        }
        if !org.accepts_iuv(&option.iuv) {
            return Err(DomainError::Forbidden(format!(
                "{path}.iuv: segregation code '{}' of IUV '{}' is not one of the institution's ({})",
                option.iuv.segregation_code(),
                option.iuv,
                org.segregation_codes_text()
            )));
        }
        validate_dates(&path, input, option, now, action)?;
        validate_metadata(&format!("{path}.paymentOptionMetadata"), &option.metadata)?;
        validate_transfers(&path, option)?;
    }
    Ok(())
}

fn validate_dates(
    path: &str,
    input: &PositionInput,
    option: &OptionInput,
    now: NaiveDateTime,
    action: Action,
) -> Result<(), DomainError> {
    let due = option.due_date;
    match input.validity_date {
        Some(validity) if due < validity => {
            return Err(DomainError::invalid(
                format!("{path}.dueDate"),
                "must not be before validityDate",
            ));
        }
        None if action == Action::Create && due < now => {
            return Err(DomainError::invalid(
                format!("{path}.dueDate"),
                "must not be in the past",
            ));
        }
        _ => {}
    }
    if action == Action::Update && input.switch_to_expired && due < now {
        return Err(DomainError::invalid(
            format!("{path}.dueDate"),
            "must not be in the past when switchToExpired is true",
        ));
    }
    if option.retention_date.is_some_and(|r| r < due) {
        return Err(DomainError::invalid(
            format!("{path}.retentionDate"),
            "must not be before dueDate",
        ));
    }
    Ok(())
}

fn validate_metadata(path: &str, metadata: &[Metadata]) -> Result<(), DomainError> {
    if metadata.len() > MAX_METADATA {
        return Err(DomainError::invalid(
            path,
            format!("at most {MAX_METADATA} entries are allowed"),
        ));
    }
    let mut keys = HashSet::new();
    for (i, entry) in metadata.iter().enumerate() {
        if entry.key == RESERVED_METADATA_KEY {
            return Err(DomainError::Conflict(format!(
                "{path}[{i}].key: '{RESERVED_METADATA_KEY}' is reserved"
            )));
        }
        if !keys.insert(entry.key.as_str()) {
            return Err(DomainError::invalid(
                format!("{path}[{i}].key"),
                format!("key '{}' appears twice", entry.key),
            ));
        }
    }
    Ok(())
}

fn validate_transfers(path: &str, option: &OptionInput) -> Result<(), DomainError> {
    if option.transfers.is_empty() {
        return Err(DomainError::invalid(
            format!("{path}.transfer"),
            "at least one transfer is required",
        ));
    }
    if option.transfers.len() > MAX_TRANSFERS {
        return Err(DomainError::invalid(
            format!("{path}.transfer"),
            format!(
                "at most {MAX_TRANSFERS} transfers are allowed, got {}",
                option.transfers.len()
            ),
        ));
    }
    let mut ids = HashSet::new();
    let mut sum = Amount::ZERO;
    for (j, transfer) in option.transfers.iter().enumerate() {
        let tpath = format!("{path}.transfer[{j}]");
        if !ids.insert(transfer.id) {
            return Err(DomainError::invalid(
                format!("{tpath}.idTransfer"),
                format!("idTransfer {} appears twice", transfer.id),
            ));
        }
        validate_metadata(&format!("{tpath}.transferMetadata"), &transfer.metadata)?;
        sum = sum.checked_add(transfer.amount).ok_or_else(|| {
            DomainError::invalid(
                format!("{tpath}.amount"),
                "the sum of the transfers is too large",
            )
        })?;
    }
    if sum != option.amount {
        return Err(DomainError::invalid(
            format!("{path}.amount"),
            format!(
                "{} does not match the sum of its transfer amounts {}",
                option.amount.cents(),
                sum.cents()
            ),
        ));
    }
    Ok(())
}

/// Builds the stored options from the input. On update, `previous` options matched by IUV keep
/// their insertion date and notification fee (re-added to the amount and the primary transfer).
fn build_options(
    org: &Organization,
    input: &PositionInput,
    now: NaiveDateTime,
    previous: &[PaymentOption],
) -> Result<Vec<PaymentOption>, DomainError> {
    let plan_id = previous
        .iter()
        .find(|o| o.is_partial_payment)
        .map(|o| o.plan_id.clone())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut options = Vec::with_capacity(input.options.len());
    for (i, option) in input.options.iter().enumerate() {
        let path = format!("paymentOption[{i}]");
        let nav = match &option.nav {
            Some(nav) => nav.clone(),
            None => default_notice_number(
                &format!("{path}.iuv"),
                org.aux_digit,
                org.application_code.as_deref(),
                &option.iuv,
            )?,
        };
        let old = previous.iter().find(|o| o.iuv == option.iuv);
        let inserted = old.map_or(now, |o| o.inserted_date);
        let mut transfers: Vec<Transfer> = option
            .transfers
            .iter()
            .map(|t| Transfer {
                id: t.id,
                amount: t.amount,
                organization_fiscal_code: t
                    .organization_fiscal_code
                    .clone()
                    .unwrap_or_else(|| org.fiscal_code.clone()),
                company_name: t.company_name.clone(),
                remittance_information: t.remittance_information.clone(),
                category: t.category.clone(),
                beneficiary: t.beneficiary.clone(),
                metadata: t.metadata.clone(),
                status: TransferStatus::Unreported,
                inserted_date: inserted,
                last_updated_date: now,
            })
            .collect();
        transfers.sort_by_key(|t| t.id);
        let mut amount = option.amount;
        let notification_fee = old.map_or(Amount::ZERO, |o| o.notification_fee);
        if !notification_fee.is_zero() {
            let primary = transfers
                .iter_mut()
                .find(|t| t.organization_fiscal_code == org.fiscal_code)
                .ok_or_else(|| {
                    DomainError::Unprocessable(format!(
                        "{path}: no transfer of the institution can carry the notification fee already applied"
                    ))
                })?;
            let too_large = || {
                DomainError::invalid(
                    format!("{path}.amount"),
                    "too large with the notification fee",
                )
            };
            primary.amount = primary
                .amount
                .checked_add(notification_fee)
                .ok_or_else(too_large)?;
            amount = amount.checked_add(notification_fee).ok_or_else(too_large)?;
        }
        options.push(PaymentOption {
            iuv: option.iuv.clone(),
            nav,
            plan_id: if option.is_partial_payment {
                plan_id.clone()
            } else {
                SINGLE_OPTION_PLAN.to_owned()
            },
            amount,
            description: option.description.clone(),
            is_partial_payment: option.is_partial_payment,
            due_date: option.due_date,
            retention_date: option.retention_date,
            validity_date: input.validity_date,
            switch_to_expired: input.switch_to_expired,
            notification_fee,
            status: OptionStatus::Unpaid,
            payment: PaymentDetails::default(),
            reporting_date: None,
            id_flow_reporting: None,
            metadata: option.metadata.clone(),
            transfers,
            inserted_date: inserted,
            last_updated_date: now,
            last_updated_date_notification_fee: old
                .and_then(|o| o.last_updated_date_notification_fee),
        });
    }
    let mut navs = HashSet::new();
    for (i, option) in options.iter().enumerate() {
        if !navs.insert(option.nav.as_str()) {
            return Err(DomainError::invalid(
                format!("paymentOption[{i}].nav"),
                format!("notice number '{}' appears twice", option.nav),
            ));
        }
    }
    Ok(options)
}
