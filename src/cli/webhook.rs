//! `webhook set|show|rotate-secret|disable`, for an institution (`--org`) or a partner
//! (`--partner`: it receives the events of the institutions that delegate to it, within scope).

use clap::{ArgGroup, Args, Subcommand};

use super::access::partner_code;
use super::{open, org_code};
use crate::config::DatabaseConfig;
use crate::domain;
use crate::store::webhooks::Webhook;
use crate::store::{partner_webhooks, webhooks, DbConnection, StoreError};

/// Whose webhook: an institution's or a partner's.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("owner").args(["org", "partner"]).required(true)))]
pub struct Owner {
    /// Fiscal code of the institution.
    #[arg(long)]
    org: Option<String>,
    /// Fiscal code of the partner (it receives the events of the institutions that delegate
    /// to it, for the positions within each delegation's scope).
    #[arg(long)]
    partner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Set the URL and enable deliveries; the signing secret is printed alone on the last line.
    Set {
        #[command(flatten)]
        owner: Owner,
        /// HTTPS (or HTTP) URL that receives the signed events by POST.
        #[arg(long)]
        url: String,
    },
    /// Show the webhook (never the secret).
    Show {
        #[command(flatten)]
        owner: Owner,
    },
    /// Replace the signing secret; the new one is printed alone on the last line.
    RotateSecret {
        #[command(flatten)]
        owner: Owner,
    },
    /// Stop deliveries (events are still recorded).
    Disable {
        #[command(flatten)]
        owner: Owner,
    },
}

/// The owner, parsed: the store functions of its kind of webhook.
enum Parsed {
    Org(domain::OrgFiscalCode),
    Partner(domain::access::PartnerFiscalCode),
}

impl Owner {
    fn parse(&self) -> Result<Parsed, String> {
        match (&self.org, &self.partner) {
            (Some(org), _) => Ok(Parsed::Org(org_code(org)?)),
            (None, Some(partner)) => Ok(Parsed::Partner(partner_code(partner)?)),
            (None, None) => Err("--org or --partner is required".to_owned()),
        }
    }
}

impl Parsed {
    fn name(&self) -> String {
        match self {
            Parsed::Org(org) => org.to_string(),
            Parsed::Partner(p) => format!("partner {p}"),
        }
    }

    fn get(&self, c: &mut DbConnection) -> Result<Option<Webhook>, StoreError> {
        match self {
            Parsed::Org(org) => webhooks::get(c, org),
            Parsed::Partner(p) => partner_webhooks::get(c, p),
        }
    }

    fn set(
        &self,
        c: &mut DbConnection,
        url: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<(Webhook, bool), StoreError> {
        match self {
            Parsed::Org(org) => webhooks::set(c, org, url, now),
            Parsed::Partner(p) => partner_webhooks::set(c, p, url, now),
        }
    }

    fn rotate(
        &self,
        c: &mut DbConnection,
        now: chrono::NaiveDateTime,
    ) -> Result<Webhook, StoreError> {
        match self {
            Parsed::Org(org) => webhooks::rotate_secret(c, org, now),
            Parsed::Partner(p) => partner_webhooks::rotate_secret(c, p, now),
        }
    }

    fn disable(
        &self,
        c: &mut DbConnection,
        now: chrono::NaiveDateTime,
    ) -> Result<Webhook, StoreError> {
        const REASON: &str = "disabled by the operator";
        match self {
            Parsed::Org(org) => webhooks::disable(c, org, REASON, now),
            Parsed::Partner(p) => partner_webhooks::disable(c, p, REASON, now),
        }
    }
}

fn print_webhook(hook: &Webhook) {
    let state = match (&hook.enabled, &hook.disabled_reason) {
        (true, _) => "enabled".to_owned(),
        (false, Some(reason)) => format!("disabled ({reason})"),
        (false, None) => "disabled".to_owned(),
    };
    println!(
        "{}\t{}\t{state}\tupdated {}",
        hook.organization_fiscal_code, hook.url, hook.updated_at
    );
}

pub fn run(database: &DatabaseConfig, cmd: WebhookCommand) -> Result<(), String> {
    let mut conn = open(database)?;
    let now = domain::now();
    match cmd {
        WebhookCommand::Set { owner, url } => {
            let owner = owner.parse()?;
            let (hook, created) = owner.set(&mut conn, &url, now).map_err(|e| e.to_string())?;
            let verb = if created {
                "created"
            } else {
                "updated and enabled"
            };
            println!(
                "webhook of {} {verb}: {}; signing secret:",
                owner.name(),
                hook.url
            );
            println!("{}", hook.secret);
        }
        WebhookCommand::Show { owner } => {
            let owner = owner.parse()?;
            match owner.get(&mut conn).map_err(|e| e.to_string())? {
                Some(hook) => print_webhook(&hook),
                None => return Err(format!("{} has no webhook", owner.long_name())),
            }
        }
        WebhookCommand::RotateSecret { owner } => {
            let owner = owner.parse()?;
            let hook = owner.rotate(&mut conn, now).map_err(|e| e.to_string())?;
            println!(
                "new signing secret of {} (the old one stops working now):",
                owner.name()
            );
            println!("{}", hook.secret);
        }
        WebhookCommand::Disable { owner } => {
            let hook = owner
                .parse()?
                .disable(&mut conn, now)
                .map_err(|e| e.to_string())?;
            print_webhook(&hook);
        }
    }
    Ok(())
}

impl Parsed {
    /// "organization X" or "partner P", as error messages name them.
    fn long_name(&self) -> String {
        match self {
            Parsed::Org(org) => format!("organization {org}"),
            Parsed::Partner(p) => format!("partner {p}"),
        }
    }
}
