//! Creditor institutions (their API keys are in [`super::keys`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::OrCorrupt;
use super::schema::organizations;
use super::{write_tx, DbConnection, StoreError};
use crate::domain::{DomainError, OrgFiscalCode, Organization, SegregationCode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub(super) struct OrgRecord {
    fiscal_code: String,
    name: String,
    office_name: Option<String>,
    aux_digit: i32,
    application_code: Option<String>,
    segregation_codes: String,
    created_at: NaiveDateTime,
}

impl OrgRecord {
    pub(super) fn into_domain(self) -> Result<Organization, StoreError> {
        let codes = self
            .segregation_codes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| SegregationCode::parse("segregation_codes", c))
            .collect::<Result<Vec<_>, _>>()
            .or_corrupt("segregation codes", &self.segregation_codes)?;
        let aux =
            u8::try_from(self.aux_digit).or_corrupt("aux digit", &self.aux_digit.to_string())?;
        let fiscal_code = OrgFiscalCode::parse("fiscal_code", &self.fiscal_code)
            .or_corrupt("fiscal code", &self.fiscal_code)?;
        Organization::new(
            fiscal_code,
            &self.name,
            self.office_name.as_deref(),
            aux,
            self.application_code.as_deref(),
            codes,
        )
        .or_corrupt("organization", &self.fiscal_code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    Created,
    AlreadyRegistered,
}

/// Registers an institution. Re-running with the same data changes nothing; different data
/// for a registered fiscal code is refused.
pub fn add_org(
    conn: &mut DbConnection,
    org: &Organization,
    now: NaiveDateTime,
) -> Result<Registration, StoreError> {
    write_tx(conn, |c| add_org_in(c, org, now))
}

/// [`add_org`] inside the caller's transaction (portal onboarding).
pub(super) fn add_org_in(
    c: &mut DbConnection,
    org: &Organization,
    now: NaiveDateTime,
) -> Result<Registration, StoreError> {
    {
        if let Some(existing) = find_org(c, org.fiscal_code.as_str())? {
            if &existing == org {
                return Ok(Registration::AlreadyRegistered);
            }
            return Err(StoreError::Conflict(format!(
                "organization {} is already registered with different data (name '{}', aux digit {}, segregation codes '{}')",
                existing.fiscal_code,
                existing.name,
                existing.aux_digit,
                existing.segregation_codes_text()
            )));
        }
        diesel::insert_into(organizations::table)
            .values(&OrgRecord {
                fiscal_code: org.fiscal_code.to_string(),
                name: org.name.clone(),
                office_name: org.office_name.clone(),
                aux_digit: i32::from(org.aux_digit),
                application_code: org.application_code.clone(),
                segregation_codes: org.segregation_codes_text(),
                created_at: now,
            })
            .execute(c)?;
        Ok(Registration::Created)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Updated,
    Unchanged,
}

/// Stores a registered institution's new name, office and segregation codes. The aux digit and
/// application code cannot change: they shape the notice numbers already issued.
pub fn update_org(conn: &mut DbConnection, org: &Organization) -> Result<Update, StoreError> {
    write_tx(conn, |c| {
        let Some(existing) = find_org(c, org.fiscal_code.as_str())? else {
            return Err(DomainError::NotFound(format!(
                "organization {} is not registered; run `org add` first",
                org.fiscal_code
            ))
            .into());
        };
        if existing.aux_digit != org.aux_digit || existing.application_code != org.application_code
        {
            return Err(StoreError::Conflict(format!(
                "the aux digit and application code of organization {} cannot change",
                org.fiscal_code
            )));
        }
        if &existing == org {
            return Ok(Update::Unchanged);
        }
        diesel::update(organizations::table.find(org.fiscal_code.as_str()))
            .set((
                organizations::name.eq(&org.name),
                organizations::office_name.eq(&org.office_name),
                organizations::segregation_codes.eq(org.segregation_codes_text()),
            ))
            .execute(c)?;
        Ok(Update::Updated)
    })
}

pub fn find_org(
    conn: &mut DbConnection,
    fiscal_code: &str,
) -> Result<Option<Organization>, StoreError> {
    organizations::table
        .find(fiscal_code)
        .select(OrgRecord::as_select())
        .first(conn)
        .optional()?
        .map(OrgRecord::into_domain)
        .transpose()
}

pub fn list_orgs(conn: &mut DbConnection) -> Result<Vec<Organization>, StoreError> {
    organizations::table
        .order(organizations::fiscal_code.asc())
        .select(OrgRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(OrgRecord::into_domain)
        .collect()
}

/// Refuses, with the message operators see, an institution that is not registered.
pub(super) fn require_registered(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
) -> Result<(), StoreError> {
    let found: Option<String> = organizations::table
        .find(org.as_str())
        .select(organizations::fiscal_code)
        .first(conn)
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(DomainError::NotFound(format!(
            "organization {org} is not registered; run `org add` first"
        ))
        .into()),
    }
}
