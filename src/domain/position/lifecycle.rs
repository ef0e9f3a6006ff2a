//! Creation, update, publication, invalidation and deletion of a position.

use chrono::NaiveDateTime;

use super::build::build_options;
use super::kinds::PositionStatus;
use super::model::{Position, PositionInput};
use super::validate::{validate, Action};
use crate::domain::error::DomainError;
use crate::domain::org::Organization;

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

    pub fn min_due_date(&self) -> Option<NaiveDateTime> {
        self.options.iter().map(|o| o.due_date).min()
    }

    pub fn max_due_date(&self) -> Option<NaiveDateTime> {
        self.options.iter().map(|o| o.due_date).max()
    }

    /// Persists the read-time status (used by writes, so the stored status is current).
    pub(super) fn settle_status(&mut self, now: NaiveDateTime) {
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
}
