//! Loading and saving the aggregate: a position with its options and transfers, written back in
//! the same transaction that locked it.

use diesel::prelude::*;

use super::patch;
use super::scope::Reach;
use super::Change;
use crate::domain::events::{self, NewEvent};
use crate::domain::{OrgFiscalCode, Position};
use crate::store::events as store_events;
use crate::store::models::{assemble, OptionRecord, PositionRecord, TransferRecord};
use crate::store::schema::{payment_options as po, payment_positions as pp, transfers as tr};
use crate::store::{write_tx, DbConnection, StoreError};

pub(super) fn load_positions(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<Vec<Position>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Three reads rather than one join: a page's joined rows repeat each position's columns for
    // every transfer, and decoding them cost more than the two extra statements.
    let positions: Vec<(i64, PositionRecord)> = pp::table
        .filter(pp::id.eq_any(ids))
        .select((pp::id, PositionRecord::as_select()))
        .load(conn)?;
    let options: Vec<(i64, OptionRecord)> = po::table
        .filter(po::payment_position_id.eq_any(ids))
        .select((po::id, OptionRecord::as_select()))
        .order(po::id.asc())
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

type Split = (
    Vec<(i64, PositionRecord)>,
    Vec<(i64, OptionRecord)>,
    Vec<TransferRecord>,
);

/// The distinct positions, options and transfers of joined rows ordered by option id.
fn split_joined(rows: Vec<JoinedRow>) -> Split {
    let mut seen = std::collections::HashSet::new();
    let mut positions = Vec::new();
    let mut options: Vec<(i64, OptionRecord)> = Vec::new();
    let mut transfers = Vec::with_capacity(rows.len());
    for (position_id, record, option_id, option, transfer) in rows {
        if seen.insert(position_id) {
            positions.push((position_id, record));
        }
        if options.last().map(|(id, _)| *id) != Some(option_id) {
            options.push((option_id, option));
        }
        transfers.extend(transfer);
    }
    (positions, options, transfers)
}

/// One position with its options and transfers, in one statement.
pub(super) fn load_one(conn: &mut DbConnection, id: i64) -> Result<Position, StoreError> {
    Ok(load_with_option_ids(conn, id)?.0)
}

/// The database ids of a loaded position's options, by IUV.
pub(crate) type OptionIds = Vec<(String, i64)>;

/// [`load_one`], with the ids of the options (for updating them in place).
fn load_with_option_ids(
    conn: &mut DbConnection,
    id: i64,
) -> Result<(Position, OptionIds), StoreError> {
    let rows: Vec<JoinedRow> = pp::table
        .inner_join(po::table.on(po::payment_position_id.eq(pp::id)))
        .left_join(tr::table.on(tr::payment_option_id.eq(po::id)))
        .filter(pp::id.eq(id))
        .select((
            pp::id,
            PositionRecord::as_select(),
            po::id,
            OptionRecord::as_select(),
            Option::<TransferRecord>::as_select(),
        ))
        .order(po::id.asc())
        .load(conn)?;
    fold_joined(rows)?.ok_or_else(|| StoreError::Corrupt(format!("position {id} vanished")))
}

/// A position, one of its options and one transfer of that option (if any).
type JoinedRow = (
    i64,
    PositionRecord,
    i64,
    OptionRecord,
    Option<TransferRecord>,
);

/// One position from its joined rows, ordered by option id.
fn fold_joined(rows: Vec<JoinedRow>) -> Result<Option<(Position, OptionIds)>, StoreError> {
    let (positions, options, transfers) = split_joined(rows);
    let ids = options.iter().map(|(id, o)| (o.iuv.clone(), *id)).collect();
    Ok(assemble(positions, options, transfers)?
        .pop()
        .map(|p| (p, ids)))
}

/// The position of `org` owning the option with this notice number, or else this IUV (as
/// [`find_id_by_option`]), with all its options and transfers in one statement: the Nodo's hot
/// read.
pub(super) fn load_by_option(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
) -> Result<Option<Position>, StoreError> {
    Ok(load_joined_by_option(conn, org, nav_or_iuv)?.map(|(p, _)| p))
}

fn load_joined_by_option(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
) -> Result<Option<(Position, OptionIds)>, StoreError> {
    let target = diesel::alias!(po as target);
    let query = pp::table
        .inner_join(target.on(target.field(po::payment_position_id).eq(pp::id)))
        .inner_join(po::table.on(po::payment_position_id.eq(pp::id)))
        .left_join(tr::table.on(tr::payment_option_id.eq(po::id)))
        .filter(target.field(po::organization_fiscal_code).eq(org.as_str()))
        .select((
            pp::id,
            PositionRecord::as_select(),
            po::id,
            OptionRecord::as_select(),
            Option::<TransferRecord>::as_select(),
        ))
        .order(po::id.asc());
    let mut rows: Vec<JoinedRow> = query
        .filter(target.field(po::nav).eq(nav_or_iuv))
        .load(conn)?;
    if rows.is_empty() {
        rows = query
            .filter(target.field(po::iuv).eq(nav_or_iuv))
            .load(conn)?;
    }
    fold_joined(rows)
}

/// A unique key of a position within its institution.
#[derive(Debug, Clone, Copy)]
pub(super) enum Key<'a> {
    Iupd(&'a str),
    /// The notice number of one of its options.
    Nav(&'a str),
    /// The IUV of one of its options.
    Iuv(&'a str),
}

/// Id of the position of `org` with this key.
pub(super) fn find_id(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    key: Key,
) -> Result<Option<i64>, StoreError> {
    let org = org.as_str();
    let options = po::table
        .filter(po::organization_fiscal_code.eq(org))
        .select(po::payment_position_id);
    let id = match key {
        Key::Iupd(iupd) => pp::table
            .filter(pp::organization_fiscal_code.eq(org))
            .filter(pp::iupd.eq(iupd))
            .select(pp::id)
            .first(conn),
        Key::Nav(nav) => options.filter(po::nav.eq(nav)).first(conn),
        Key::Iuv(iuv) => options.filter(po::iuv.eq(iuv)).first(conn),
    };
    Ok(id.optional()?)
}

/// Id of the position owning the option with this notice number, or else this IUV.
pub(crate) fn find_id_by_option(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
) -> Result<Option<i64>, StoreError> {
    match find_id(conn, org, Key::Nav(nav_or_iuv))? {
        Some(id) => Ok(Some(id)),
        None => find_id(conn, org, Key::Iuv(nav_or_iuv)),
    }
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
    let options: Vec<OptionRecord> = position
        .options
        .iter()
        .map(|o| OptionRecord::from_domain(position_id, position, o))
        .collect::<Result<_, _>>()?;
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
        for t in &option.transfers {
            transfers.push(TransferRecord::from_domain(option_id, t)?);
        }
    }
    insert_rows!(conn, tr::table, &transfers);
    Ok(())
}

pub(super) fn delete_children(conn: &mut DbConnection, position_id: i64) -> Result<(), StoreError> {
    // The ids as values, not a subquery: MariaDB runs `DELETE ... IN (SELECT ...)` as a scan of
    // every transfer, locking other positions' rows (deadlocks with their payments).
    let option_ids: Vec<i64> = po::table
        .filter(po::payment_position_id.eq(position_id))
        .select(po::id)
        .load(conn)?;
    diesel::delete(tr::table.filter(tr::payment_option_id.eq_any(&option_ids))).execute(conn)?;
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

pub(super) fn insert_position(
    c: &mut DbConnection,
    position: &Position,
) -> Result<i64, StoreError> {
    // The unique indexes decide; only a refused insert pays for the lookups naming the field.
    let key = Key::Iupd(position.iupd.as_str());
    diesel::insert_into(pp::table)
        .values(&PositionRecord::from_domain(position)?)
        .execute(c)
        .map_err(|e| duplicate_iupd(position)(e.into()))?;
    let id = find_id(c, &position.organization_fiscal_code, key)?
        .ok_or_else(|| StoreError::Corrupt("inserted position not found".to_owned()))?;
    match insert_children(c, id, position) {
        Err(StoreError::Duplicate(m)) => {
            check_unique_options(c, position, Some(id))?;
            Err(duplicate_option(position)(StoreError::Duplicate(m)))
        }
        other => other.map(|()| id),
    }
}

/// Loads, locks, changes and saves one position in a transaction. `expected_version` (from
/// `If-Match`) guards against lost updates; the stored version is always re-checked on save.
pub(super) fn modify<T>(
    conn: &mut DbConnection,
    reach: Reach,
    position_id: impl FnOnce(&mut DbConnection) -> Result<i64, StoreError>,
    expected_version: Option<i32>,
    change: impl FnOnce(&mut Position) -> Result<(Change, T), StoreError>,
) -> Result<(Position, T), StoreError> {
    write_tx(conn, |c| {
        let id = position_id(c)?;
        lock_position(c, id)?;
        // Within the caller's scope before the change, and still after it.
        let scoped = |p: &mut Position| {
            reach.check_write(p)?;
            let result = change(p)?;
            reach.check_write(p)?;
            Ok(result)
        };
        modify_locked(c, id, expected_version, scoped, |_| Vec::new())
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
    let loaded = load_with_option_ids(c, id)?;
    match save_changed(c, id, loaded, expected_version, change, leading_events)? {
        Ok(saved) => Ok(saved),
        Err(Unsaved::Refused(e)) => Err(e),
        Err(Unsaved::Stale(iupd)) => Err(StoreError::Conflict(format!(
            "The debt position {iupd} was changed concurrently; retry"
        ))),
    }
}

/// Why [`save_changed`] wrote nothing.
enum Unsaved {
    /// Another transaction changed the position (this IUPD) after it was read.
    Stale(String),
    /// The change refused the position as read.
    Refused(StoreError),
}

/// A position read before the write transaction that changes it, with what saving needs.
pub(crate) struct Snapshot {
    id: i64,
    position: Position,
    option_ids: OptionIds,
}

/// [`load_by_option`] as a [`Snapshot`], read outside any write transaction.
pub(crate) fn snapshot_by_option(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    nav_or_iuv: &str,
) -> Result<Option<Snapshot>, StoreError> {
    let Some((position, option_ids)) = load_joined_by_option(conn, org, nav_or_iuv)? else {
        return Ok(None);
    };
    let id = position
        .id
        .ok_or_else(|| StoreError::Corrupt(format!("position {} has no id", position.iupd)))?;
    Ok(Some(Snapshot {
        id,
        position,
        option_ids,
    }))
}

/// [`modify_locked`] from a position read before the transaction (SQLite's single writer and
/// MySQL's row locks then wait for less): saved if nobody changed it meanwhile, otherwise read
/// again under the lock and changed once more.
pub(crate) fn modify_snapshot<T>(
    c: &mut DbConnection,
    snapshot: Snapshot,
    change: impl Fn(&mut Position) -> Result<(Change, T), StoreError>,
    leading_events: impl Fn(&Position) -> Vec<NewEvent>,
) -> Result<(Position, T), StoreError> {
    let id = snapshot.id;
    let read = (snapshot.position, snapshot.option_ids);
    // A refusal may come from what changed since the read: decided again on the locked row.
    if let Ok(saved) = save_changed(c, id, read, None, &change, &leading_events)? {
        return Ok(saved);
    }
    lock_position(c, id)?;
    modify_locked(c, id, None, change, leading_events)
}

/// Applies `change` to a loaded position and saves what it touched, if the stored version is
/// still the loaded one; otherwise nothing is written.
fn save_changed<T>(
    c: &mut DbConnection,
    id: i64,
    (mut position, option_ids): (Position, OptionIds),
    expected_version: Option<i32>,
    change: impl FnOnce(&mut Position) -> Result<(Change, T), StoreError>,
    leading_events: impl FnOnce(&Position) -> Vec<NewEvent>,
) -> Result<Result<(Position, T), Unsaved>, StoreError> {
    let loaded = position.clone();
    let before = position.status;
    if let Some(expected) = expected_version {
        if expected != position.version {
            return Ok(Err(Unsaved::Refused(StoreError::VersionMismatch {
                expected,
                actual: position.version,
            })));
        }
    }
    let (what, result) = match change(&mut position) {
        Ok(changed) => changed,
        Err(e) => return Ok(Err(Unsaved::Refused(e))),
    };
    position.version = loaded.version + 1;
    let updated = patch::update_position(
        c,
        id,
        &PositionRecord::from_domain(&loaded)?,
        PositionRecord::from_domain(&position)?,
    )?;
    if updated != 1 {
        return Ok(Err(Unsaved::Stale(position.iupd.to_string())));
    }
    match what {
        Change::Replace => {
            check_unique_options(c, &position, Some(id))?;
            delete_children(c, id)?;
            insert_children(c, id, &position).map_err(duplicate_option(&position))?;
        }
        Change::Options(indices) => {
            for i in indices {
                update_option(c, id, &loaded, &position, &option_ids, i)?;
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
    Ok(Ok((position, result)))
}

/// Writes back option `index` of `position` and those of its transfers that differ from `loaded`.
fn update_option(
    conn: &mut DbConnection,
    position_id: i64,
    loaded: &Position,
    position: &Position,
    option_ids: &OptionIds,
    index: usize,
) -> Result<(), StoreError> {
    let option = &position.options[index];
    let not_loaded = || StoreError::Corrupt(format!("option {} not loaded", option.iuv));
    let before = loaded
        .options
        .iter()
        .find(|o| o.iuv == option.iuv)
        .ok_or_else(not_loaded)?;
    if before == option {
        return Ok(());
    }
    let option_id = option_ids
        .iter()
        .find(|(iuv, _)| iuv == option.iuv.as_str())
        .map(|(_, id)| *id)
        .ok_or_else(not_loaded)?;
    patch::update_option(
        conn,
        option_id,
        &OptionRecord::from_domain(position_id, loaded, before)?,
        OptionRecord::from_domain(position_id, position, option)?,
    )?;
    for transfer in &option.transfers {
        let unchanged = before
            .transfers
            .iter()
            .find(|t| t.id == transfer.id)
            .is_some_and(|t| t == transfer);
        if unchanged {
            continue;
        }
        diesel::update(
            tr::table
                .filter(tr::payment_option_id.eq(option_id))
                .filter(tr::transfer_id.eq(i32::from(transfer.id.get()))),
        )
        .set(&TransferRecord::from_domain(option_id, transfer)?)
        .execute(conn)?;
    }
    Ok(())
}
