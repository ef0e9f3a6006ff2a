//! PagoPA's taxonomy catalog (optional): one row per full code, replaced as a whole by an import.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::models::OrCorrupt;
use super::schema::taxonomy_entries;
use super::{write_tx, DbConnection, StoreError};
use crate::domain::access::TaxonomyPrefix;
use crate::domain::taxonomy::{self, Catalog, TaxonomyCode, TaxonomyEntry};

/// Rows per INSERT: 12 columns each, well under either backend's limit on parameters.
const ROWS_PER_INSERT: usize = 200;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = taxonomy_entries)]
struct EntryRecord {
    code: String,
    institution_type: String,
    institution_type_name: String,
    macro_area: String,
    macro_area_name: String,
    macro_area_description: Option<String>,
    service_type: String,
    service_type_name: String,
    service_type_description: Option<String>,
    legal_reason: String,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

impl EntryRecord {
    fn from_domain(e: &TaxonomyEntry) -> Self {
        Self {
            code: e.code.to_string(),
            institution_type: e.code.institution_type().to_owned(),
            institution_type_name: e.institution_type_name.clone(),
            macro_area: e.code.macro_area().to_owned(),
            macro_area_name: e.macro_area_name.clone(),
            macro_area_description: e.macro_area_description.clone(),
            service_type: e.code.service_type().to_owned(),
            service_type_name: e.service_type_name.clone(),
            service_type_description: e.service_type_description.clone(),
            legal_reason: e.code.legal_reason().to_owned(),
            valid_from: e.valid_from,
            valid_to: e.valid_to,
        }
    }

    fn into_domain(self) -> Result<TaxonomyEntry, StoreError> {
        let code =
            TaxonomyCode::parse("code", &self.code).or_corrupt("taxonomy code", &self.code)?;
        Ok(TaxonomyEntry {
            code,
            institution_type_name: self.institution_type_name,
            macro_area_name: self.macro_area_name,
            macro_area_description: self.macro_area_description,
            service_type_name: self.service_type_name,
            service_type_description: self.service_type_description,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        })
    }
}

/// Replaces the whole catalog with `entries` in one transaction; returns how many it had before.
pub fn replace_all(conn: &mut DbConnection, entries: &[TaxonomyEntry]) -> Result<i64, StoreError> {
    let rows: Vec<EntryRecord> = entries.iter().map(EntryRecord::from_domain).collect();
    write_tx(conn, |c| {
        let before: i64 = taxonomy_entries::table.count().get_result(c)?;
        diesel::delete(taxonomy_entries::table).execute(c)?;
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            insert_rows!(c, taxonomy_entries::table, chunk);
        }
        Ok(before)
    })
}

/// The entries whose code starts with `prefix` (all without one), ordered by code.
pub fn list(
    conn: &mut DbConnection,
    prefix: Option<&TaxonomyPrefix>,
) -> Result<Vec<TaxonomyEntry>, StoreError> {
    let mut query = taxonomy_entries::table.into_boxed();
    if let Some(prefix) = prefix {
        // A prefix is digits and capital letters only: nothing in it is a LIKE wildcard.
        query = query.filter(taxonomy_entries::code.like(format!("{prefix}%")));
    }
    query
        .order(taxonomy_entries::code.asc())
        .select(EntryRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(EntryRecord::into_domain)
        .collect()
}

/// The whole catalog in memory (a few thousand rows at most), to name many codes at once.
pub fn catalog(conn: &mut DbConnection) -> Result<Catalog, StoreError> {
    Ok(Catalog::new(list(conn, None)?))
}

/// The display name of one prefix (see [`taxonomy::describe`]), in one query; `None` without a
/// catalog or when it has nothing under the prefix.
pub fn describe(
    conn: &mut DbConnection,
    prefix: &TaxonomyPrefix,
) -> Result<Option<String>, StoreError> {
    let first = taxonomy_entries::table
        .filter(taxonomy_entries::code.like(format!("{prefix}%")))
        .order(taxonomy_entries::code.asc())
        .select(EntryRecord::as_select())
        .first(conn)
        .optional()?;
    Ok(match first {
        Some(record) => taxonomy::describe(prefix, &record.into_domain()?),
        None => None,
    })
}
