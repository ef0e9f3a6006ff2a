//! `notice` (a position's payment notice as PDF) and `org notice-settings` (what notices print
//! besides the position).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{open, org_code};
use crate::config::DatabaseConfig;
use crate::domain::{self, Iupd};
use crate::notice;
use crate::store::notice_settings::{self, Change, NoticeSettings};
use crate::store::positions as store;
use crate::store::DbConnection;

#[derive(Debug, Args)]
pub struct NoticeArgs {
    /// Fiscal code of the institution.
    #[arg(long)]
    org: String,
    /// IUPD of the position.
    #[arg(long)]
    iupd: String,
    /// Where to write the PDF (default `<iupd>.pdf`; `-` for standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Writes the payment notice of a position.
pub fn run(database: &DatabaseConfig, args: NoticeArgs) -> Result<(), String> {
    let org = org_code(&args.org)?;
    let iupd = Iupd::parse("iupd", &args.iupd).map_err(|e| e.to_string())?;
    let mut conn = open(database)?;
    let institution =
        notice_settings::load_institution(&mut conn, &org).map_err(|e| e.to_string())?;
    let position = store::get_by_iupd(&mut conn, &org, iupd.as_str()).map_err(|e| e.to_string())?;
    let notice =
        notice::build(&position, &institution, domain::now()).map_err(|e| e.to_string())?;
    let pdf = notice::render(&notice).map_err(|e| e.to_string())?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{iupd}.pdf")));
    if output.as_os_str() == "-" {
        std::io::stdout()
            .write_all(&pdf)
            .map_err(|e| format!("cannot write the notice: {e}"))?;
        return Ok(());
    }
    std::fs::write(&output, &pdf).map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    println!(
        "notice of {iupd} written to {} ({} payment blocks, {} bytes)",
        output.display(),
        notice.items.len(),
        pdf.len()
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct NoticeSettingsArgs {
    /// Fiscal code of the registered institution.
    #[arg(long, visible_alias = "org")]
    fiscal_code: String,
    /// Logo printed on its notices: a PNG file (at most 512 KiB and 2000 pixels a side).
    #[arg(long, conflicts_with = "no_logo")]
    logo: Option<PathBuf>,
    /// Remove the logo.
    #[arg(long)]
    no_logo: bool,
    /// Poste's authorization to print the postal form ("bollettino postale PA"); with it, a
    /// payment option whose first transfer has a postal IBAN gets the postal form.
    #[arg(long, conflicts_with = "no_poste_auth")]
    poste_auth: Option<String>,
    /// Remove the authorization: no postal form is printed.
    #[arg(long)]
    no_poste_auth: bool,
    /// Holder of the postal accounts, printed on the postal form (default: the institution's name).
    #[arg(long, conflicts_with = "no_postal_holder")]
    postal_holder: Option<String>,
    /// Remove the postal accounts' holder.
    #[arg(long)]
    no_postal_holder: bool,
}

fn clear_or(clear: bool, value: Option<String>) -> Option<Option<String>> {
    if clear {
        Some(None)
    } else {
        value.map(Some)
    }
}

fn describe(org: &str, s: &NoticeSettings) -> String {
    format!(
        "{org}\tlogo {}\tposte authorization {}\tpostal holder {}",
        s.logo
            .as_ref()
            .map_or("-".to_owned(), |l| format!("{} bytes", l.len())),
        s.poste_authorization.as_deref().unwrap_or("-"),
        s.postal_holder.as_deref().unwrap_or("-"),
    )
}

/// Shows (without options) or changes an institution's notice settings.
pub fn settings(conn: &mut DbConnection, args: NoticeSettingsArgs) -> Result<(), String> {
    let org = org_code(&args.fiscal_code)?;
    let logo = match (&args.logo, args.no_logo) {
        (_, true) => Some(None),
        (Some(path), false) => {
            Some(Some(std::fs::read(path).map_err(|e| {
                format!("cannot read {}: {e}", path.display())
            })?))
        }
        (None, false) => None,
    };
    let change = Change {
        logo,
        poste_authorization: clear_or(args.no_poste_auth, args.poste_auth),
        postal_holder: clear_or(args.no_postal_holder, args.postal_holder),
    };
    if change.is_empty() {
        let current = notice_settings::get(conn, &org)
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        println!("{}", describe(org.as_str(), &current));
        return Ok(());
    }
    let now =
        notice_settings::update(conn, &org, change, domain::now()).map_err(|e| e.to_string())?;
    println!("{}", describe(org.as_str(), &now));
    Ok(())
}
