//! `gpd-gateway taxonomy import|list`: PagoPA's taxonomy catalog, optional reference data that
//! gives the codes of transfer categories and taxonomy scopes their names.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::config::DatabaseConfig;
use crate::domain::access::TaxonomyPrefix;
use crate::domain::taxonomy::{self, csv};
use crate::store::{self, DatabaseUrl};

#[derive(Debug, Subcommand)]
pub enum TaxonomyCommand {
    /// Replace the catalog with PagoPA's taxonomy CSV (`;` or `,` separated, UTF-8), in one
    /// transaction; a file with an error changes nothing.
    Import {
        /// The CSV file, e.g. the export of PagoPA's "Tassonomia dei servizi di incasso".
        file: PathBuf,
    },
    /// List the catalog (with a header row), ordered by code.
    List {
        /// Only the codes starting with this prefix: 01, 0101, 0101108 or 0101108TS.
        #[arg(long)]
        prefix: Option<String>,
    },
}

fn date(value: Option<chrono::NaiveDate>) -> String {
    value.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

fn open(database: &DatabaseConfig) -> Result<store::DbConnection, String> {
    store::connect_single(&DatabaseUrl::parse(&database.database_url)?)
}

pub fn run(database: &DatabaseConfig, cmd: TaxonomyCommand) -> Result<(), String> {
    match cmd {
        TaxonomyCommand::Import { file } => import(database, &file),
        TaxonomyCommand::List { prefix } => list(database, prefix.as_deref()),
    }
}

fn import(database: &DatabaseConfig, file: &Path) -> Result<(), String> {
    // The whole file is read and checked before the database is opened: a bad file changes
    // nothing, and the catalog is replaced in one transaction.
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let entries = csv::read(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut conn = open(database)?;
    let before = store::taxonomy::replace_all(&mut conn, &entries).map_err(|e| e.to_string())?;
    println!(
        "taxonomy catalog replaced: {} entries loaded ({before} before)",
        entries.len()
    );
    for (code, name, count) in taxonomy::count_by_institution_type(&entries) {
        println!("  {code} {name}: {count}");
    }
    Ok(())
}

fn list(database: &DatabaseConfig, prefix: Option<&str>) -> Result<(), String> {
    let prefix = prefix
        .map(|p| TaxonomyPrefix::parse("prefix", p))
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut conn = open(database)?;
    let entries = store::taxonomy::list(&mut conn, prefix.as_ref()).map_err(|e| e.to_string())?;
    println!(
        "CODE\tINSTITUTION TYPE\tMACRO AREA\tSERVICE TYPE\tLEGAL REASON\tVALID FROM\tVALID TO"
    );
    for e in entries {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            e.code,
            e.institution_type_name,
            e.macro_area_name,
            e.service_type_name,
            e.code.legal_reason(),
            date(e.valid_from),
            date(e.valid_to)
        );
    }
    Ok(())
}
