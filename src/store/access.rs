//! Who may act for an institution: the API key of a request, checked against the institution in
//! its path, in one query (key, institution and delegation joined), on every REST request.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::keys::{hash_key, KeyRecord};
use super::orgs::OrgRecord;
use super::schema::{api_keys, delegations, organizations};
use super::{write_tx, DbConnection, StoreError};
use crate::domain::access::{key_expired, PartnerFiscalCode, Principal, Scope};
use crate::domain::Organization;

/// `last_used_at` is written at most once in this interval per key, so reads stay reads.
pub const LAST_USED_GRANULARITY_SECS: i64 = 60;

/// What a request may do: act for `org`, as `principal`, on the positions `scope` reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub org: Organization,
    pub principal: Principal,
    pub scope: Scope,
}

/// Why a key is refused: 401 (`Unauthorized`) or 403 (`Forbidden`), with the message to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    Unauthorized(String),
    Forbidden(String),
}

fn not_allowed(path_org: &str) -> Denied {
    Denied::Forbidden(format!(
        "This API key is not allowed to act for organization {path_org}"
    ))
}

/// Checks `secret` for acting on `path_org` at `now`.
///
/// - unknown or revoked key: Unauthorized; expired key (after its expiry day): Unauthorized;
/// - institution key: only for its own institution, within the key's scope;
/// - partner key: for a registered institution with an active delegation to the partner,
///   within the delegation's scope ∩ the key's scope.
///
/// One SELECT; and, at most once a minute per key, an UPDATE of `last_used_at` (any valid,
/// unexpired key presented counts as a use, whether or not it may act for `path_org`).
pub fn authorize(
    conn: &mut DbConnection,
    secret: &str,
    path_org: &str,
    now: NaiveDateTime,
) -> Result<Result<Access, Denied>, StoreError> {
    // The join conditions must own their values.
    let (org_param, delegation_param) = (path_org.to_owned(), path_org.to_owned());
    let row: Option<(KeyRecord, Option<OrgRecord>, Option<String>)> = api_keys::table
        .left_join(organizations::table.on(organizations::fiscal_code.eq(org_param)))
        .left_join(
            delegations::table.on(delegations::organization_fiscal_code
                .eq(delegation_param)
                .and(
                    delegations::partner_fiscal_code
                        .nullable()
                        .eq(api_keys::partner_fiscal_code),
                )
                .and(delegations::revoked_at.is_null())),
        )
        .filter(api_keys::key_hash.eq(hash_key(secret)))
        .filter(api_keys::revoked_at.is_null())
        .select((
            KeyRecord::as_select(),
            Option::<OrgRecord>::as_select(),
            delegations::scope.nullable(),
        ))
        .first(conn)
        .optional()?;
    let (key, org, delegation) = match row {
        Some((key, org, delegation)) => match usable(conn, key, now) {
            Ok(key) => (key, org, delegation),
            Err(denied) => return Ok(Err(denied)),
        },
        None => return Ok(Err(unknown_key())),
    };
    let principal = key.owner()?;
    let key_scope = key.scope()?;
    let Some(org) = org else {
        return Ok(Err(not_allowed(path_org)));
    };
    let scope = match &principal {
        Principal::Institution(own) if own.as_str() == path_org => key_scope,
        Principal::Institution(_) => return Ok(Err(not_allowed(path_org))),
        Principal::Partner(partner) => match delegation {
            Some(text) => super::delegations::stored_scope(&text)?.intersect(&key_scope),
            None => {
                return Ok(Err(Denied::Forbidden(format!(
                    "Partner {partner} has no delegation from organization {path_org}"
                ))))
            }
        },
    };
    Ok(Ok(Access {
        org: org.into_domain()?,
        principal,
        scope,
    }))
}

fn unknown_key() -> Denied {
    Denied::Unauthorized("Access denied: the API key is not valid".to_owned())
}

/// A found, unrevoked key, unless it has expired by `now`; its use is noted.
fn usable(
    conn: &mut DbConnection,
    key: KeyRecord,
    now: NaiveDateTime,
) -> Result<KeyRecord, Denied> {
    if let Some(day) = key.expires_at.filter(|&d| key_expired(Some(d), now)) {
        return Err(Denied::Unauthorized(format!(
            "Access denied: the API key expired on {day}"
        )));
    }
    note_use(conn, &key, now);
    Ok(key)
}

/// Stores `now` as the key's last use unless the stored one is less than a minute old (known
/// from the SELECT, so most requests write nothing and take no SQLite write lock). A failure
/// here is logged, not answered: the key is valid either way.
fn note_use(conn: &mut DbConnection, key: &KeyRecord, now: NaiveDateTime) {
    let cutoff = now - Duration::seconds(LAST_USED_GRANULARITY_SECS);
    if key.last_used_at.is_some_and(|at| at >= cutoff) {
        return;
    }
    let result = write_tx(conn, |c| {
        diesel::update(
            api_keys::table.find(key.id).filter(
                api_keys::last_used_at
                    .is_null()
                    .or(api_keys::last_used_at.lt(cutoff)),
            ),
        )
        .set(api_keys::last_used_at.eq(now))
        .execute(c)
    });
    if let Err(e) = result {
        log::warn!("could not record the use of API key {}: {e}", key.key_id);
    }
}

/// Who holds `secret` and the key's own scope, for requests that act for the key's owner itself
/// (a partner managing its webhook): Unauthorized as [`authorize`] for an unknown, revoked or
/// expired key. One SELECT, and the same `last_used_at` bookkeeping.
pub fn owner_of_key(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Result<(Principal, Scope), Denied>, StoreError> {
    let key: Option<KeyRecord> = api_keys::table
        .filter(api_keys::key_hash.eq(hash_key(secret)))
        .filter(api_keys::revoked_at.is_null())
        .select(KeyRecord::as_select())
        .first(conn)
        .optional()?;
    let key = match key.map(|key| usable(conn, key, now)) {
        Some(Ok(key)) => key,
        Some(Err(denied)) => return Ok(Err(denied)),
        None => return Ok(Err(unknown_key())),
    };
    Ok(Ok((key.owner()?, key.scope()?)))
}

/// Checks `secret` for acting as partner `path_partner` itself: 401 as [`owner_of_key`], 403 for
/// a key of anyone else or limited to taxonomy domains.
pub fn partner_of_key(
    conn: &mut DbConnection,
    secret: &str,
    path_partner: &str,
    now: NaiveDateTime,
) -> Result<Result<PartnerFiscalCode, Denied>, StoreError> {
    let (principal, scope) = match owner_of_key(conn, secret, now)? {
        Ok(found) => found,
        Err(denied) => return Ok(Err(denied)),
    };
    match principal {
        Principal::Partner(partner) if partner.as_str() == path_partner => {
            if scope.is_all() {
                Ok(Ok(partner))
            } else {
                Ok(Err(Denied::Forbidden(format!(
                    "Managing partner {partner}'s webhook needs one of its API keys without a taxonomy scope"
                ))))
            }
        }
        _ => Ok(Err(Denied::Forbidden(format!(
            "This API key is not allowed to act for partner {path_partner}"
        )))),
    }
}
