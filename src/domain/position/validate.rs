//! The rules a position input must satisfy before anything is built from it.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use super::model::{Metadata, OptionInput, PositionInput};
use super::{MAX_INSTALLMENTS, MAX_METADATA, MAX_OPTIONS, RESERVED_METADATA_KEY};
use crate::domain::error::DomainError;
use crate::domain::ids::MAX_TRANSFERS;
use crate::domain::money::Amount;
use crate::domain::org::Organization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Create,
    Update,
}

pub(super) fn validate(
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
    let grouped = input.options.iter().any(|o| o.group.is_some());
    if !grouped && input.options.len() > MAX_OPTIONS {
        return Err(DomainError::invalid(
            "paymentOption",
            format!("at most {MAX_OPTIONS} payment options are allowed"),
        ));
    }
    if input.options.len() > MAX_INSTALLMENTS {
        return Err(DomainError::invalid(
            "paymentOption",
            format!("at most {MAX_INSTALLMENTS} installments in all are allowed"),
        ));
    }
    let mut iuvs = HashSet::new();
    let mut navs = HashSet::new();
    for (i, option) in input.options.iter().enumerate() {
        let path = option.path(i);
        if action == Action::Create {
            if let Some(validity) = option.validity_date(input) {
                if validity <= now {
                    return Err(DomainError::invalid(
                        option.group_field("validityDate"),
                        "must be in the future",
                    ));
                }
            }
        }
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
    match option.validity_date(input) {
        Some(validity) if due < validity => {
            return Err(DomainError::invalid(
                format!("{path}.dueDate"),
                format!("must not be before {}", option.group_field("validityDate")),
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
    if action == Action::Update && option.switch_to_expired(input) && due < now {
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
