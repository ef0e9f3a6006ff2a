//! What an institution's payment notices print besides the position: logo, Poste's
//! authorization for the postal form, the postal accounts' holder.

use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::notice_settings as ns;
use super::{orgs, write_tx, DbConnection, StoreError};
use crate::domain::{DomainError, OrgFiscalCode, Organization};
use crate::notice::{logo, Institution};

pub const MAX_AUTHORIZATION_CHARS: usize = 255;
pub const MAX_HOLDER_CHARS: usize = 140;

#[derive(Debug, Clone, PartialEq, Eq, Default, Queryable, Selectable)]
#[diesel(table_name = ns)]
pub struct NoticeSettings {
    pub logo: Option<Vec<u8>>,
    pub poste_authorization: Option<String>,
    pub postal_holder: Option<String>,
}

/// A change of settings: `None` keeps a setting, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub logo: Option<Option<Vec<u8>>>,
    pub poste_authorization: Option<Option<String>>,
    pub postal_holder: Option<Option<String>>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.logo.is_none() && self.poste_authorization.is_none() && self.postal_holder.is_none()
    }

    fn validate(&self) -> Result<(), DomainError> {
        if let Some(Some(data)) = &self.logo {
            logo::decode(data).map_err(|e| DomainError::invalid("logo", e.to_string()))?;
        }
        let text = |field: &str, value: &Option<Option<String>>, max: usize| match value {
            Some(Some(v)) if v.trim().is_empty() || v.chars().count() > max => Err(
                DomainError::invalid(field, format!("must be 1 to {max} characters")),
            ),
            _ => Ok(()),
        };
        text(
            "poste-auth",
            &self.poste_authorization,
            MAX_AUTHORIZATION_CHARS,
        )?;
        text("postal-holder", &self.postal_holder, MAX_HOLDER_CHARS)
    }
}

pub fn get(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
) -> Result<Option<NoticeSettings>, StoreError> {
    Ok(ns::table
        .find(org.as_str())
        .select(NoticeSettings::as_select())
        .first(conn)
        .optional()?)
}

/// Applies `change` and returns the settings now in force.
pub fn update(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    change: Change,
    now: NaiveDateTime,
) -> Result<NoticeSettings, StoreError> {
    change.validate()?;
    write_tx(conn, |c| {
        if orgs::find_org(c, org.as_str())?.is_none() {
            return Err(DomainError::NotFound(format!(
                "organization {org} is not registered; run `org add` first"
            ))
            .into());
        }
        let current = get(c, org)?;
        let exists = current.is_some();
        let current = current.unwrap_or_default();
        let next = NoticeSettings {
            logo: change.logo.clone().unwrap_or(current.logo),
            poste_authorization: change
                .poste_authorization
                .clone()
                .unwrap_or(current.poste_authorization),
            postal_holder: change
                .postal_holder
                .clone()
                .unwrap_or(current.postal_holder),
        };
        let values = (
            ns::logo.eq(next.logo.as_deref()),
            ns::poste_authorization.eq(next.poste_authorization.as_deref()),
            ns::postal_holder.eq(next.postal_holder.as_deref()),
            ns::updated_at.eq(now),
        );
        if exists {
            diesel::update(ns::table.find(org.as_str()))
                .set(values)
                .execute(c)?;
        } else {
            diesel::insert_into(ns::table)
                .values((ns::organization_fiscal_code.eq(org.as_str()), values))
                .execute(c)?;
        }
        Ok(next)
    })
}

/// The institution as its notices present it, the logo decoded and compressed.
pub fn institution(
    org: &Organization,
    settings: Option<NoticeSettings>,
) -> Result<Institution, StoreError> {
    let settings = settings.unwrap_or_default();
    let logo = settings
        .logo
        .as_deref()
        .map(|data| {
            logo::prepare(data).map(Arc::new).map_err(|e| {
                StoreError::Corrupt(format!("logo of organization {}: {e}", org.fiscal_code))
            })
        })
        .transpose()?;
    Ok(Institution {
        fiscal_code: org.fiscal_code.clone(),
        name: org.name.clone(),
        logo,
        poste_authorization: settings.poste_authorization,
        postal_holder: settings.postal_holder,
    })
}

/// The institution registered as `org`, with its notice settings.
pub fn load_institution(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
) -> Result<Institution, StoreError> {
    let registered = orgs::find_org(conn, org.as_str())?.ok_or_else(|| {
        StoreError::from(DomainError::NotFound(format!(
            "organization {org} is not registered"
        )))
    })?;
    let settings = get(conn, org)?;
    institution(&registered, settings)
}
