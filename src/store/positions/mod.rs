//! Debt positions in the database: every operation loads the aggregate, lets the domain decide,
//! and saves the result in one transaction.
//!
//! `rw` loads and saves the aggregate, `list` filters and pages, `transitions` persists the
//! time-driven statuses, and `status` turns the read-time status table into SQL.

mod list;
mod patch;
mod rw;
mod scope;
mod status;
mod transitions;

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{payment_options as po, payment_positions as pp, transfers as tr};
use super::{iuvs, write_tx, DbConnection, StoreError};
use crate::domain::access::Scope;
use crate::domain::{
    Amount, DomainError, Iupd, NewPosition, OptionStatus, OrgFiscalCode, Organization, PayOutcome,
    PaymentDetails, Position, PositionInput, PositionStatus, Replay, TransferId,
};
pub use list::{count, list, ListFilter, OrderBy, Page};
use rw::{delete_children, find_id, insert_position, load_by_option, load_one, modify, Key};
pub(crate) use rw::{
    find_id_by_option, lock_position, modify_locked, modify_snapshot, snapshot_by_option,
};
pub use scope::{Reach, ScopedOrg};
pub use transitions::persist_time_transitions;

pub type Backend = <DbConnection as Connection>::Backend;

/// What a change touched, so only that is written back.
pub(crate) enum Change {
    /// Options and transfers replaced wholesale (PUT).
    Replace,
    /// These options (and their transfers) changed in place.
    Options(Vec<usize>),
}

/// `id`, or NotFound with `message`.
fn found(id: Option<i64>, message: impl FnOnce() -> String) -> Result<i64, StoreError> {
    id.ok_or_else(|| StoreError::Domain(DomainError::NotFound(message())))
}

/// Stores a new position; a taken IUPD, IUV or notice number is refused as a duplicate. Options
/// pending an IUV ([`NewPosition::pending`]) get generated ones in the same transaction, once
/// every domain rule has passed.
pub fn create(
    conn: &mut DbConnection,
    org: &Organization,
    scope: &Scope,
    input: impl Into<NewPosition>,
    now: NaiveDateTime,
    to_publish: bool,
) -> Result<Position, StoreError> {
    let NewPosition { input, pending } = input.into();
    let mut position = Position::create(org, input, now, to_publish)?;
    Reach::within(&org.fiscal_code, scope).check_write(&position)?;
    let id = write_tx(conn, |c| {
        if let Some(pending) = &pending {
            let taken = pending.taken(&position);
            iuvs::assign_pending(c, &org.fiscal_code, pending, &taken, &mut position)?;
        }
        insert_position(c, &position)
    })?;
    position.id = Some(id);
    Ok(position)
}

/// Inserts a position built by the caller, inside the caller's transaction; its id.
pub(crate) fn insert_new(c: &mut DbConnection, position: &Position) -> Result<i64, StoreError> {
    insert_position(c, position)
}

/// Stores several positions in one transaction: all or none. Errors name the position index.
/// Generated IUVs avoid those given by hand anywhere in the batch.
pub fn create_many<T: Into<NewPosition>>(
    conn: &mut DbConnection,
    org: &Organization,
    scope: &Scope,
    inputs: Vec<T>,
    now: NaiveDateTime,
    to_publish: bool,
) -> Result<usize, StoreError> {
    let at = |i: usize| at_index("paymentPositions", i);
    let mut positions = inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            let NewPosition { input, pending } = input.into();
            let position =
                Position::create(org, input, now, to_publish).map_err(|e| at(i)(e.into()))?;
            Reach::within(&org.fiscal_code, scope)
                .check_write(&position)
                .map_err(at(i))?;
            Ok::<_, StoreError>((position, pending))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let taken: HashSet<String> = positions
        .iter()
        .flat_map(|(p, pending)| match pending {
            Some(pending) => pending.taken(p),
            None => p
                .options
                .iter()
                .flat_map(|o| [o.iuv.to_string(), o.nav.to_string()])
                .collect(),
        })
        .collect();
    write_tx(conn, |c| {
        for (i, (position, pending)) in positions.iter_mut().enumerate() {
            if let Some(pending) = pending {
                iuvs::assign_pending(c, &org.fiscal_code, pending, &taken, position)
                    .map_err(at(i))?;
            }
            insert_position(c, position).map_err(at(i))?;
        }
        Ok(positions.len())
    })
}

/// Sets the SEND notification fee of an unpaid option (added to its amount and primary transfer).
pub fn set_notification_fee<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    nav_or_iuv: &str,
    fee: Amount,
    now: NaiveDateTime,
) -> Result<(Position, usize), StoreError> {
    let reach = reach.into();
    let (position, index) = modify(conn, reach, by_option(reach.org, nav_or_iuv), None, |p| {
        let index = p.set_notification_fee(nav_or_iuv, fee, now)?;
        Ok((Change::Options(vec![index]), index))
    })?;
    Ok((position, index))
}

fn missing_iupd(org: &OrgFiscalCode, iupd: &str) -> String {
    format!("No debt position found for organization {org} and IUPD '{iupd}'")
}

fn missing_option(nav_or_iuv: &str) -> String {
    format!("No payment option found for '{nav_or_iuv}'")
}

/// Finds the position with this IUPD.
fn by_iupd<'a>(
    org: &'a OrgFiscalCode,
    iupd: &'a str,
) -> impl FnOnce(&mut DbConnection) -> Result<i64, StoreError> + 'a {
    move |c| {
        found(find_id(c, org, Key::Iupd(iupd))?, || {
            missing_iupd(org, iupd)
        })
    }
}

/// Finds the position owning the option with this notice number (or IUV).
fn by_option<'a>(
    org: &'a OrgFiscalCode,
    nav_or_iuv: &'a str,
) -> impl FnOnce(&mut DbConnection) -> Result<i64, StoreError> + 'a {
    move |c| {
        found(find_id_by_option(c, org, nav_or_iuv)?, || {
            missing_option(nav_or_iuv)
        })
    }
}

/// How an update applies: publish at once, and the version it was based on (`If-Match`).
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateMode {
    pub to_publish: bool,
    pub expected_version: Option<i32>,
}

pub fn update(
    conn: &mut DbConnection,
    org: &Organization,
    scope: &Scope,
    iupd: &Iupd,
    input: PositionInput,
    now: NaiveDateTime,
    mode: UpdateMode,
) -> Result<Position, StoreError> {
    let UpdateMode {
        to_publish,
        expected_version,
    } = mode;
    let fc = org.fiscal_code.clone();
    let reach = Reach::within(&fc, scope);
    let (position, ()) = modify(
        conn,
        reach,
        by_iupd(&fc, iupd.as_str()),
        expected_version,
        |p| {
            p.update(org, input, now, to_publish)?;
            Ok((Change::Replace, ()))
        },
    )?;
    Ok(position)
}

pub fn publish<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<Position, StoreError> {
    let reach = reach.into();
    let (position, ()) = modify(conn, reach, by_iupd(reach.org, iupd), None, |p| {
        p.publish(now)?;
        Ok((Change::Options((0..p.options.len()).collect()), ()))
    })?;
    Ok(position)
}

pub fn invalidate<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<Position, StoreError> {
    let reach = reach.into();
    let (position, ()) = modify(conn, reach, by_iupd(reach.org, iupd), None, |p| {
        p.invalidate(now)?;
        Ok((Change::Options(Vec::new()), ()))
    })?;
    Ok(position)
}

pub fn delete<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let reach = reach.into();
    write_tx(conn, |c| delete_locked(c, reach, iupd, now))
}

fn delete_locked(
    c: &mut DbConnection,
    reach: Reach,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let id = by_iupd(reach.org, iupd)(c)?;
    lock_position(c, id)?;
    let position = load_one(c, id)?;
    reach.check_write(&position)?;
    position.ensure_deletable(now)?;
    delete_children(c, id)?;
    diesel::delete(pp::table.filter(pp::id.eq(id))).execute(c)?;
    Ok(())
}

/// Deletes several positions in one transaction: all, or none when one is missing, outside the
/// caller's scope or paid. Errors name the IUPD's index in the request.
pub fn delete_many<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iupds: &[Iupd],
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let reach = reach.into();
    write_tx(conn, |c| {
        for (i, iupd) in iupds.iter().enumerate() {
            delete_locked(c, reach, iupd.as_str(), now)
                .map_err(at_index("paymentPositionIUPDs", i))?;
        }
        Ok(iupds.len())
    })
}

/// Replaces several positions (matched by IUPD) in one transaction: all, or none.
pub fn update_many(
    conn: &mut DbConnection,
    org: &Organization,
    scope: &Scope,
    inputs: Vec<PositionInput>,
    now: NaiveDateTime,
    to_publish: bool,
) -> Result<usize, StoreError> {
    let fc = org.fiscal_code.clone();
    let reach = Reach::within(&fc, scope);
    let count = inputs.len();
    write_tx(conn, |c| {
        for (i, input) in inputs.into_iter().enumerate() {
            let at = at_index("paymentPositions", i);
            let id = by_iupd(&fc, input.iupd.as_str())(c).map_err(&at)?;
            lock_position(c, id).map_err(&at)?;
            let change = |p: &mut Position| {
                reach.check_write(p)?;
                p.update(org, input, now, to_publish)?;
                reach.check_write(p)?;
                Ok((Change::Replace, ()))
            };
            modify_locked(c, id, None, change, |_| Vec::new()).map_err(&at)?;
        }
        Ok(count)
    })
}

/// Names the element of a request list an error is about: `paymentPositions[3].iupd: ...`.
fn at_index(list: &str, i: usize) -> impl Fn(StoreError) -> StoreError + '_ {
    move |e| {
        let prefix = format!("{list}[{i}]");
        match e {
            StoreError::Domain(DomainError::Validation(mut f)) => {
                f.path = format!("{prefix}.{}", f.path);
                StoreError::Domain(DomainError::Validation(f))
            }
            StoreError::Domain(DomainError::NotFound(m)) => {
                StoreError::Domain(DomainError::NotFound(format!("{prefix}: {m}")))
            }
            StoreError::Domain(DomainError::Conflict(m)) => {
                StoreError::Domain(DomainError::Conflict(format!("{prefix}: {m}")))
            }
            StoreError::Domain(DomainError::Forbidden(m)) => {
                StoreError::Domain(DomainError::Forbidden(format!("{prefix}.{m}")))
            }
            StoreError::Domain(DomainError::Unprocessable(m)) => {
                StoreError::Domain(DomainError::Unprocessable(format!("{prefix}: {m}")))
            }
            StoreError::Duplicate(m) => StoreError::Duplicate(format!("{prefix}.{m}")),
            other => other,
        }
    }
}

/// Applies a payment to the option with this notice number (or IUV).
pub fn pay<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    nav_or_iuv: &str,
    payment: PaymentDetails,
    replay: Replay,
    now: NaiveDateTime,
) -> Result<(Position, usize, PayOutcome), StoreError> {
    let reach = reach.into();
    let find = by_option(reach.org, nav_or_iuv);
    let (position, (index, outcome)) = modify(conn, reach, find, None, |p| {
        let (index, outcome) = p.pay(nav_or_iuv, payment, replay, now)?;
        Ok((Change::Options(vec![index]), (index, outcome)))
    })?;
    Ok((position, index, outcome))
}

pub fn report_transfer<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iuv: &str,
    transfer_id: TransferId,
    now: NaiveDateTime,
) -> Result<(Position, usize), StoreError> {
    let reach = reach.into();
    let org = reach.org;
    let find = |c: &mut DbConnection| {
        found(find_id(c, org, Key::Iuv(iuv))?, || {
            format!("No payment option found for IUV '{iuv}'")
        })
    };
    let (position, index) = modify(conn, reach, find, None, |p| {
        let index = p.report_transfer(iuv, transfer_id, now)?;
        Ok((Change::Options(vec![index]), index))
    })?;
    Ok((position, index))
}

pub fn get_by_iupd<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    iupd: &str,
) -> Result<Position, StoreError> {
    let reach = reach.into();
    let position = get(conn, by_iupd(reach.org, iupd))?;
    reach.visible(position, || missing_iupd(reach.org, iupd))
}

/// The position owning the option with this notice number or IUV.
pub fn get_by_option<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    nav_or_iuv: &str,
) -> Result<Position, StoreError> {
    let reach = reach.into();
    let position = load_by_option(conn, reach.org, nav_or_iuv)?
        .ok_or_else(|| DomainError::NotFound(missing_option(nav_or_iuv)))?;
    reach.visible(position, || missing_option(nav_or_iuv))
}

fn get(
    conn: &mut DbConnection,
    find: impl FnOnce(&mut DbConnection) -> Result<i64, StoreError>,
) -> Result<Position, StoreError> {
    let id = find(conn)?;
    load_one(conn, id)
}

/// Replaces `old_iban` with `new_iban` on at most `limit` transfers of options still payable.
pub fn replace_iban<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    old_iban: &str,
    new_iban: &str,
    limit: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let reach = reach.into();
    let org = reach.org;
    write_tx(conn, |c| {
        let inside = reach.sql_text().unwrap_or_else(|| "1 = 1".to_owned());
        let open_positions = pp::table
            .filter(pp::organization_fiscal_code.eq(org.as_str()))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&inside))
            .filter(pp::status.eq_any([
                PositionStatus::Draft.as_str(),
                PositionStatus::Published.as_str(),
                PositionStatus::Valid.as_str(),
                PositionStatus::PartiallyPaid.as_str(),
            ]))
            .select(pp::id);
        let unpaid_options = po::table
            .filter(po::payment_position_id.eq_any(open_positions))
            .filter(po::status.eq(OptionStatus::Unpaid.as_str()))
            .select(po::id);
        let ids: Vec<i64> = tr::table
            .filter(tr::iban.eq(old_iban))
            .filter(tr::payment_option_id.eq_any(unpaid_options))
            .select(tr::id)
            .order(tr::id.asc())
            .limit(limit)
            .load(c)?;
        let updated = diesel::update(tr::table.filter(tr::id.eq_any(&ids)))
            .set((tr::iban.eq(new_iban), tr::last_updated_date.eq(now)))
            .execute(c)?;
        Ok(updated)
    })
}
