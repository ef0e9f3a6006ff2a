//! Receipts from the Nodo (paSendRT): stored with their raw XML, and applied to the option they
//! pay in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::positions::{find_id_by_option, lock_position, modify_locked, Change};
use super::schema::receipts;
use super::{write_tx, DbConnection, StoreError};
use crate::domain::nodo::{Receipt, ReceiptStatus};
use crate::domain::{DomainError, OrgFiscalCode, PayOutcome, Position, Replay};

/// What recording a receipt did.
#[derive(Debug)]
pub enum Recorded {
    /// First time seen: stored with this status (and the position, when it paid an option).
    New(ReceiptStatus, Option<Box<Position>>),
    /// The same receipt id was stored before: nothing changed.
    Replayed(ReceiptStatus),
}

fn existing(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    receipt_id: &str,
) -> Result<Option<ReceiptStatus>, StoreError> {
    let status: Option<String> = receipts::table
        .filter(receipts::organization_fiscal_code.eq(org.as_str()))
        .filter(receipts::receipt_id.eq(receipt_id))
        .select(receipts::status)
        .first(c)
        .optional()?;
    status
        .map(|s| {
            ReceiptStatus::parse(&s)
                .ok_or_else(|| StoreError::Corrupt(format!("receipt status '{s}'")))
        })
        .transpose()
}

fn insert(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    receipt: &Receipt,
    status: ReceiptStatus,
    document: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(receipts::table)
        .values((
            receipts::organization_fiscal_code.eq(org.as_str()),
            receipts::receipt_id.eq(&receipt.receipt_id),
            receipts::notice_number.eq(receipt.notice_number.as_str()),
            receipts::creditor_reference_id.eq(&receipt.creditor_reference_id),
            receipts::notice_fiscal_code.eq(&receipt.fiscal_code),
            receipts::status.eq(status.as_str()),
            receipts::amount.eq(receipt.payment_amount.cents()),
            receipts::fee.eq(receipt.fee.map(|f| f.cents())),
            receipts::payment_date_time.eq(receipt.payment_date_time),
            receipts::id_psp.eq(&receipt.id_psp),
            receipts::psp_company.eq(&receipt.psp_company),
            receipts::payment_method.eq(&receipt.payment_method),
            receipts::debtor_id.eq(&receipt.debtor_id),
            receipts::primitive_version.eq(i32::from(receipt.version)),
            receipts::document.eq(document),
            receipts::received_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

/// Stores a receipt addressed to `org` and, when it pays one of `org`'s options, marks the option
/// paid, all in one transaction. The same receipt id again changes nothing.
pub fn record(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    receipt: &Receipt,
    document: &str,
    now: NaiveDateTime,
) -> Result<Recorded, StoreError> {
    let result = write_tx(conn, |c| {
        let ours = receipt.fiscal_code == org.as_str();
        let position_id = if ours {
            find_id_by_option(c, org, receipt.notice_number.as_str())?
        } else {
            None
        };
        if let Some(id) = position_id {
            lock_position(c, id)?;
        }
        if let Some(status) = existing(c, org, &receipt.receipt_id)? {
            return Ok(Recorded::Replayed(status));
        }
        let (status, position) = match position_id {
            None if ours => (ReceiptStatus::Unmatched, None),
            None => (ReceiptStatus::Secondary, None),
            Some(id) => {
                let nav = receipt.notice_number.as_str();
                let paid = modify_locked(c, id, None, |p| {
                    let (index, outcome) = p.pay(
                        nav,
                        receipt.payment_details(now),
                        Replay::AcceptSameReceipt,
                        now,
                    )?;
                    Ok((Change::Options(vec![index]), outcome))
                });
                match paid {
                    Ok((position, PayOutcome::Applied | PayOutcome::AlreadyApplied)) => {
                        (ReceiptStatus::Applied, Some(Box::new(position)))
                    }
                    Err(StoreError::Domain(
                        DomainError::Conflict(_) | DomainError::NotFound(_),
                    )) => (ReceiptStatus::Duplicate, None),
                    Err(e) => return Err(e),
                }
            }
        };
        insert(c, org, receipt, status, document, now)?;
        Ok(Recorded::New(status, position))
    });
    match result {
        // Two copies of an unmatched receipt raced past the existence check: the second is a replay.
        Err(StoreError::Duplicate(_)) => match existing(conn, org, &receipt.receipt_id)? {
            Some(status) => Ok(Recorded::Replayed(status)),
            None => Err(StoreError::Conflict("receipt insert conflicted".to_owned())),
        },
        other => other,
    }
}
