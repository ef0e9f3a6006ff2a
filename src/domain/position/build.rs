//! Builds the stored options and transfers from a validated input.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::kinds::{OptionStatus, TransferStatus};
use super::model::{OptionInput, PaymentDetails, PaymentOption, PositionInput, Transfer};
use super::SINGLE_OPTION_PLAN;
use crate::domain::error::DomainError;
use crate::domain::money::Amount;
use crate::domain::notice::default_notice_number;
use crate::domain::org::Organization;

/// Builds the stored options from the input. On update, `previous` options matched by IUV keep
/// their insertion date and notification fee (re-added to the amount and the primary transfer).
pub(super) fn build_options(
    org: &Organization,
    input: &PositionInput,
    now: NaiveDateTime,
    previous: &[PaymentOption],
) -> Result<Vec<PaymentOption>, DomainError> {
    let plan_ids = plan_ids(input, previous);
    let mut options = Vec::with_capacity(input.options.len());
    for (i, option) in input.options.iter().enumerate() {
        let path = option.path(i);
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
                plan_ids[&group_index(option)].clone()
            } else {
                SINGLE_OPTION_PLAN.to_owned()
            },
            amount,
            description: option.description.clone(),
            is_partial_payment: option.is_partial_payment,
            due_date: option.due_date,
            retention_date: option.retention_date,
            validity_date: option.validity_date(input),
            switch_to_expired: option.switch_to_expired(input),
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
            option_description: option.group.as_ref().and_then(|g| g.description.clone()),
            debtor: option.group.as_ref().map(|g| g.debtor.clone()),
        });
    }
    let mut navs = HashSet::new();
    for (i, option) in options.iter().enumerate() {
        if !navs.insert(option.nav.as_str()) {
            return Err(DomainError::invalid(
                format!("{}.nav", input.options[i].path(i)),
                format!("notice number '{}' appears twice", option.nav),
            ));
        }
    }
    Ok(options)
}

/// The plan an installment belongs to: its v3 payment option; v1 has a single plan.
fn group_index(option: &OptionInput) -> usize {
    option.group.as_ref().map_or(0, |g| g.index)
}

/// One plan id per plan of the input. On update a plan keeps the id of the stored plan of its
/// first installment that existed before, unless another plan already took it.
fn plan_ids(input: &PositionInput, previous: &[PaymentOption]) -> HashMap<usize, String> {
    let mut ids: HashMap<usize, String> = HashMap::new();
    for option in input.options.iter().filter(|o| o.is_partial_payment) {
        let group = group_index(option);
        if ids.contains_key(&group) {
            continue;
        }
        let reused = input
            .options
            .iter()
            .filter(|o| o.is_partial_payment && group_index(o) == group)
            .find_map(|o| {
                previous
                    .iter()
                    .find(|p| p.iuv == o.iuv && p.is_partial_payment)
                    .map(|p| p.plan_id.clone())
            })
            .filter(|id| !ids.values().any(|taken| taken == id));
        ids.insert(
            group,
            reused.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        );
    }
    ids
}
