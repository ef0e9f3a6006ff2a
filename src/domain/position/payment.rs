//! Payments, notification fees and reporting on the options of a position.

use chrono::NaiveDateTime;

use super::kinds::{OptionStatus, PositionStatus, TransferStatus};
use super::model::{PayOutcome, PaymentDetails, PaymentOption, Position, Replay};
use crate::domain::error::DomainError;
use crate::domain::ids::TransferId;
use crate::domain::money::Amount;

impl Position {
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
}
