//! API keys of institutions and partners: only a SHA-256 hash of the secret is stored. Creation
//! and revocation are recorded in the audit log, in the same transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::delegations::stored_scope;
use super::models::OrCorrupt;
use super::schema::api_keys;
use super::{audit, orgs, partners, write_tx, DbConnection, StoreError};
use crate::domain::access::{check_new_key_expiry, KeyLabel, PartnerFiscalCode, Principal, Scope};
use crate::domain::OrgFiscalCode;

pub(super) fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// What a new key may do and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOptions {
    pub scope: Scope,
    pub label: Option<KeyLabel>,
    /// The key works through this day (UTC); `None`: until revoked.
    pub expires: Option<NaiveDate>,
}

impl Default for KeyOptions {
    fn default() -> Self {
        Self {
            scope: Scope::All,
            label: None,
            expires: None,
        }
    }
}

/// A new API key; `secret` is shown once and only its hash is stored.
pub struct NewKey {
    pub key_id: String,
    pub secret: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("key_id", &self.key_id)
            .field("secret", &"***")
            .finish()
    }
}

/// A key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub key_id: String,
    pub owner: Principal,
    pub label: Option<String>,
    pub scope: Scope,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDate>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// The columns of a key row but its hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub(super) struct KeyRecord {
    pub id: i64,
    pub key_id: String,
    pub organization_fiscal_code: Option<String>,
    pub partner_fiscal_code: Option<String>,
    pub scope: String,
    pub label: Option<String>,
    pub expires_at: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl KeyRecord {
    pub(super) fn owner(&self) -> Result<Principal, StoreError> {
        match (&self.organization_fiscal_code, &self.partner_fiscal_code) {
            (Some(org), None) => Ok(Principal::Institution(
                OrgFiscalCode::parse("organization", org).or_corrupt("fiscal code", org)?,
            )),
            (None, Some(partner)) => Ok(Principal::Partner(
                PartnerFiscalCode::parse("partner", partner)
                    .or_corrupt("partner fiscal code", partner)?,
            )),
            _ => Err(StoreError::Corrupt(format!(
                "API key {} has no single owner",
                self.key_id
            ))),
        }
    }

    pub(super) fn scope(&self) -> Result<Scope, StoreError> {
        stored_scope(&self.scope)
    }

    fn into_info(self) -> Result<KeyInfo, StoreError> {
        Ok(KeyInfo {
            owner: self.owner()?,
            scope: self.scope()?,
            key_id: self.key_id,
            label: self.label,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

fn require_owner(conn: &mut DbConnection, owner: &Principal) -> Result<(), StoreError> {
    match owner {
        Principal::Institution(org) => orgs::require_registered(conn, org),
        Principal::Partner(partner) => partners::require_registered(conn, partner),
    }
}

fn owner_columns(owner: &Principal) -> (Option<&str>, Option<&str>) {
    match owner {
        Principal::Institution(org) => (Some(org.as_str()), None),
        Principal::Partner(partner) => (None, Some(partner.as_str())),
    }
}

/// Creates a key for a registered institution or partner, and records it in the audit log.
pub fn create(
    conn: &mut DbConnection,
    owner: &Principal,
    options: &KeyOptions,
    actor: &str,
    now: NaiveDateTime,
) -> Result<NewKey, StoreError> {
    let scope = options.scope.to_stored("scope")?;
    check_new_key_expiry("expires", options.expires, now)?;
    let mut rng = rand::rng();
    let key_id = hex::encode(rng.random::<[u8; 6]>());
    let secret = format!("gpd_{key_id}_{}", hex::encode(rng.random::<[u8; 24]>()));
    let (org, partner) = owner_columns(owner);
    write_tx(conn, |c| {
        require_owner(c, owner)?;
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::key_id.eq(&key_id),
                api_keys::organization_fiscal_code.eq(org),
                api_keys::partner_fiscal_code.eq(partner),
                api_keys::key_hash.eq(hash_key(&secret)),
                api_keys::scope.eq(&scope),
                api_keys::label.eq(options.label.as_ref().map(KeyLabel::as_str)),
                api_keys::expires_at.eq(options.expires),
                api_keys::created_at.eq(now),
            ))
            .execute(c)?;
        let mut detail = format!("{} scope={}", owner.audit_text(), options.scope);
        if let Some(label) = &options.label {
            detail.push_str(&format!(" label={:?}", label.as_str()));
        }
        if let Some(day) = options.expires {
            detail.push_str(&format!(" expires={day}"));
        }
        audit::record(c, actor, audit::KEY_CREATE, &key_id, &detail, now)
    })?;
    Ok(NewKey { key_id, secret })
}

/// Keys of one institution or partner (NotFound when it is not registered), or all of them,
/// oldest first.
pub fn list(
    conn: &mut DbConnection,
    owner: Option<&Principal>,
) -> Result<Vec<KeyInfo>, StoreError> {
    let mut q = api_keys::table.into_boxed();
    if let Some(owner) = owner {
        require_owner(conn, owner)?;
        q = match owner {
            Principal::Institution(org) => {
                q.filter(api_keys::organization_fiscal_code.eq(org.as_str()))
            }
            Principal::Partner(partner) => {
                q.filter(api_keys::partner_fiscal_code.eq(partner.as_str()))
            }
        };
    }
    q.order(api_keys::id.asc())
        .select(KeyRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(KeyRecord::into_info)
        .collect()
}

/// Revokes a key by its id, at once, and records it; false when no active key has that id.
pub fn revoke(
    conn: &mut DbConnection,
    key_id: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    revoke_of(conn, None, key_id, actor, now)
}

/// [`revoke`], only when the key belongs to `owner` (when given): false otherwise.
pub fn revoke_of(
    conn: &mut DbConnection,
    owner: Option<&Principal>,
    key_id: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_tx(conn, |c| {
        let key: Option<KeyRecord> = api_keys::table
            .filter(api_keys::key_id.eq(key_id))
            .filter(api_keys::revoked_at.is_null())
            .select(KeyRecord::as_select())
            .first(c)
            .optional()?;
        let Some(key) = key else {
            return Ok(false);
        };
        if owner.is_some_and(|o| key.owner().ok().as_ref() != Some(o)) {
            return Ok(false);
        }
        let n = diesel::update(
            api_keys::table
                .find(key.id)
                .filter(api_keys::revoked_at.is_null()),
        )
        .set(api_keys::revoked_at.eq(now))
        .execute(c)?;
        if n == 1 {
            let detail = key.owner()?.audit_text();
            audit::record(c, actor, audit::KEY_REVOKE, key_id, &detail, now)?;
        }
        Ok(n == 1)
    })
}
