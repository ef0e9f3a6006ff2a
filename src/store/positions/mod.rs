//! Debt positions in the database: every operation loads the aggregate, lets the domain decide,
//! and saves the result in one transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events as store_events;
use super::models::{assemble, OptionRecord, PositionRecord, TransferRecord};
use super::schema::{payment_options as po, payment_positions as pp, transfers as tr};
use super::{write_tx, DbConnection, StoreError};
use crate::domain::events::{self, NewEvent};
use crate::domain::{
    Amount, DomainError, Iupd, OptionStatus, OrgFiscalCode, Organization, PayOutcome,
    PaymentDetails, Position, PositionInput, PositionStatus, Replay, TransferId,
};

pub type Backend = <DbConnection as Connection>::Backend;

/// What a change touched, so only that is written back.
pub(crate) enum Change {
    /// Options and transfers replaced wholesale (PUT).
    Replace,
    /// These options (and their transfers) changed in place.
    Options(Vec<usize>),
}

fn not_found_iupd(org: &OrgFiscalCode, iupd: &str) -> StoreError {
    StoreError::Domain(DomainError::NotFound(format!(
        "No debt position found for organization {org} and IUPD '{iupd}'"
    )))
}

fn load_positions(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<Position>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let positions: Vec<(i64, PositionRecord)> = pp::table
        .filter(pp::id.eq_any(ids))
        .select((pp::id, PositionRecord::as_select()))
        .load(conn)?;
    let options: Vec<(i64, OptionRecord)> = po::table
        .filter(po::payment_position_id.eq_any(ids))
        .order(po::id.asc())
        .select((po::id, OptionRecord::as_select()))
        .load(conn)?;
    let option_ids: Vec<i64> = options.iter().map(|(id, _)| *id).collect();
    let transfers: Vec<TransferRecord> = tr::table
        .filter(tr::payment_option_id.eq_any(&option_ids))
        .select(TransferRecord::as_select())
        .load(conn)?;
    let mut loaded = assemble(positions, options, transfers)?;
    loaded.sort_by_key(|p| ids.iter().position(|id| Some(*id) == p.id));
    Ok(loaded)
}

/// One position in three queries whose SQL does not vary, so the prepared statements are reused.
pub(crate) fn load_one(conn: &mut DbConnection, id: i64) -> Result<Position, StoreError> {
    let position: Vec<(i64, PositionRecord)> = pp::table
        .filter(pp::id.eq(id))
        .select((pp::id, PositionRecord::as_select()))
        .load(conn)?;
    let options: Vec<(i64, OptionRecord)> = po::table
        .filter(po::payment_position_id.eq(id))
        .order(po::id.asc())
        .select((po::id, OptionRecord::as_select()))
        .load(conn)?;
    let transfers: Vec<TransferRecord> = tr::table
        .inner_join(po::table)
        .filter(po::payment_position_id.eq(id))
        .select(TransferRecord::as_select())
        .load(conn)?;
    assemble(position, options, transfers)?
        .pop()
        .ok_or_else(|| StoreError::Corrupt(format!("position {id} vanished")))
}

fn find_id_by_iupd(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iupd: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(pp::table
        .filter(pp::organization_fiscal_code.eq(org.as_str()))
        .filter(pp::iupd.eq(iupd))
        .select(pp::id)
        .first(conn)
        .optional()?)
}

/// Id of the position owning the option with this notice number, or else this IUV.
pub(crate) fn find_id_by_option(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
) -> Result<Option<i64>, StoreError> {
    let by_nav = po::table
        .filter(po::organization_fiscal_code.eq(org.as_str()))
        .filter(po::nav.eq(nav_or_iuv))
        .select(po::payment_position_id)
        .first(conn)
        .optional()?;
    if by_nav.is_some() {
        return Ok(by_nav);
    }
    Ok(po::table
        .filter(po::organization_fiscal_code.eq(org.as_str()))
        .filter(po::iuv.eq(nav_or_iuv))
        .select(po::payment_position_id)
        .first(conn)
        .optional()?)
}

/// Takes the row lock of a position for the rest of the transaction. SQLite already holds the
/// database write lock (`BEGIN IMMEDIATE`); MySQL locks the row.
#[cfg_attr(not(feature = "mysql"), allow(unused_variables))]
pub(crate) fn lock_position(conn: &mut DbConnection, id: i64) -> Result<(), StoreError> {
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => {
            pp::table
                .filter(pp::id.eq(id))
                .select(pp::id)
                .for_update()
                .first::<i64>(c)?;
            Ok(())
        }
    }
}

/// Refuses IUVs or notice numbers already used by another position, naming the field.
fn check_unique_options(
    conn: &mut DbConnection,
    position: &Position,
    own_id: Option<i64>,
) -> Result<(), StoreError> {
    let iuvs: Vec<&str> = position.options.iter().map(|o| o.iuv.as_str()).collect();
    let navs: Vec<&str> = position.options.iter().map(|o| o.nav.as_str()).collect();
    let org = position.organization_fiscal_code.as_str();
    let others = own_id.unwrap_or(-1);
    // Two lookups, one per unique index: an OR of both would scan the institution's options.
    let mut taken: Vec<(String, String, i64)> = po::table
        .filter(po::organization_fiscal_code.eq(org))
        .filter(po::iuv.eq_any(&iuvs))
        .filter(po::payment_position_id.ne(others))
        .select((po::iuv, po::nav, po::payment_position_id))
        .load(conn)?;
    taken.extend(
        po::table
            .filter(po::organization_fiscal_code.eq(org))
            .filter(po::nav.eq_any(&navs))
            .filter(po::payment_position_id.ne(others))
            .select((po::iuv, po::nav, po::payment_position_id))
            .load::<(String, String, i64)>(conn)?,
    );
    for (i, option) in position.options.iter().enumerate() {
        for (iuv, nav, _) in &taken {
            let (field, value) = if iuv == option.iuv.as_str() {
                ("iuv", iuv)
            } else if nav == option.nav.as_str() {
                ("nav", nav)
            } else {
                continue;
            };
            return Err(StoreError::Duplicate(format!(
                "paymentOption[{i}].{field}: '{value}' is already used by another debt position of organization {}",
                position.organization_fiscal_code
            )));
        }
    }
    Ok(())
}

fn insert_children(
    conn: &mut DbConnection,
    position_id: i64,
    position: &Position,
) -> Result<(), StoreError> {
    let org = &position.organization_fiscal_code;
    let options: Vec<OptionRecord> = position
        .options
        .iter()
        .map(|o| OptionRecord::from_domain(position_id, org, o))
        .collect();
    insert_rows!(conn, po::table, &options);
    let ids: Vec<(i64, String)> = po::table
        .filter(po::payment_position_id.eq(position_id))
        .select((po::id, po::iuv))
        .load(conn)?;
    let mut transfers = Vec::new();
    for option in &position.options {
        let option_id = ids
            .iter()
            .find(|(_, iuv)| iuv == option.iuv.as_str())
            .map(|(id, _)| *id)
            .ok_or_else(|| StoreError::Corrupt(format!("option {} not stored", option.iuv)))?;
        transfers.extend(
            option
                .transfers
                .iter()
                .map(|t| TransferRecord::from_domain(option_id, t)),
        );
    }
    insert_rows!(conn, tr::table, &transfers);
    Ok(())
}

fn delete_children(conn: &mut DbConnection, position_id: i64) -> Result<(), StoreError> {
    let option_ids = po::table
        .filter(po::payment_position_id.eq(position_id))
        .select(po::id);
    diesel::delete(tr::table.filter(tr::payment_option_id.eq_any(option_ids))).execute(conn)?;
    diesel::delete(po::table.filter(po::payment_position_id.eq(position_id))).execute(conn)?;
    Ok(())
}

fn duplicate_iupd(position: &Position) -> impl Fn(StoreError) -> StoreError + '_ {
    move |e| match e {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!(
            "iupd: a debt position '{}' already exists for organization {}",
            position.iupd, position.organization_fiscal_code
        )),
        other => other,
    }
}

fn duplicate_option(position: &Position) -> impl Fn(StoreError) -> StoreError + '_ {
    move |e| {
        match e {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!(
            "paymentOption: an IUV or notice number is already used by another debt position of organization {}",
            position.organization_fiscal_code
        )),
        other => other,
    }
    }
}

/// Stores a new position; a taken IUPD, IUV or notice number is refused as a duplicate.
pub fn create(
    conn: &mut DbConnection,
    org: &Organization,
    input: PositionInput,
    now: NaiveDateTime,
    to_publish: bool,
) -> Result<Position, StoreError> {
    let mut position = Position::create(org, input, now, to_publish)?;
    let id = write_tx(conn, |c| insert_position(c, &position))?;
    position.id = Some(id);
    Ok(position)
}

/// Stores several positions in one transaction: all or none. Errors name the position index.
pub fn create_many(
    conn: &mut DbConnection,
    org: &Organization,
    inputs: Vec<PositionInput>,
    now: NaiveDateTime,
    to_publish: bool,
) -> Result<usize, StoreError> {
    let at = |i: usize| {
        move |e: StoreError| match e {
            StoreError::Domain(DomainError::Validation(mut f)) => {
                f.path = format!("paymentPositions[{i}].{}", f.path);
                StoreError::Domain(DomainError::Validation(f))
            }
            StoreError::Duplicate(m) => StoreError::Duplicate(format!("paymentPositions[{i}].{m}")),
            other => other,
        }
    };
    let positions = inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            Position::create(org, input, now, to_publish).map_err(|e| at(i)(e.into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_tx(conn, |c| {
        for (i, position) in positions.iter().enumerate() {
            insert_position(c, position).map_err(at(i))?;
        }
        Ok(positions.len())
    })
}

fn insert_position(c: &mut DbConnection, position: &Position) -> Result<i64, StoreError> {
    if find_id_by_iupd(
        c,
        &position.organization_fiscal_code,
        position.iupd.as_str(),
    )?
    .is_some()
    {
        return Err(duplicate_iupd(position)(StoreError::Duplicate(
            String::new(),
        )));
    }
    check_unique_options(c, position, None)?;
    diesel::insert_into(pp::table)
        .values(&PositionRecord::from_domain(position))
        .execute(c)
        .map_err(|e| duplicate_iupd(position)(e.into()))?;
    let id = find_id_by_iupd(
        c,
        &position.organization_fiscal_code,
        position.iupd.as_str(),
    )?
    .ok_or_else(|| StoreError::Corrupt("inserted position not found".to_owned()))?;
    insert_children(c, id, position).map_err(duplicate_option(position))?;
    Ok(id)
}

/// Sets the SEND notification fee of an unpaid option (added to its amount and primary transfer).
pub fn set_notification_fee(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
    fee: Amount,
    now: NaiveDateTime,
) -> Result<(Position, usize), StoreError> {
    let find = |c: &mut DbConnection| {
        find_id_by_option(c, org, nav_or_iuv)?.ok_or_else(|| {
            StoreError::Domain(DomainError::NotFound(format!(
                "No payment option found for '{nav_or_iuv}'"
            )))
        })
    };
    let (position, index) = modify(conn, find, None, |p| {
        let index = p.set_notification_fee(nav_or_iuv, fee, now)?;
        Ok((Change::Options(vec![index]), index))
    })?;
    Ok((position, index))
}

/// Loads, locks, changes and saves one position in a transaction. `expected_version` (from
/// `If-Match`) guards against lost updates; the stored version is always re-checked on save.
fn modify<T>(
    conn: &mut DbConnection,
    position_id: impl FnOnce(&mut DbConnection) -> Result<i64, StoreError>,
    expected_version: Option<i32>,
    change: impl FnOnce(&mut Position) -> Result<(Change, T), StoreError>,
) -> Result<(Position, T), StoreError> {
    write_tx(conn, |c| {
        let id = position_id(c)?;
        lock_position(c, id)?;
        modify_locked(c, id, expected_version, change, |_| Vec::new())
    })
}

/// The body of [`modify`], for callers already in a transaction holding the position's lock.
/// Nothing is written unless `change` succeeds.
pub(crate) fn modify_locked<T>(
    c: &mut DbConnection,
    id: i64,
    expected_version: Option<i32>,
    change: impl FnOnce(&mut Position) -> Result<(Change, T), StoreError>,
    leading_events: impl FnOnce(&Position) -> Vec<NewEvent>,
) -> Result<(Position, T), StoreError> {
    let mut position = load_one(c, id)?;
    let before = position.status;
    if let Some(expected) = expected_version {
        if expected != position.version {
            return Err(StoreError::VersionMismatch {
                expected,
                actual: position.version,
            });
        }
    }
    let loaded_version = position.version;
    let (what, result) = change(&mut position)?;
    position.version = loaded_version + 1;
    let updated = diesel::update(
        pp::table
            .filter(pp::id.eq(id))
            .filter(pp::version.eq(loaded_version)),
    )
    .set(&PositionRecord::from_domain(&position))
    .execute(c)?;
    if updated != 1 {
        return Err(StoreError::Conflict(format!(
            "The debt position {} was changed concurrently; retry",
            position.iupd
        )));
    }
    match what {
        Change::Replace => {
            check_unique_options(c, &position, Some(id))?;
            delete_children(c, id)?;
            insert_children(c, id, &position).map_err(duplicate_option(&position))?;
        }
        Change::Options(indices) => {
            for i in indices {
                update_option(c, &position, i)?;
            }
        }
    }
    let mut new_events = leading_events(&position);
    new_events.extend(events::transitions(
        before,
        &position,
        position.last_updated_date,
    ));
    store_events::insert(c, &new_events)?;
    Ok((position, result))
}

fn update_option(
    conn: &mut DbConnection,
    position: &Position,
    index: usize,
) -> Result<(), StoreError> {
    let org = position.organization_fiscal_code.as_str();
    let option = &position.options[index];
    let option_id: i64 = po::table
        .filter(po::organization_fiscal_code.eq(org))
        .filter(po::iuv.eq(option.iuv.as_str()))
        .select(po::id)
        .first(conn)?;
    let position_id = position.id.unwrap_or_default();
    diesel::update(po::table.filter(po::id.eq(option_id)))
        .set(&OptionRecord::from_domain(
            position_id,
            &position.organization_fiscal_code,
            option,
        ))
        .execute(conn)?;
    for transfer in &option.transfers {
        diesel::update(
            tr::table
                .filter(tr::payment_option_id.eq(option_id))
                .filter(tr::transfer_id.eq(i32::from(transfer.id.get()))),
        )
        .set(&TransferRecord::from_domain(option_id, transfer))
        .execute(conn)?;
    }
    Ok(())
}

fn by_iupd<'a>(
    org: &'a OrgFiscalCode,
    iupd: &'a str,
) -> impl FnOnce(&mut DbConnection) -> Result<i64, StoreError> + 'a {
    move |c| find_id_by_iupd(c, org, iupd)?.ok_or_else(|| not_found_iupd(org, iupd))
}

pub fn update(
    conn: &mut DbConnection,
    org: &Organization,
    iupd: &Iupd,
    input: PositionInput,
    now: NaiveDateTime,
    to_publish: bool,
    expected_version: Option<i32>,
) -> Result<Position, StoreError> {
    let fc = org.fiscal_code.clone();
    let (position, ()) = modify(conn, by_iupd(&fc, iupd.as_str()), expected_version, |p| {
        p.update(org, input, now, to_publish)?;
        Ok((Change::Replace, ()))
    })?;
    Ok(position)
}

pub fn publish(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<Position, StoreError> {
    let (position, ()) = modify(conn, by_iupd(org, iupd), None, |p| {
        p.publish(now)?;
        Ok((Change::Options((0..p.options.len()).collect()), ()))
    })?;
    Ok(position)
}

pub fn invalidate(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<Position, StoreError> {
    let (position, ()) = modify(conn, by_iupd(org, iupd), None, |p| {
        p.invalidate(now)?;
        Ok((Change::Options(Vec::new()), ()))
    })?;
    Ok(position)
}

pub fn delete(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iupd: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    write_tx(conn, |c| {
        let id = by_iupd(org, iupd)(c)?;
        lock_position(c, id)?;
        load_one(c, id)?.ensure_deletable(now)?;
        delete_children(c, id)?;
        diesel::delete(pp::table.filter(pp::id.eq(id))).execute(c)?;
        Ok(())
    })
}

/// Applies a payment to the option with this notice number (or IUV).
pub fn pay(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
    payment: PaymentDetails,
    replay: Replay,
    now: NaiveDateTime,
) -> Result<(Position, usize, PayOutcome), StoreError> {
    let find = |c: &mut DbConnection| {
        find_id_by_option(c, org, nav_or_iuv)?.ok_or_else(|| {
            StoreError::Domain(DomainError::NotFound(format!(
                "No payment option found for '{nav_or_iuv}'"
            )))
        })
    };
    let (position, (index, outcome)) = modify(conn, find, None, |p| {
        let (index, outcome) = p.pay(nav_or_iuv, payment, replay, now)?;
        Ok((Change::Options(vec![index]), (index, outcome)))
    })?;
    Ok((position, index, outcome))
}

pub fn report_transfer(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iuv: &str,
    transfer_id: TransferId,
    now: NaiveDateTime,
) -> Result<(Position, usize), StoreError> {
    let find = |c: &mut DbConnection| {
        let id = po::table
            .filter(po::organization_fiscal_code.eq(org.as_str()))
            .filter(po::iuv.eq(iuv))
            .select(po::payment_position_id)
            .first(c)
            .optional()?;
        id.ok_or_else(|| {
            StoreError::Domain(DomainError::NotFound(format!(
                "No payment option found for IUV '{iuv}'"
            )))
        })
    };
    let (position, index) = modify(conn, find, None, |p| {
        let index = p.report_transfer(iuv, transfer_id, now)?;
        Ok((Change::Options(vec![index]), index))
    })?;
    Ok((position, index))
}

pub fn get_by_iupd(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iupd: &str,
) -> Result<Position, StoreError> {
    let id = by_iupd(org, iupd)(conn)?;
    load_one(conn, id)
}

/// The position owning the option with this notice number or IUV.
pub fn get_by_option(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
) -> Result<Position, StoreError> {
    let id = find_id_by_option(conn, org, nav_or_iuv)?.ok_or_else(|| {
        StoreError::Domain(DomainError::NotFound(format!(
            "No payment option found for '{nav_or_iuv}'"
        )))
    })?;
    load_one(conn, id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    InsertedDate,
    Iupd,
    Status,
    CompanyName,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub due_date: Option<(NaiveDateTime, NaiveDateTime)>,
    pub payment_date: Option<(NaiveDateTime, NaiveDateTime)>,
    pub status: Option<PositionStatus>,
    pub order_by: Option<OrderBy>,
    pub ascending: bool,
    pub page: i64,
    pub limit: i64,
}

pub struct Page {
    pub positions: Vec<Position>,
    pub total: i64,
}

type BoxedPositions<'a> = pp::BoxedQuery<'a, Backend>;

/// Positions of `org` matching the filter. The status filter uses the read-time status, so a
/// PUBLISHED position past its validity date is listed as VALID even before the batch runs.
fn filtered<'a>(org: &'a OrgFiscalCode, f: &ListFilter, now: NaiveDateTime) -> BoxedPositions<'a> {
    let mut q = pp::table
        .filter(pp::organization_fiscal_code.eq(org.as_str()))
        .into_boxed();
    if let Some((from, to)) = f.due_date {
        let with_due = po::table
            .filter(po::organization_fiscal_code.eq(org.as_str()))
            .filter(po::due_date.ge(from))
            .filter(po::due_date.le(to))
            .select(po::payment_position_id);
        q = q.filter(pp::id.eq_any(with_due));
    }
    if let Some((from, to)) = f.payment_date {
        q = q
            .filter(pp::payment_date.ge(from))
            .filter(pp::payment_date.le(to));
    }
    if let Some(status) = f.status {
        let valid_now = pp::status.eq(PositionStatus::Valid.as_str()).or(pp::status
            .eq(PositionStatus::Published.as_str())
            .and(pp::validity_date.le(now)));
        let expiring = pp::switch_to_expired
            .eq(true)
            .and(pp::max_due_date.lt(now))
            .and(pp::payment_date.is_null());
        q = match status {
            PositionStatus::Published => q.filter(
                pp::status
                    .eq(PositionStatus::Published.as_str())
                    .and(pp::validity_date.is_null().or(pp::validity_date.gt(now))),
            ),
            PositionStatus::Valid => q.filter(valid_now.and(expiring.eq(false))),
            PositionStatus::Expired => q.filter(
                pp::status
                    .eq(PositionStatus::Expired.as_str())
                    .or(valid_now.and(expiring)),
            ),
            other => q.filter(pp::status.eq(other.as_str())),
        };
    }
    q
}

pub fn list(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    f: &ListFilter,
    now: NaiveDateTime,
) -> Result<Page, StoreError> {
    let total: i64 = filtered(org, f, now).count().get_result(conn)?;
    let mut q = filtered(org, f, now);
    q = match (f.order_by.unwrap_or(OrderBy::InsertedDate), f.ascending) {
        (OrderBy::InsertedDate, true) => q.order((pp::inserted_date.asc(), pp::id.asc())),
        (OrderBy::InsertedDate, false) => q.order((pp::inserted_date.desc(), pp::id.desc())),
        (OrderBy::Iupd, true) => q.order(pp::iupd.asc()),
        (OrderBy::Iupd, false) => q.order(pp::iupd.desc()),
        (OrderBy::Status, true) => q.order((pp::status.asc(), pp::id.asc())),
        (OrderBy::Status, false) => q.order((pp::status.desc(), pp::id.desc())),
        (OrderBy::CompanyName, true) => q.order((pp::company_name.asc(), pp::id.asc())),
        (OrderBy::CompanyName, false) => q.order((pp::company_name.desc(), pp::id.desc())),
    };
    let ids: Vec<i64> = q
        .select(pp::id)
        .offset(f.page * f.limit)
        .limit(f.limit)
        .load(conn)?;
    Ok(Page {
        positions: load_positions(conn, &ids)?,
        total,
    })
}

/// Replaces `old_iban` with `new_iban` on at most `limit` transfers of options still payable.
pub fn replace_iban(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    old_iban: &str,
    new_iban: &str,
    limit: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    write_tx(conn, |c| {
        let open_positions = pp::table
            .filter(pp::organization_fiscal_code.eq(org.as_str()))
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

/// Positions whose time-driven transition (PUBLISHED->VALID, VALID->EXPIRED) is due, claimed
/// and persisted in batches. Returns how many positions changed.
pub fn persist_time_transitions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    batch: i64,
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for (from, to) in [
        (PositionStatus::Published, PositionStatus::Valid),
        (PositionStatus::Valid, PositionStatus::Expired),
    ] {
        loop {
            let n = write_tx(conn, |c| {
                let ids = claim_due(c, to, now, batch)?;
                if ids.is_empty() {
                    return Ok(0);
                }
                let before = load_positions(c, &ids)?;
                let updated = diesel::update(
                    pp::table
                        .filter(pp::id.eq_any(&ids))
                        .filter(pp::status.eq(from.as_str())),
                )
                .set((
                    pp::status.eq(to.as_str()),
                    pp::last_updated_date.eq(now),
                    pp::version.eq(pp::version + 1),
                ))
                .execute(c)?;
                let new_events: Vec<NewEvent> = before
                    .into_iter()
                    .filter(|p| p.status == from)
                    .flat_map(|mut p| {
                        let was = p.status;
                        p.status = to;
                        p.last_updated_date = now;
                        events::transitions(was, &p, now)
                    })
                    .collect();
                store_events::insert(c, &new_events)?;
                Ok::<_, StoreError>(updated)
            })?;
            changed += n;
            if (n as i64) < batch {
                break;
            }
        }
    }
    Ok(changed)
}

/// Loads the ids of positions due for the transition to `to`, ordered by id; `$lock` adds
/// locking clauses (MySQL only).
macro_rules! due_ids {
    ($conn:expr, $to:expr, $now:expr, $batch:expr $(, $lock:ident)*) => {
        match $to {
            PositionStatus::Valid => pp::table
                .filter(pp::status.eq(PositionStatus::Published.as_str()))
                .filter(pp::validity_date.le($now))
                .select(pp::id)
                .order(pp::id.asc())
                .limit($batch)
                $(.$lock())*
                .load::<i64>($conn)?,
            _ => pp::table
                .filter(pp::status.eq(PositionStatus::Valid.as_str()))
                .filter(pp::switch_to_expired.eq(true))
                .filter(pp::max_due_date.lt($now))
                .filter(pp::payment_date.is_null())
                .select(pp::id)
                .order(pp::id.asc())
                .limit($batch)
                $(.$lock())*
                .load::<i64>($conn)?,
        }
    };
}

/// Claims due positions. On MySQL the rows are locked with `SKIP LOCKED`, so instances running
/// the batch at once split the work instead of repeating it; SQLite has a single writer.
fn claim_due(
    conn: &mut DbConnection,
    to: PositionStatus,
    now: NaiveDateTime,
    batch: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(match conn {
        DbConnection::Sqlite(c) => due_ids!(c, to, now, batch),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => due_ids!(c, to, now, batch, for_update, skip_locked),
    })
}
