//! The counters behind generated IUVs (shapes in [`crate::domain::iuv`]): one row per institution
//! and segregation code (`''` when its aux digit has none), holding the next value to hand out,
//! incremented in the transaction that uses the value.
//!
//! Safe across processes and instances: the first statement of an allocation is an atomic
//! insert-or-increment of the row, which on MySQL/MariaDB takes the row's exclusive lock until
//! the transaction ends (two instances racing on the very first insert meet on the primary key:
//! the second waits, then increments), and on SQLite runs under the database write lock that
//! `BEGIN IMMEDIATE` took. A rolled-back transaction gives its value back.

use std::collections::HashSet;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::Text;

use super::schema::{iuv_sequences as seq, payment_options as po};
use super::{write_tx, DbConnection, StoreError};
use crate::domain::iuv::SEGREGATION_FIELD;
use crate::domain::{
    Iuv, IuvScheme, NoticeNumber, OrgFiscalCode, Organization, PendingIuvs, Position,
    SegregationCode,
};

/// Candidates looked up at once when values taken by hand have to be skipped.
const WINDOW: u64 = 8;

/// Generates the next IUV and notice number of `org` (with the segregation code asked for, or
/// its only one: see [`IuvScheme::resolve`]; errors name `segregationCode`).
///
/// **Must be called inside [`write_tx`]**, ideally the transaction that stores the option using
/// the value: the counter row stays locked until it ends, and a rollback gives the value back.
/// Outside a transaction it fails with [`DieselError::NotInTransaction`].
///
/// Values whose IUV or notice number an option of `org` already uses (IUVs given by hand) are
/// skipped.
pub fn allocate(
    c: &mut DbConnection,
    org: &Organization,
    segregation: Option<&SegregationCode>,
) -> Result<(Iuv, NoticeNumber), StoreError> {
    let scheme = IuvScheme::resolve(org, SEGREGATION_FIELD, segregation)?;
    allocate_with(c, &org.fiscal_code, &scheme, &HashSet::new())
}

/// [`allocate`] in a transaction of its own: the value is reserved once this returns.
pub fn allocate_now(
    conn: &mut DbConnection,
    org: &Organization,
    segregation: Option<&SegregationCode>,
) -> Result<(Iuv, NoticeNumber), StoreError> {
    write_tx(conn, |c| allocate(c, org, segregation))
}

/// Gives the pending options of `position` generated IUVs and notice numbers, none of them in
/// `taken` (the values given by hand in the same request). Inside [`write_tx`].
pub(crate) fn assign_pending(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    pending: &PendingIuvs,
    taken: &HashSet<String>,
    position: &mut Position,
) -> Result<(), StoreError> {
    let generated = pending
        .options
        .iter()
        .map(|_| allocate_with(c, org, &pending.scheme, taken))
        .collect::<Result<Vec<_>, _>>()?;
    pending.assign(position, generated)?;
    Ok(())
}

fn in_transaction(c: &mut DbConnection) -> bool {
    let status = match c {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    matches!(status.transaction_depth(), Ok(Some(_)))
}

/// Increments the counter row (inserting it on first use) and returns the value it held.
fn claim(c: &mut DbConnection, org: &OrgFiscalCode, key: &str) -> Result<u64, StoreError> {
    const COLUMNS: &str =
        "INSERT INTO iuv_sequences (organization_fiscal_code, segregation_code, next_value) VALUES (?, ?, 2)";
    match c {
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "{COLUMNS} ON CONFLICT (organization_fiscal_code, segregation_code) DO UPDATE SET next_value = next_value + 1"
        ))
        .bind::<Text, _>(org.as_str())
        .bind::<Text, _>(key)
        .execute(c)?,
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => {
            diesel::sql_query(format!(
                "{COLUMNS} ON DUPLICATE KEY UPDATE next_value = next_value + 1"
            ))
            .bind::<Text, _>(org.as_str())
            .bind::<Text, _>(key)
            .execute(c)?
        }
    };
    // Our own write: read back as written, whatever the isolation level.
    let next: i64 = seq::table
        .filter(seq::organization_fiscal_code.eq(org.as_str()))
        .filter(seq::segregation_code.eq(key))
        .select(seq::next_value)
        .first(c)?;
    next.checked_sub(1)
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("IUV counter of {org} '{key}' is {next}")))
}

/// The IUVs and notice numbers among `iuvs` / `navs` that options of `org` already use.
fn used(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    iuvs: &[&str],
    navs: &[&str],
) -> Result<HashSet<String>, StoreError> {
    // One lookup per unique index, as in the position checks.
    let mut used: HashSet<String> = po::table
        .filter(po::organization_fiscal_code.eq(org.as_str()))
        .filter(po::iuv.eq_any(iuvs))
        .select(po::iuv)
        .load::<String>(c)?
        .into_iter()
        .collect();
    used.extend(
        po::table
            .filter(po::organization_fiscal_code.eq(org.as_str()))
            .filter(po::nav.eq_any(navs))
            .select(po::nav)
            .load::<String>(c)?,
    );
    Ok(used)
}

/// The next free value of the counter `scheme` names, skipping taken ones.
pub(crate) fn allocate_with(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    scheme: &IuvScheme,
    taken: &HashSet<String>,
) -> Result<(Iuv, NoticeNumber), StoreError> {
    if !in_transaction(c) {
        return Err(StoreError::Database(DieselError::NotInTransaction));
    }
    let key = scheme.segregation_key();
    let claimed = claim(c, org, key)?;
    let mut counter = claimed;
    loop {
        let mut window = Vec::new();
        for value in counter..counter.saturating_add(WINDOW) {
            if value > scheme.max_counter() && !window.is_empty() {
                break;
            }
            let (iuv, nav) = scheme.generate(value)?;
            window.push((value, iuv, nav));
        }
        let iuvs: Vec<&str> = window.iter().map(|(_, iuv, _)| iuv.as_str()).collect();
        let navs: Vec<&str> = window.iter().map(|(_, _, nav)| nav.as_str()).collect();
        let used = used(c, org, &iuvs, &navs)?;
        let free = window.iter().position(|(_, iuv, nav)| {
            [iuv.as_str(), nav.as_str()]
                .iter()
                .all(|v| !used.contains(*v) && !taken.contains(*v))
        });
        let Some(index) = free else {
            counter += window.len() as u64;
            continue;
        };
        let (value, iuv, nav) = window.swap_remove(index);
        if value != claimed {
            let next = i64::try_from(value + 1)
                .map_err(|_| StoreError::Corrupt(format!("IUV counter value {value}")))?;
            diesel::update(
                seq::table
                    .filter(seq::organization_fiscal_code.eq(org.as_str()))
                    .filter(seq::segregation_code.eq(key)),
            )
            .set(seq::next_value.eq(next))
            .execute(c)?;
        }
        return Ok((iuv, nav));
    }
}
