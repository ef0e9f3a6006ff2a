//! Command line of the portal: `admin add` (the first operator) and `onboarding
//! list|approve|reject` (what the operator does in `/portal/admin`).

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use super::{open, or_dash, print_table};
use crate::config::DatabaseConfig;
use crate::domain::{self, portal::LoginEmail, portal::NewPassword};
use crate::store::audit::CLI_ACTOR;
use crate::store::portal as store;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a portal operator (PagoPA-side administrator). The password is asked on the
    /// terminal, or read from the first line of standard input.
    Add {
        /// The operator's e-mail, the sign-in name.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OnboardingCommand {
    /// List onboarding requests, newest first (with a header row).
    List {
        /// Only PENDING, APPROVED or REJECTED requests.
        #[arg(long)]
        state: Option<String>,
    },
    /// Approve a pending request: the institution or partner is registered (as `org add` /
    /// `partner add`) and its user can sign in.
    Approve {
        /// Request id, as `onboarding list` shows it.
        #[arg(long)]
        id: i64,
    },
    /// Reject a pending request with a reason.
    Reject {
        /// Request id, as `onboarding list` shows it.
        #[arg(long)]
        id: i64,
        /// Why, as the records keep it (1 to 500 characters).
        #[arg(long)]
        reason: String,
    },
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ".to_owned());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub fn admin_command(database: &DatabaseConfig, cmd: AdminCommand) -> Result<(), String> {
    match cmd {
        AdminCommand::Add { email } => {
            let email = LoginEmail::parse("email", &email).map_err(|e| e.to_string())?;
            let password =
                NewPassword::parse("password", &read_password()?).map_err(|e| e.to_string())?;
            let hash = password.hash().map_err(|e| e.to_string())?;
            let mut conn = open(database)?;
            store::add_operator(&mut conn, &email, &hash, CLI_ACTOR, domain::now())
                .map_err(|e| e.to_string())?;
            println!("operator {email} created; sign in at /portal/login");
        }
    }
    Ok(())
}

pub fn onboarding_command(database: &DatabaseConfig, cmd: OnboardingCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    let now = domain::now();
    match cmd {
        OnboardingCommand::List { state } => {
            let state = state.map(|s| s.to_ascii_uppercase());
            let list = store::requests(&mut conn, state.as_deref()).map_err(|e| e.to_string())?;
            print_table(
                &[
                    "ID",
                    "STATE",
                    "KIND",
                    "FISCAL CODE",
                    "NAME",
                    "EMAIL",
                    "REQUESTED",
                    "REASON",
                ],
                list.into_iter().map(|r| {
                    vec![
                        r.id.to_string(),
                        r.state,
                        r.kind,
                        r.fiscal_code,
                        r.name,
                        r.email,
                        r.created_at.to_string(),
                        or_dash(r.reason.as_deref()),
                    ]
                }),
            );
        }
        OnboardingCommand::Approve { id } => {
            let r = store::approve(&mut conn, id, CLI_ACTOR, now).map_err(|e| e.to_string())?;
            println!(
                "request {id} approved: {} {} registered; {} can sign in",
                r.kind, r.fiscal_code, r.email
            );
        }
        OnboardingCommand::Reject { id, reason } => {
            let r =
                store::reject(&mut conn, id, &reason, CLI_ACTOR, now).map_err(|e| e.to_string())?;
            println!("request {id} rejected ({} {})", r.kind, r.fiscal_code);
        }
    }
    Ok(())
}
