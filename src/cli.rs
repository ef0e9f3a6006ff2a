//! Command line: `serve` (default), `migrate`, `org`, `station`; `webhook` is in
//! [`webhook`]; `partner`,
//! `delegation`, `key` and `audit` are in [`access`].

mod access;
mod notice;
mod portal;
mod webhook;

pub mod taxonomy;

use clap::{Parser, Subcommand};

use crate::app::Application;
use crate::config::{DatabaseConfig, ServeConfig};
use crate::domain::{self, OrgFiscalCode, Organization, SegregationCode};
use crate::store::{self, orgs, stations, DatabaseUrl, DbConnection};
use access::{AuditCommand, DelegationCommand, KeyCommand, PartnerCommand};

#[derive(Debug, Parser)]
#[command(
    name = "gpd-gateway",
    version,
    about = "Debt positions for pagoPA: the GPD-compatible REST API for creditor institutions and \
             the Nodo's SOAP paForNode operations (verify, get payment, receipts), on SQLite or \
             MySQL/MariaDB"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Creditor institutions.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Technology partners and intermediaries that institutions delegate to.
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Delegations: which partner may act for which institution, on which taxonomy domains.
    #[command(subcommand)]
    Delegation(DelegationCommand),
    /// API keys of institutions and partners.
    #[command(subcommand)]
    Key(KeyCommand),
    /// The audit log of grants, revocations and keys.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Stations through which the pagoPA Nodo calls for an institution.
    #[command(subcommand)]
    Station(StationCommand),
    /// Where an institution (or a partner) receives its events.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Operators of the self-service portal.
    #[command(subcommand)]
    Admin(portal::AdminCommand),
    /// Onboarding requests made in the portal's sign-up page.
    #[command(subcommand)]
    Onboarding(portal::OnboardingCommand),
    /// PagoPA's taxonomy catalog: names for the codes of transfer categories (optional).
    #[command(subcommand)]
    Taxonomy(taxonomy::TaxonomyCommand),
    /// The keys that seal webhook secrets at rest: new keys, resealing after a rotation.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Write the payment notice (PDF) of a position.
    Notice(notice::NoticeArgs),
}

#[derive(Debug, Subcommand)]
pub enum StationCommand {
    /// Link an institution to a broker's station (idempotent with the same data).
    Add {
        /// Fiscal code of the broker (intermediario) the Nodo sends as idBrokerPA.
        #[arg(long)]
        broker: String,
        /// Station id the Nodo sends as idStation, e.g. 77777777777_01.
        #[arg(long)]
        station: String,
        /// Fiscal code of the institution (idPA).
        #[arg(long)]
        org: String,
        /// Primitive version configured for the station on the Nodo: 1 or 2.
        #[arg(long, default_value_t = 2)]
        version: i32,
    },
    /// List stations (with a header row).
    List,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an institution (idempotent with the same data).
    Add {
        /// Fiscal code of the institution (11 digits), its idPA on the Nodo.
        #[arg(long)]
        fiscal_code: String,
        /// Name, as the Nodo shows it (companyName).
        #[arg(long)]
        name: String,
        /// Office name (officeName), optional.
        #[arg(long, visible_alias = "office-name")]
        office: Option<String>,
        /// Segregation code allowed in its IUVs (repeatable or comma-separated); none means any.
        #[arg(long = "segregation-code")]
        segregation_codes: Vec<String>,
        /// First digit of its notice numbers: 0 to 3.
        #[arg(long, default_value_t = domain::org::DEFAULT_AUX_DIGIT)]
        aux_digit: u8,
        /// Application code (2 digits), with aux digit 0 only.
        #[arg(long)]
        application_code: Option<String>,
    },
    /// Change a registered institution's name, office or segregation codes (idempotent). The aux
    /// digit and application code cannot change: they shape the notice numbers already issued.
    Update {
        /// Fiscal code of the registered institution.
        #[arg(long)]
        fiscal_code: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New office name; an empty value removes it.
        #[arg(long, visible_alias = "office-name")]
        office: Option<String>,
        /// New segregation codes, replacing the current ones (repeatable or comma-separated).
        #[arg(long = "segregation-code", conflicts_with = "any_segregation_code")]
        segregation_codes: Vec<String>,
        /// Remove the segregation codes: IUVs with any code are accepted.
        #[arg(long)]
        any_segregation_code: bool,
    },
    /// List registered institutions (with a header row).
    List,
    /// Show (without options) or change what the institution's payment notices print: logo,
    /// Poste authorization, postal accounts' holder.
    NoticeSettings(notice::NoticeSettingsArgs),
}

fn open(database: &DatabaseConfig) -> Result<DbConnection, String> {
    store::connect_single(&DatabaseUrl::parse(&database.database_url)?)
}

fn org_code(value: &str) -> Result<OrgFiscalCode, String> {
    OrgFiscalCode::parse("fiscal-code", value).map_err(|e| e.to_string())
}

/// `--segregation-code` values, each one code or a comma-separated list.
fn parse_segregation_codes(values: &[String]) -> Result<Vec<SegregationCode>, String> {
    values
        .iter()
        .flat_map(|c| c.split(','))
        .map(|c| SegregationCode::parse("segregation-code", c.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// A listing's header row, then its rows, tab-separated.
fn print_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    println!("{}", header.join("\t"));
    for row in rows {
        println!("{}", row.join("\t"));
    }
}

fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<(), String> {
    cli.database.install_keyring()?;
    match cli.command {
        None => serve(&cli.database, ServeConfig::default_from_env()?).await,
        Some(Command::Serve(config)) => serve(&cli.database, config).await,
        Some(Command::Migrate) => {
            let url = DatabaseUrl::parse(&cli.database.database_url)?;
            let mut conn = url_connection(&url)?;
            let applied = store::run_migrations(&mut conn)?;
            println!("{} migrations applied on the {url}", applied.len());
            Ok(())
        }
        Some(Command::Org(cmd)) => org_command(&cli.database, cmd),
        Some(Command::Partner(cmd)) => access::partner_command(&cli.database, cmd),
        Some(Command::Delegation(cmd)) => access::delegation_command(&cli.database, cmd),
        Some(Command::Key(cmd)) => access::key_command(&cli.database, cmd),
        Some(Command::Audit(cmd)) => access::audit_command(&cli.database, cmd),
        Some(Command::Station(cmd)) => station_command(&cli.database, cmd),
        Some(Command::Webhook(cmd)) => webhook::run(&cli.database, cmd),
        Some(Command::Taxonomy(cmd)) => taxonomy::run(&cli.database, cmd),
        Some(Command::Notice(args)) => notice::run(&cli.database, args),
        Some(Command::Admin(cmd)) => portal::admin_command(&cli.database, cmd),
        Some(Command::Onboarding(cmd)) => portal::onboarding_command(&cli.database, cmd),
        Some(Command::Secrets(cmd)) => secrets_command(&cli.database, cmd),
    }
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a new random key for GPD_SECRET_KEYS (`ID:base64`).
    NewKey {
        /// The key's id (1 to 16 letters, digits, '-' or '_').
        #[arg(long, default_value = "k1")]
        id: String,
    },
    /// Rewrite every stored webhook secret under the first key of GPD_SECRET_KEYS (plaintext
    /// ones are sealed), so older keys can be removed.
    Reseal,
}

fn secrets_command(database: &DatabaseConfig, cmd: SecretsCommand) -> Result<(), String> {
    match cmd {
        SecretsCommand::NewKey { id } => {
            let entry = store::secrets::Keyring::new_key_entry(&id);
            store::secrets::Keyring::parse(&entry)?;
            println!("{entry}");
            Ok(())
        }
        SecretsCommand::Reseal => {
            if !store::secrets::sealing() {
                return Err(
                    "GPD_SECRET_KEYS is empty: set the keys first (the first one seals)".to_owned(),
                );
            }
            let mut conn = open(database)?;
            let changed = store::secrets::reseal_stored(&mut conn).map_err(|e| e.to_string())?;
            println!("{changed} secrets resealed under the first key");
            Ok(())
        }
    }
}

fn url_connection(url: &DatabaseUrl) -> Result<DbConnection, String> {
    // connect_single applies migrations itself; open without them here so `migrate` reports them.
    store::establish(url)
}

async fn serve(database: &DatabaseConfig, config: ServeConfig) -> Result<(), String> {
    let url = DatabaseUrl::parse(&database.database_url)?;
    let app = Application::build(database, config)?.with_signals();
    println!("gpd-gateway listening on http://{} ({url})", app.addr());
    app.run().await.map_err(|e| e.to_string())
}

fn org_command(database: &DatabaseConfig, cmd: OrgCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    match cmd {
        OrgCommand::Add {
            fiscal_code,
            name,
            office,
            segregation_codes,
            aux_digit,
            application_code,
        } => {
            let org = Organization::new(
                org_code(&fiscal_code)?,
                &name,
                office.as_deref(),
                aux_digit,
                application_code.as_deref(),
                parse_segregation_codes(&segregation_codes)?,
            )
            .map_err(|e| e.to_string())?;
            match orgs::add_org(&mut conn, &org, domain::now()).map_err(|e| e.to_string())? {
                orgs::Registration::Created => {
                    println!("organization {} registered", org.fiscal_code)
                }
                orgs::Registration::AlreadyRegistered => {
                    println!(
                        "organization {} already registered with the same data",
                        org.fiscal_code
                    )
                }
            }
        }
        OrgCommand::Update {
            fiscal_code,
            name,
            office,
            segregation_codes: codes,
            any_segregation_code,
        } => {
            if name.is_none() && office.is_none() && codes.is_empty() && !any_segregation_code {
                return Err("nothing to change: give --name, --office, --segregation-code or --any-segregation-code".to_owned());
            }
            let fiscal_code = org_code(&fiscal_code)?;
            let Some(current) =
                orgs::find_org(&mut conn, fiscal_code.as_str()).map_err(|e| e.to_string())?
            else {
                return Err(format!(
                    "organization {fiscal_code} is not registered; run `org add` first"
                ));
            };
            let codes = match (any_segregation_code, codes.is_empty()) {
                (true, _) => Vec::new(),
                (false, true) => current.segregation_codes.clone(),
                (false, false) => parse_segregation_codes(&codes)?,
            };
            let office = match office.as_deref() {
                Some("") => None,
                Some(o) => Some(o),
                None => current.office_name.as_deref(),
            };
            let org = Organization::new(
                fiscal_code,
                name.as_deref().unwrap_or(&current.name),
                office,
                current.aux_digit,
                current.application_code.as_deref(),
                codes,
            )
            .map_err(|e| e.to_string())?;
            match orgs::update_org(&mut conn, &org).map_err(|e| e.to_string())? {
                orgs::Update::Updated => println!("organization {} updated", org.fiscal_code),
                orgs::Update::Unchanged => println!(
                    "organization {} unchanged: it already has this data",
                    org.fiscal_code
                ),
            }
        }
        OrgCommand::NoticeSettings(args) => notice::settings(&mut conn, args)?,
        OrgCommand::List => {
            let list = orgs::list_orgs(&mut conn).map_err(|e| e.to_string())?;
            print_table(
                &[
                    "FISCAL CODE",
                    "NAME",
                    "OFFICE",
                    "AUX DIGIT",
                    "APPLICATION CODE",
                    "SEGREGATION CODES",
                ],
                list.into_iter().map(|org| {
                    let codes = org.segregation_codes_text();
                    vec![
                        org.fiscal_code.to_string(),
                        org.name,
                        or_dash(org.office_name.as_deref()),
                        org.aux_digit.to_string(),
                        or_dash(org.application_code.as_deref()),
                        if codes.is_empty() {
                            "any".to_owned()
                        } else {
                            codes
                        },
                    ]
                }),
            );
        }
    }
    Ok(())
}

fn station_command(database: &DatabaseConfig, cmd: StationCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    match cmd {
        StationCommand::Add {
            broker,
            station,
            org,
            version,
        } => {
            let org = org_code(&org)?;
            let outcome =
                stations::add_station(&mut conn, &broker, &station, &org, version, domain::now())
                    .map_err(|e| e.to_string())?;
            match outcome {
                orgs::Registration::Created => {
                    println!("station {station} of broker {broker} linked to organization {org} (primitives v{version})")
                }
                orgs::Registration::AlreadyRegistered => {
                    println!(
                        "station {station} already linked to organization {org} with the same data"
                    )
                }
            }
        }
        StationCommand::List => {
            let list = stations::list_stations(&mut conn).map_err(|e| e.to_string())?;
            print_table(
                &["ORGANIZATION", "BROKER", "STATION", "PRIMITIVES"],
                list.into_iter().map(|s| {
                    vec![
                        s.organization_fiscal_code,
                        s.broker_id,
                        s.station_id,
                        format!("v{}", s.primitive_version),
                    ]
                }),
            );
        }
    }
    Ok(())
}
