//! Delegations: an institution lets a partner act for it, within a scope of taxonomy domains.
//! One active delegation per pair; granting again replaces it (the old row is kept, revoked).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::OrCorrupt;
use super::schema::delegations;
use super::{audit, orgs, partners, write_tx, DbConnection, StoreError};
use crate::domain::access::{PartnerFiscalCode, Principal, Scope};
use crate::domain::{DomainError, OrgFiscalCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub id: i64,
    pub org: OrgFiscalCode,
    pub partner: PartnerFiscalCode,
    pub scope: Scope,
    pub granted_at: NaiveDateTime,
    /// Set when revoked, or replaced by a new grant.
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = delegations)]
struct DelegationRecord {
    id: i64,
    organization_fiscal_code: String,
    partner_fiscal_code: String,
    scope: String,
    granted_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl DelegationRecord {
    fn into_domain(self) -> Result<Delegation, StoreError> {
        Ok(Delegation {
            id: self.id,
            org: OrgFiscalCode::parse("organization", &self.organization_fiscal_code)
                .or_corrupt("fiscal code", &self.organization_fiscal_code)?,
            partner: PartnerFiscalCode::parse("partner", &self.partner_fiscal_code)
                .or_corrupt("partner fiscal code", &self.partner_fiscal_code)?,
            scope: stored_scope(&self.scope)?,
            granted_at: self.granted_at,
            revoked_at: self.revoked_at,
        })
    }
}

pub(super) fn stored_scope(text: &str) -> Result<Scope, StoreError> {
    Scope::parse_list("scope", text).or_corrupt("scope", text)
}

/// `77777777777->15376371009`, as the audit log names a delegation.
pub fn subject(org: &OrgFiscalCode, partner: &PartnerFiscalCode) -> String {
    format!("{org}->{partner}")
}

/// What a grant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted {
    /// There was no active delegation.
    New,
    /// The active delegation had this other scope; it is revoked and replaced.
    Replaced { previous: Scope },
    /// The active delegation already has this scope: nothing changed, nothing recorded.
    Unchanged,
}

fn find_active(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    partner: &PartnerFiscalCode,
) -> Result<Option<Delegation>, StoreError> {
    delegations::table
        .filter(delegations::organization_fiscal_code.eq(org.as_str()))
        .filter(delegations::partner_fiscal_code.eq(partner.as_str()))
        .filter(delegations::revoked_at.is_null())
        .select(DelegationRecord::as_select())
        .first(conn)
        .optional()?
        .map(DelegationRecord::into_domain)
        .transpose()
}

fn end(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(
        delegations::table
            .find(id)
            .filter(delegations::revoked_at.is_null()),
    )
    .set(delegations::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Lets `partner` act for `org` within `scope`, replacing the scope of an active delegation.
/// Both must be registered. The change and its audit entry are one transaction.
pub fn grant(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    partner: &PartnerFiscalCode,
    scope: &Scope,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Granted, StoreError> {
    let stored = scope.to_stored("scope")?;
    write_tx(conn, |c| {
        orgs::require_registered(c, org)?;
        partners::require_registered(c, partner)?;
        let outcome = match find_active(c, org, partner)? {
            Some(active) if &active.scope == scope => return Ok(Granted::Unchanged),
            Some(active) => {
                end(c, active.id, now)?;
                Granted::Replaced {
                    previous: active.scope,
                }
            }
            None => Granted::New,
        };
        diesel::insert_into(delegations::table)
            .values((
                delegations::organization_fiscal_code.eq(org.as_str()),
                delegations::partner_fiscal_code.eq(partner.as_str()),
                delegations::scope.eq(&stored),
                delegations::granted_at.eq(now),
            ))
            .execute(c)?;
        let detail = match &outcome {
            Granted::Replaced { previous } => format!("scope={scope} previous={previous}"),
            _ => format!("scope={scope}"),
        };
        audit::record(
            c,
            actor,
            audit::DELEGATION_GRANT,
            &subject(org, partner),
            &detail,
            now,
        )?;
        Ok(outcome)
    })
}

/// Ends the active delegation of `org` to `partner` (NotFound when there is none) and returns it.
pub fn revoke(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    partner: &PartnerFiscalCode,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Delegation, StoreError> {
    write_tx(conn, |c| {
        let Some(mut active) = find_active(c, org, partner)? else {
            return Err(DomainError::NotFound(format!(
                "organization {org} has no active delegation to partner {partner}"
            ))
            .into());
        };
        end(c, active.id, now)?;
        audit::record(
            c,
            actor,
            audit::DELEGATION_REVOKE,
            &subject(org, partner),
            &format!("scope={}", active.scope),
            now,
        )?;
        active.revoked_at = Some(now);
        Ok(active)
    })
}

/// The scope `partner` may act in for `org`, when a delegation is active.
pub fn active(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    partner: &PartnerFiscalCode,
) -> Result<Option<Scope>, StoreError> {
    Ok(find_active(conn, org, partner)?.map(|d| d.scope))
}

/// Delegations of an institution, or to a partner, or all (`None`), oldest first; with
/// `include_ended`, also those revoked or replaced. A filter naming an unregistered
/// institution or partner is NotFound.
pub fn list(
    conn: &mut DbConnection,
    of: Option<&Principal>,
    include_ended: bool,
) -> Result<Vec<Delegation>, StoreError> {
    let mut q = delegations::table.into_boxed();
    match of {
        Some(Principal::Institution(org)) => {
            orgs::require_registered(conn, org)?;
            q = q.filter(delegations::organization_fiscal_code.eq(org.as_str()));
        }
        Some(Principal::Partner(partner)) => {
            partners::require_registered(conn, partner)?;
            q = q.filter(delegations::partner_fiscal_code.eq(partner.as_str()));
        }
        None => {}
    }
    if !include_ended {
        q = q.filter(delegations::revoked_at.is_null());
    }
    q.order(delegations::id.asc())
        .select(DelegationRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(DelegationRecord::into_domain)
        .collect()
}
