//! Where each institution receives its events, and the secret that signs them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;

use super::schema::webhooks;
use super::{orgs, secrets, write_tx, DbConnection, StoreError};
use crate::domain::{DomainError, OrgFiscalCode};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub organization_fiscal_code: String,
    pub url: String,
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub(super) fn new_secret() -> String {
    format!("whsec_{}", hex::encode(rand::rng().random::<[u8; 32]>()))
}

/// Checks a webhook URL: absolute http(s), no credentials, at most 2048 characters.
pub fn check_url(url: &str) -> Result<(), DomainError> {
    crate::domain::service::check_http_url("url", url)
}

impl Webhook {
    /// The row as read, with its secret opened (see [`super::secrets`]).
    pub(super) fn opened(mut self) -> Result<Webhook, StoreError> {
        self.secret = secrets::open(&self.secret)?;
        Ok(self)
    }
}

pub fn get(conn: &mut DbConnection, org: &OrgFiscalCode) -> Result<Option<Webhook>, StoreError> {
    webhooks::table
        .find(org.as_str())
        .select(Webhook::as_select())
        .first(conn)
        .optional()?
        .map(Webhook::opened)
        .transpose()
}

/// Sets (or changes) the URL and enables the webhook. A new webhook gets a new secret; an
/// existing one keeps its secret. Returns the webhook and whether it was created.
pub fn set(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    url: &str,
    now: NaiveDateTime,
) -> Result<(Webhook, bool), StoreError> {
    check_url(url)?;
    write_tx(conn, |c| set_in(c, org, url, now))
}

/// [`set`] inside the caller's transaction (the portal records it in the audit log).
pub(super) fn set_in(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    url: &str,
    now: NaiveDateTime,
) -> Result<(Webhook, bool), StoreError> {
    check_url(url)?;
    {
        if orgs::find_org(c, org.as_str())?.is_none() {
            return Err(
                DomainError::NotFound(format!("organization {org} is not registered")).into(),
            );
        }
        let created = match get(c, org)? {
            Some(_) => {
                diesel::update(webhooks::table.find(org.as_str()))
                    .set((
                        webhooks::url.eq(url),
                        webhooks::enabled.eq(true),
                        webhooks::disabled_reason.eq(None::<String>),
                        webhooks::updated_at.eq(now),
                    ))
                    .execute(c)?;
                false
            }
            None => {
                diesel::insert_into(webhooks::table)
                    .values((
                        webhooks::organization_fiscal_code.eq(org.as_str()),
                        webhooks::url.eq(url),
                        webhooks::secret.eq(secrets::seal(&new_secret())?),
                        webhooks::enabled.eq(true),
                        webhooks::created_at.eq(now),
                        webhooks::updated_at.eq(now),
                    ))
                    .execute(c)?;
                true
            }
        };
        let hook =
            get(c, org)?.ok_or_else(|| StoreError::Corrupt("webhook vanished".to_owned()))?;
        Ok((hook, created))
    }
}

fn not_configured(org: &OrgFiscalCode) -> StoreError {
    DomainError::NotFound(format!("organization {org} has no webhook")).into()
}

/// Replaces the signing secret; the new one is returned (and shown once).
pub fn rotate_secret(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    now: NaiveDateTime,
) -> Result<Webhook, StoreError> {
    let sealed = secrets::seal(&new_secret())?;
    let n = diesel::update(webhooks::table.find(org.as_str()))
        .set((webhooks::secret.eq(&sealed), webhooks::updated_at.eq(now)))
        .execute(conn)?;
    if n == 0 {
        return Err(not_configured(org));
    }
    get(conn, org)?.ok_or_else(|| not_configured(org))
}

/// Stops deliveries; events keep being recorded for the feed.
pub fn disable(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Webhook, StoreError> {
    let n = diesel::update(webhooks::table.find(org.as_str()))
        .set((
            webhooks::enabled.eq(false),
            webhooks::disabled_reason.eq(reason),
            webhooks::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(not_configured(org));
    }
    get(conn, org)?.ok_or_else(|| not_configured(org))
}
