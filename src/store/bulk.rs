//! Fast bulk insert of new positions, for seeding large datasets (the benchmark) and imports:
//! multi-row INSERTs of the positions, then of their options and transfers, all in one write
//! transaction per call.
//!
//! The positions must come from [`Position::create`], which applied every domain rule. Unlike
//! [`super::positions::create_many`], uniqueness is left to the database's constraints: a taken
//! IUPD, IUV or notice number fails the whole call with [`StoreError::Duplicate`], and nothing
//! is stored. Generated ids are read back once per chunk, not once per row.

use std::collections::HashMap;

use diesel::prelude::*;

use super::models::{OptionRecord, PositionRecord, TransferRecord};
use super::schema::{payment_options as po, payment_positions as pp, transfers as tr};
use super::{write_tx, DbConnection, StoreError};
use crate::domain::{PaymentOption, Position};

/// Rows per INSERT (and keys per id lookup). At 27 columns that is 13,500 bound parameters,
/// within SQLite's 32,766 and MySQL's 65,535.
const ROWS_PER_STATEMENT: usize = 500;

/// Stores new positions with their options and transfers, in one transaction: all or none.
/// Returns the ids of the positions, in input order.
pub fn insert_positions(
    conn: &mut DbConnection,
    positions: &[Position],
) -> Result<Vec<i64>, StoreError> {
    write_tx(conn, |c| {
        let mut ids = Vec::with_capacity(positions.len());
        for chunk in positions.chunks(ROWS_PER_STATEMENT) {
            ids.extend(insert_chunk(c, chunk)?);
        }
        Ok(ids)
    })
}

fn insert_chunk(c: &mut DbConnection, chunk: &[Position]) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<PositionRecord> = chunk
        .iter()
        .map(PositionRecord::from_domain)
        .collect::<Result<_, _>>()?;
    insert_rows!(c, pp::table, &rows);
    let keys: Vec<(&str, &str)> = chunk
        .iter()
        .map(|p| (p.organization_fiscal_code.as_str(), p.iupd.as_str()))
        .collect();
    let position_ids = ids_of(c, &keys, |c, orgs, iupds| {
        Ok(pp::table
            .filter(pp::organization_fiscal_code.eq_any(orgs))
            .filter(pp::iupd.eq_any(iupds))
            .select((pp::id, pp::organization_fiscal_code, pp::iupd))
            .load(c)?)
    })?;

    let options: Vec<(i64, &Position, &PaymentOption)> = chunk
        .iter()
        .zip(&position_ids)
        .flat_map(|(p, &id)| p.options.iter().map(move |o| (id, p, o)))
        .collect();
    for part in options.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<OptionRecord> = part
            .iter()
            .map(|(id, p, o)| OptionRecord::from_domain(*id, p, o))
            .collect::<Result<_, _>>()?;
        insert_rows!(c, po::table, &rows);
        let keys: Vec<(&str, &str)> = part
            .iter()
            .map(|(_, p, o)| (p.organization_fiscal_code.as_str(), o.iuv.as_str()))
            .collect();
        let option_ids = ids_of(c, &keys, |c, orgs, iuvs| {
            Ok(po::table
                .filter(po::organization_fiscal_code.eq_any(orgs))
                .filter(po::iuv.eq_any(iuvs))
                .select((po::id, po::organization_fiscal_code, po::iuv))
                .load(c)?)
        })?;
        let transfers: Vec<TransferRecord> = part
            .iter()
            .zip(&option_ids)
            .flat_map(|((_, _, o), &id)| {
                o.transfers
                    .iter()
                    .map(move |t| TransferRecord::from_domain(id, t))
            })
            .collect::<Result<_, _>>()?;
        for rows in transfers.chunks(ROWS_PER_STATEMENT) {
            insert_rows!(c, tr::table, rows);
        }
    }
    Ok(position_ids)
}

/// The ids of rows just inserted, by (institution, key), in the order of `keys`. `load` gets the
/// distinct institutions and the keys, and returns `(id, institution, key)` rows.
fn ids_of(
    c: &mut DbConnection,
    keys: &[(&str, &str)],
    load: impl FnOnce(
        &mut DbConnection,
        &[&str],
        &[&str],
    ) -> Result<Vec<(i64, String, String)>, StoreError>,
) -> Result<Vec<i64>, StoreError> {
    let mut orgs: Vec<&str> = keys.iter().map(|(org, _)| *org).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let values: Vec<&str> = keys.iter().map(|(_, key)| *key).collect();
    let found: HashMap<(String, String), i64> = load(c, &orgs, &values)?
        .into_iter()
        .map(|(id, org, key)| ((org, key), id))
        .collect();
    keys.iter()
        .map(|(org, key)| {
            found
                .get(&((*org).to_owned(), (*key).to_owned()))
                .copied()
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("inserted row '{key}' of {org} not found"))
                })
        })
        .collect()
}
