//! Receipts from the Nodo (paSendRT): stored with their raw XML, and applied to the option they
//! pay in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::OrCorrupt;
use super::positions::{modify_snapshot, snapshot_by_option, Change, Reach};
use super::schema::receipts;
use super::{write_tx, DbConnection, StoreError};
use crate::domain::events::payment_received;
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
        .map(|s| ReceiptStatus::parse(&s).or_corrupt("receipt status", &s))
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
    let ours = receipt.fiscal_code == org.as_str();
    let nav = receipt.notice_number.as_str();
    // Read before the write transaction, so the single writer (or the row lock) waits for less;
    // saved only if unchanged since, else read again under the lock.
    let read = if ours {
        snapshot_by_option(conn, org, nav)?
    } else {
        None
    };
    // A receipt id seen before is refused by the unique index at the end of the transaction,
    // which then changes nothing: checking for it first would cost every new receipt a read.
    let result = write_tx(conn, |c| {
        let snapshot = match read {
            None if ours => snapshot_by_option(c, org, nav)?,
            read => read,
        };
        let (status, position) = match snapshot {
            None if ours => (ReceiptStatus::Unmatched, None),
            None => (ReceiptStatus::Secondary, None),
            Some(snapshot) => {
                let paid = modify_snapshot(
                    c,
                    snapshot,
                    |p| {
                        let (index, outcome) = p.pay(
                            nav,
                            receipt.payment_details(now),
                            Replay::AcceptSameReceipt,
                            now,
                        )?;
                        Ok((Change::Options(vec![index]), outcome))
                    },
                    |p| payment_received(p, receipt, now).into_iter().collect(),
                );
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
        // The receipt id is stored already (a replay, or two copies racing): nothing changed.
        Err(StoreError::Duplicate(_)) => match existing(conn, org, &receipt.receipt_id)? {
            Some(status) => Ok(Recorded::Replayed(status)),
            None => Err(StoreError::Conflict("receipt insert conflicted".to_owned())),
        },
        other => other,
    }
}

/// A stored receipt as the list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct ReceiptSummary {
    pub organization_fiscal_code: String,
    pub creditor_reference_id: String,
    pub debtor_id: Option<String>,
    pub payment_date_time: Option<NaiveDateTime>,
    pub status: String,
    pub receipt_id: String,
    pub notice_number: String,
    pub amount: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ReceiptFilter {
    pub debtor: Option<String>,
    /// Prefix of the IUV (the segregation code, for a broker).
    pub service: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub page: i64,
    pub page_size: i64,
}

/// The institution's receipts, newest payment first, with the total count.
/// With a limited scope, only the receipts of options of positions within it.
pub fn list<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    f: &ReceiptFilter,
) -> Result<(Vec<ReceiptSummary>, i64), StoreError> {
    let reach = reach.into();
    let org = reach.org;
    let query = || {
        let mut q = receipts::table
            .filter(receipts::organization_fiscal_code.eq(org.as_str()))
            .into_boxed();
        if let Some(visible) = visible(reach) {
            q = q.filter(visible);
        }
        if let Some(d) = &f.debtor {
            q = q.filter(receipts::debtor_id.eq(d.clone()));
        }
        if let Some(s) = &f.service {
            q = q.filter(
                receipts::creditor_reference_id.like(format!("{}%", s.replace(['%', '_'], ""))),
            );
        }
        if let Some(from) = f.from {
            q = q.filter(receipts::payment_date_time.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(receipts::payment_date_time.le(to));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order((receipts::payment_date_time.desc(), receipts::id.desc()))
        .offset(f.page * f.page_size)
        .limit(f.page_size)
        .select((
            receipts::organization_fiscal_code,
            receipts::creditor_reference_id,
            receipts::debtor_id,
            receipts::payment_date_time,
            receipts::status,
            receipts::receipt_id,
            receipts::notice_number,
            receipts::amount,
        ))
        .load(conn)?;
    Ok((rows, total))
}

/// SQL true for a receipt of an option whose position is within the caller's scope.
fn visible(reach: Reach) -> Option<diesel::expression::SqlLiteral<diesel::sql_types::Bool>> {
    let inside = reach.sql_text()?;
    Some(diesel::dsl::sql(&format!(
        "receipts.creditor_reference_id IN (SELECT po.iuv FROM payment_options po \
         JOIN payment_positions ON payment_positions.id = po.payment_position_id \
         WHERE po.organization_fiscal_code = receipts.organization_fiscal_code AND {inside})"
    )))
}

/// The XML of the receipt that paid this IUV (or, failing that, the latest one stored for it).
pub fn document<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iuv: &str,
) -> Result<Option<String>, StoreError> {
    let reach = reach.into();
    let org = reach.org;
    let mut q = receipts::table
        .filter(receipts::organization_fiscal_code.eq(org.as_str()))
        .filter(receipts::creditor_reference_id.eq(iuv))
        .into_boxed();
    if let Some(visible) = visible(reach) {
        q = q.filter(visible);
    }
    let rows: Vec<(String, String)> = q
        .order(receipts::id.desc())
        .select((receipts::status, receipts::document))
        .load(conn)?;
    let applied = rows
        .iter()
        .find(|(s, _)| s == ReceiptStatus::Applied.as_str());
    Ok(applied.or(rows.first()).map(|(_, d)| d.clone()))
}
