//! What a payer may choose between for a notice: the single options and the installment plans
//! of its position, each with a status and its reason (GPD's "verify payment options").

use chrono::NaiveDateTime;

use super::kinds::PositionStatus;
use super::model::{PaymentOption, Position};
use crate::domain::money::Amount;

/// A group's or an installment's payability, named as GPD's OdP API does (`PO_`/`POI_` prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payability {
    Unpaid,
    Paid,
    PartiallyPaid,
    ExpiredNotPayable,
    ExpiredUnpaid,
    Invalid,
}

impl Payability {
    fn name(self) -> &'static str {
        match self {
            Payability::Unpaid => "UNPAID",
            Payability::Paid => "PAID",
            Payability::PartiallyPaid => "PARTIALLY_PAID",
            Payability::ExpiredNotPayable => "EXPIRED_NOT_PAYABLE",
            Payability::ExpiredUnpaid => "EXPIRED_UNPAID",
            Payability::Invalid => "INVALID",
        }
    }

    /// The name of a group's status: `PO_UNPAID`...
    pub fn group_name(self) -> String {
        format!("PO_{}", self.name())
    }

    /// The name of an installment's status: `POI_UNPAID`...
    pub fn installment_name(self) -> String {
        format!("POI_{}", self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallmentChoice {
    /// Index into the position's options.
    pub index: usize,
    pub status: Payability,
    pub reason: String,
}

/// A single option, or a plan of installments, as one choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub description: String,
    pub amount: Amount,
    /// The last installment's due date.
    pub due_date: NaiveDateTime,
    /// The earliest validity date of its installments.
    pub valid_from: Option<NaiveDateTime>,
    pub status: Payability,
    pub reason: String,
    /// Every transfer of every installment can be paid to a postal account.
    pub all_postal: bool,
    pub installments: Vec<InstallmentChoice>,
}

fn expired(option: &PaymentOption) -> Payability {
    if option.switch_to_expired {
        Payability::ExpiredNotPayable
    } else {
        Payability::ExpiredUnpaid
    }
}

impl Position {
    /// The choices a payer has, ordered by due date, each with its status at `now`.
    pub fn choices(&self, now: NaiveDateTime) -> Vec<Choice> {
        let position_status = self.status_at(now);
        let plans = self.plans();
        let progressed: Vec<bool> = plans
            .iter()
            .map(|plan| plan.iter().any(|&i| self.options[i].progressed()))
            .collect();
        plans
            .iter()
            .enumerate()
            .map(|(g, plan)| {
                let options: Vec<&PaymentOption> = plan.iter().map(|&i| &self.options[i]).collect();
                let paid = options.iter().filter(|o| o.progressed()).count();
                let unpaid_past_due = options
                    .iter()
                    .filter(|o| !o.progressed() && o.due_date < now)
                    .count();
                let other_paid = progressed.iter().enumerate().any(|(h, p)| *p && h != g);
                let (status, reason) = if matches!(
                    position_status,
                    PositionStatus::Invalid | PositionStatus::Expired
                ) {
                    (
                        Payability::Invalid,
                        format!("The debt position is {position_status}"),
                    )
                } else if other_paid && paid == 0 {
                    (
                        Payability::Invalid,
                        "Another payment option of the debt position was paid".to_owned(),
                    )
                } else if paid == options.len() {
                    (Payability::Paid, "Paid".to_owned())
                } else if paid > 0 {
                    (
                        Payability::PartiallyPaid,
                        format!("{paid} of {} installments paid", options.len()),
                    )
                } else if unpaid_past_due == options.len() {
                    (expired(options[0]), "Past its due date".to_owned())
                } else {
                    (Payability::Unpaid, "Payable".to_owned())
                };
                let installments = plan
                    .iter()
                    .map(|&i| {
                        let o = &self.options[i];
                        let (status, reason) = if o.progressed() {
                            (Payability::Paid, "Paid".to_owned())
                        } else if status == Payability::Invalid {
                            (Payability::Invalid, reason.clone())
                        } else if o.due_date < now {
                            (expired(o), "Past its due date".to_owned())
                        } else {
                            (Payability::Unpaid, "Payable".to_owned())
                        };
                        InstallmentChoice {
                            index: i,
                            status,
                            reason,
                        }
                    })
                    .collect();
                let first = options[0];
                Choice {
                    description: first
                        .option_description
                        .as_deref()
                        .unwrap_or(first.description.as_str())
                        .to_owned(),
                    amount: options
                        .iter()
                        .map(|o| o.amount)
                        .try_fold(Amount::ZERO, |sum, a| sum.checked_add(a))
                        .unwrap_or(Amount::MAX),
                    due_date: options
                        .iter()
                        .map(|o| o.due_date)
                        .max()
                        .unwrap_or(first.due_date),
                    valid_from: options.iter().filter_map(|o| o.validity_date).min(),
                    status,
                    reason,
                    all_postal: options.iter().all(|o| o.all_postal()),
                    installments,
                }
            })
            .collect()
    }
}
