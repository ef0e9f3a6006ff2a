//! Technology partners and intermediaries, which institutions delegate to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::OrCorrupt;
use super::orgs::Registration;
use super::schema::partners;
use super::{write_tx, DbConnection, StoreError};
use crate::domain::access::{Partner, PartnerFiscalCode};
use crate::domain::DomainError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partners)]
struct PartnerRecord {
    fiscal_code: String,
    name: String,
}

impl PartnerRecord {
    fn into_domain(self) -> Result<Partner, StoreError> {
        let fiscal_code = PartnerFiscalCode::parse("fiscal_code", &self.fiscal_code)
            .or_corrupt("partner fiscal code", &self.fiscal_code)?;
        Partner::new(fiscal_code, &self.name).or_corrupt("partner name", &self.name)
    }
}

/// Registers a partner. Re-running with the same name changes nothing; another name for a
/// registered fiscal code is refused.
pub fn add(
    conn: &mut DbConnection,
    partner: &Partner,
    now: NaiveDateTime,
) -> Result<Registration, StoreError> {
    write_tx(conn, |c| add_in(c, partner, now))
}

/// [`add`] inside the caller's transaction (portal onboarding).
pub(super) fn add_in(
    c: &mut DbConnection,
    partner: &Partner,
    now: NaiveDateTime,
) -> Result<Registration, StoreError> {
    {
        if let Some(existing) = find(c, &partner.fiscal_code)? {
            if &existing == partner {
                return Ok(Registration::AlreadyRegistered);
            }
            return Err(StoreError::Conflict(format!(
                "partner {} is already registered with different data (name '{}')",
                existing.fiscal_code, existing.name
            )));
        }
        diesel::insert_into(partners::table)
            .values((
                partners::fiscal_code.eq(partner.fiscal_code.as_str()),
                partners::name.eq(&partner.name),
                partners::created_at.eq(now),
            ))
            .execute(c)?;
        Ok(Registration::Created)
    }
}

pub fn find(
    conn: &mut DbConnection,
    fiscal_code: &PartnerFiscalCode,
) -> Result<Option<Partner>, StoreError> {
    partners::table
        .find(fiscal_code.as_str())
        .select(PartnerRecord::as_select())
        .first(conn)
        .optional()?
        .map(PartnerRecord::into_domain)
        .transpose()
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Partner>, StoreError> {
    partners::table
        .order(partners::fiscal_code.asc())
        .select(PartnerRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(PartnerRecord::into_domain)
        .collect()
}

/// Refuses, with the message operators see, a partner that is not registered.
pub(super) fn require_registered(
    conn: &mut DbConnection,
    partner: &PartnerFiscalCode,
) -> Result<(), StoreError> {
    let found: Option<String> = partners::table
        .find(partner.as_str())
        .select(partners::fiscal_code)
        .first(conn)
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(DomainError::NotFound(format!(
            "partner {partner} is not registered; run `partner add` first"
        ))
        .into()),
    }
}
