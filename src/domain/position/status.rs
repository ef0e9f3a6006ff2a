//! The read-time status: what a stored position is as of now, whatever the batch job did.

use chrono::NaiveDateTime;

use super::kinds::{OptionStatus, PositionStatus};
use super::model::{PaymentOption, Position};

impl PaymentOption {
    /// An unpaid option past its due date that the institution asked to expire.
    pub fn is_expired_at(&self, now: NaiveDateTime) -> bool {
        self.switch_to_expired && self.status == OptionStatus::Unpaid && self.due_date < now
    }
}

impl Position {
    /// The status as of `now`: PUBLISHED becomes VALID once valid, VALID becomes EXPIRED once
    /// every option is past due with `switchToExpired`. Never stale, whatever the batch job did.
    pub fn status_at(&self, now: NaiveDateTime) -> PositionStatus {
        let valid_now = match self.status {
            PositionStatus::Published => self.validity_date.is_some_and(|v| v <= now),
            PositionStatus::Valid => true,
            _ => false,
        };
        if !valid_now {
            return self.status;
        }
        if self.is_expired_at(now) {
            PositionStatus::Expired
        } else {
            PositionStatus::Valid
        }
    }

    fn is_expired_at(&self, now: NaiveDateTime) -> bool {
        self.payment_date.is_none()
            && !self.options.is_empty()
            && self.options.iter().all(|o| o.is_expired_at(now))
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
