//! Command line of the access model: `partner`, `delegation`, `key`, `audit`. Every change is
//! recorded in the audit log with the actor `cli`.

use clap::{ArgGroup, Args, Subcommand};

use super::{open, or_dash, org_code, print_table};
use crate::config::DatabaseConfig;
use crate::domain::access::{key_expired, KeyLabel, Partner, PartnerFiscalCode, Principal, Scope};
use crate::domain::{self, time::parse_date};
use crate::store::audit::{self, CLI_ACTOR};
use crate::store::delegations::{self, Granted};
use crate::store::keys::{self, KeyOptions};
use crate::store::{orgs, partners, taxonomy};

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Register a technology partner or intermediary (idempotent with the same data).
    Add {
        /// Fiscal code of the partner (11 digits).
        #[arg(long)]
        fiscal_code: String,
        /// Name of the partner.
        #[arg(long)]
        name: String,
    },
    /// List registered partners (with a header row).
    List,
}

/// `--org FC` or `--partner FC`, both optional.
#[derive(Debug, Args)]
pub struct Owner {
    /// Fiscal code of the institution.
    #[arg(long, conflicts_with = "partner")]
    org: Option<String>,
    /// Fiscal code of the partner.
    #[arg(long)]
    partner: Option<String>,
}

impl Owner {
    fn principal(&self) -> Result<Option<Principal>, String> {
        match (&self.org, &self.partner) {
            (Some(org), _) => Ok(Some(Principal::Institution(org_code(org)?))),
            (None, Some(partner)) => Ok(Some(Principal::Partner(partner_code(partner)?))),
            (None, None) => Ok(None),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum DelegationCommand {
    /// Let a partner act for an institution, within taxonomy prefixes (none: everything).
    /// Granting again replaces the scope.
    Grant {
        /// Fiscal code of the institution that delegates.
        #[arg(long)]
        org: String,
        /// Fiscal code of the partner.
        #[arg(long)]
        partner: String,
        /// Taxonomy prefix the partner may act on, e.g. 0101 or 0101108TS (repeatable or
        /// comma-separated); none means every position of the institution.
        #[arg(long)]
        scope: Vec<String>,
    },
    /// End an institution's delegation to a partner (effective on the next request).
    Revoke {
        /// Fiscal code of the institution.
        #[arg(long)]
        org: String,
        /// Fiscal code of the partner.
        #[arg(long)]
        partner: String,
    },
    /// List active delegations (with a header row).
    List {
        #[command(flatten)]
        of: Owner,
        /// Also list delegations revoked or replaced.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for an institution or a partner; the key is printed once, alone on the
    /// last line.
    #[command(group(ArgGroup::new("owner").args(["org", "partner"]).required(true)))]
    Create {
        /// Fiscal code of the institution the key acts for.
        #[arg(long)]
        org: Option<String>,
        /// Fiscal code of the partner the key belongs to (it acts where delegated).
        #[arg(long)]
        partner: Option<String>,
        /// Taxonomy prefix the key is limited to (repeatable or comma-separated); none means
        /// everything its owner may reach.
        #[arg(long)]
        scope: Vec<String>,
        /// What the key is for, e.g. "gestionale TARI".
        #[arg(long)]
        label: Option<String>,
        /// Last day the key works (UTC), YYYY-MM-DD.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke a key by its id (see `key list`).
    Revoke {
        /// Key id, as `key list` shows it.
        #[arg(long)]
        key_id: String,
    },
    /// List keys (ids only, never the secret; with a header row).
    List {
        #[command(flatten)]
        of: Owner,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List the latest audit entries, newest first (with a header row).
    List {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub(super) fn partner_code(value: &str) -> Result<PartnerFiscalCode, String> {
    PartnerFiscalCode::parse("partner", value).map_err(|e| e.to_string())
}

/// `--scope` values, each one prefix or a comma-separated list.
fn parse_scope(values: &[String]) -> Result<Scope, String> {
    Scope::parse_list("scope", &values.join(",")).map_err(|e| e.to_string())
}

fn dash_or<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

pub fn partner_command(database: &DatabaseConfig, cmd: PartnerCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    match cmd {
        PartnerCommand::Add { fiscal_code, name } => {
            let fiscal_code =
                PartnerFiscalCode::parse("fiscal-code", &fiscal_code).map_err(|e| e.to_string())?;
            let partner = Partner::new(fiscal_code, &name).map_err(|e| e.to_string())?;
            let fc = &partner.fiscal_code;
            match partners::add(&mut conn, &partner, domain::now()).map_err(|e| e.to_string())? {
                orgs::Registration::Created => println!("partner {fc} registered"),
                orgs::Registration::AlreadyRegistered => {
                    println!("partner {fc} already registered with the same data")
                }
            }
        }
        PartnerCommand::List => {
            let list = partners::list(&mut conn).map_err(|e| e.to_string())?;
            print_table(
                &["FISCAL CODE", "NAME"],
                list.into_iter()
                    .map(|p| vec![p.fiscal_code.to_string(), p.name]),
            );
        }
    }
    Ok(())
}

pub fn delegation_command(database: &DatabaseConfig, cmd: DelegationCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    let now = domain::now();
    match cmd {
        DelegationCommand::Grant {
            org,
            partner,
            scope,
        } => {
            let (org, partner) = (org_code(&org)?, partner_code(&partner)?);
            let scope = parse_scope(&scope)?;
            let granted = delegations::grant(&mut conn, &org, &partner, &scope, CLI_ACTOR, now)
                .map_err(|e| e.to_string())?;
            match granted {
                Granted::New => println!(
                    "organization {org} delegates to partner {partner} with scope {scope}"
                ),
                Granted::Replaced { previous } => println!(
                    "delegation of organization {org} to partner {partner} now has scope {scope} (was {previous})"
                ),
                Granted::Unchanged => println!(
                    "organization {org} already delegates to partner {partner} with scope {scope}"
                ),
            }
        }
        DelegationCommand::Revoke { org, partner } => {
            let (org, partner) = (org_code(&org)?, partner_code(&partner)?);
            let ended = delegations::revoke(&mut conn, &org, &partner, CLI_ACTOR, now)
                .map_err(|e| e.to_string())?;
            println!(
                "delegation of organization {org} to partner {partner} revoked (scope was {})",
                ended.scope
            );
        }
        DelegationCommand::List { of, all } => {
            let list = delegations::list(&mut conn, of.principal()?.as_ref(), all)
                .map_err(|e| e.to_string())?;
            let catalog = taxonomy::catalog(&mut conn).map_err(|e| e.to_string())?;
            print_table(
                &["ORGANIZATION", "PARTNER", "SCOPE", "GRANTED", "STATE"],
                list.into_iter().map(|d| {
                    let state = match d.revoked_at {
                        Some(at) => format!("ended {at}"),
                        None => "active".to_owned(),
                    };
                    vec![
                        d.org.to_string(),
                        d.partner.to_string(),
                        catalog.name_scope(&d.scope),
                        d.granted_at.to_string(),
                        state,
                    ]
                }),
            );
        }
    }
    Ok(())
}

pub fn key_command(database: &DatabaseConfig, cmd: KeyCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    let now = domain::now();
    match cmd {
        KeyCommand::Create {
            org,
            partner,
            scope,
            label,
            expires,
        } => {
            let owner = Owner { org, partner }
                .principal()?
                .ok_or("give --org or --partner")?;
            let expires = expires
                .map(|text| {
                    parse_date(&text)
                        .ok_or_else(|| format!("expires: '{text}' is not a date (YYYY-MM-DD)"))
                })
                .transpose()?;
            let options = KeyOptions {
                scope: parse_scope(&scope)?,
                label: label
                    .map(|l| KeyLabel::parse("label", &l))
                    .transpose()
                    .map_err(|e| e.to_string())?,
                expires,
            };
            let key = keys::create(&mut conn, &owner, &options, CLI_ACTOR, now)
                .map_err(|e| e.to_string())?;
            let mut limits = Vec::new();
            if !options.scope.is_all() {
                limits.push(format!("scope {}", options.scope));
            }
            if let Some(day) = options.expires {
                limits.push(format!("works through {day} UTC"));
            }
            let limits = if limits.is_empty() {
                String::new()
            } else {
                format!(" ({})", limits.join(", "))
            };
            let owner = match &owner {
                Principal::Institution(fc) => format!("organization {fc}"),
                Principal::Partner(fc) => format!("partner {fc}"),
            };
            println!(
                "API key {} created for {owner}{limits}; it is shown only now:",
                key.key_id
            );
            println!("{}", key.secret);
        }
        KeyCommand::Revoke { key_id } => {
            if keys::revoke(&mut conn, &key_id, CLI_ACTOR, now).map_err(|e| e.to_string())? {
                println!("API key {key_id} revoked");
            } else {
                return Err(format!("no active API key with id {key_id}"));
            }
        }
        KeyCommand::List { of } => {
            let list =
                keys::list(&mut conn, of.principal()?.as_ref()).map_err(|e| e.to_string())?;
            let catalog = taxonomy::catalog(&mut conn).map_err(|e| e.to_string())?;
            print_table(
                &[
                    "KEY ID",
                    "LABEL",
                    "SCOPE",
                    "CREATED",
                    "EXPIRES",
                    "LAST USED",
                    "STATE",
                    "OWNER",
                ],
                list.into_iter().map(|key| {
                    let state = match key.revoked_at {
                        Some(at) => format!("revoked {at}"),
                        None if key_expired(key.expires_at, now) => "expired".to_owned(),
                        None => "active".to_owned(),
                    };
                    vec![
                        key.key_id,
                        or_dash(key.label.as_deref()),
                        catalog.name_scope(&key.scope),
                        key.created_at.to_string(),
                        dash_or(key.expires_at),
                        dash_or(key.last_used_at),
                        state,
                        key.owner.to_string(),
                    ]
                }),
            );
        }
    }
    Ok(())
}

pub fn audit_command(database: &DatabaseConfig, cmd: AuditCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    match cmd {
        AuditCommand::List { limit } => {
            let list = audit::list(&mut conn, i64::from(limit)).map_err(|e| e.to_string())?;
            print_table(
                &["ID", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAIL"],
                list.into_iter().map(|e| {
                    vec![
                        e.id.to_string(),
                        e.at.to_string(),
                        e.actor,
                        e.action,
                        e.subject,
                        dash_or(Some(e.detail).filter(|d| !d.is_empty())),
                    ]
                }),
            );
        }
    }
    Ok(())
}
