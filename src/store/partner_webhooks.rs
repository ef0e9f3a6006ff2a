//! A partner's own webhook: where it receives the events of the institutions that delegate to it
//! (within each delegation's scope), and the secret that signs them. Shown as a [`Webhook`]
//! whose `organization_fiscal_code` is the partner's fiscal code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::partner_webhooks as pw;
use super::webhooks::{check_url, new_secret, Webhook};
use super::{partners, secrets, write_tx, DbConnection, StoreError};
use crate::domain::access::PartnerFiscalCode;
use crate::domain::DomainError;

type Columns = (
    pw::partner_fiscal_code,
    pw::url,
    pw::secret,
    pw::enabled,
    pw::disabled_reason,
    pw::created_at,
    pw::updated_at,
);
const COLUMNS: Columns = (
    pw::partner_fiscal_code,
    pw::url,
    pw::secret,
    pw::enabled,
    pw::disabled_reason,
    pw::created_at,
    pw::updated_at,
);

pub fn get(
    conn: &mut DbConnection,
    partner: &PartnerFiscalCode,
) -> Result<Option<Webhook>, StoreError> {
    pw::table
        .find(partner.as_str())
        .select(COLUMNS)
        .first::<Webhook>(conn)
        .optional()?
        .map(Webhook::opened)
        .transpose()
}

/// Sets (or changes) the URL and enables the webhook. A new webhook gets a new secret; an
/// existing one keeps its secret. Returns the webhook and whether it was created.
pub fn set(
    conn: &mut DbConnection,
    partner: &PartnerFiscalCode,
    url: &str,
    now: NaiveDateTime,
) -> Result<(Webhook, bool), StoreError> {
    check_url(url)?;
    write_tx(conn, |c| {
        if partners::find(c, partner)?.is_none() {
            return Err(
                DomainError::NotFound(format!("partner {partner} is not registered")).into(),
            );
        }
        let created = match get(c, partner)? {
            Some(_) => {
                diesel::update(pw::table.find(partner.as_str()))
                    .set((
                        pw::url.eq(url),
                        pw::enabled.eq(true),
                        pw::disabled_reason.eq(None::<String>),
                        pw::updated_at.eq(now),
                    ))
                    .execute(c)?;
                false
            }
            None => {
                diesel::insert_into(pw::table)
                    .values((
                        pw::partner_fiscal_code.eq(partner.as_str()),
                        pw::url.eq(url),
                        pw::secret.eq(secrets::seal(&new_secret())?),
                        pw::enabled.eq(true),
                        pw::created_at.eq(now),
                        pw::updated_at.eq(now),
                    ))
                    .execute(c)?;
                true
            }
        };
        let hook =
            get(c, partner)?.ok_or_else(|| StoreError::Corrupt("webhook vanished".to_owned()))?;
        Ok((hook, created))
    })
}

fn not_configured(partner: &PartnerFiscalCode) -> StoreError {
    DomainError::NotFound(format!("partner {partner} has no webhook")).into()
}

/// Replaces the signing secret; the new one is returned (and shown once).
pub fn rotate_secret(
    conn: &mut DbConnection,
    partner: &PartnerFiscalCode,
    now: NaiveDateTime,
) -> Result<Webhook, StoreError> {
    let n = diesel::update(pw::table.find(partner.as_str()))
        .set((
            pw::secret.eq(secrets::seal(&new_secret())?),
            pw::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(not_configured(partner));
    }
    get(conn, partner)?.ok_or_else(|| not_configured(partner))
}

/// Stops deliveries to the partner; its copies of events keep being recorded.
pub fn disable(
    conn: &mut DbConnection,
    partner: &PartnerFiscalCode,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Webhook, StoreError> {
    let n = diesel::update(pw::table.find(partner.as_str()))
        .set((
            pw::enabled.eq(false),
            pw::disabled_reason.eq(reason),
            pw::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(not_configured(partner));
    }
    get(conn, partner)?.ok_or_else(|| not_configured(partner))
}
