//! The audit log: who granted or revoked a delegation, created or revoked a key, and when. Each
//! entry is written in the transaction of the change it records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, StoreError};

/// The actor of changes made with the command line.
pub const CLI_ACTOR: &str = "cli";

pub const DELEGATION_GRANT: &str = "delegation.grant";
pub const DELEGATION_REVOKE: &str = "delegation.revoke";
pub const KEY_CREATE: &str = "key.create";
pub const KEY_REVOKE: &str = "key.revoke";
pub const PORTAL_OPERATOR_ADD: &str = "portal.operator.add";
pub const ONBOARDING_REQUEST: &str = "onboarding.request";
pub const ONBOARDING_APPROVE: &str = "onboarding.approve";
pub const ONBOARDING_REJECT: &str = "onboarding.reject";
pub const WEBHOOK_SET: &str = "webhook.set";
pub const WEBHOOK_ROTATE: &str = "webhook.rotate-secret";
pub const EVENT_REDELIVER: &str = "event.redeliver";
pub const SERVICE_PUT: &str = "service.put";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    /// `cli`, or later a portal user.
    pub actor: String,
    /// e.g. `delegation.grant`.
    pub action: String,
    /// e.g. `77777777777->15376371009`, or a key id.
    pub subject: String,
    /// e.g. `scope=0101,0102108`; may be empty.
    pub detail: String,
}

/// Writes one entry; call it inside the transaction of the change it records.
pub fn record(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest `limit` entries, newest first.
pub fn list(conn: &mut DbConnection, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(audit_log::table
        .order(audit_log::id.desc())
        .limit(limit.max(0))
        .select(AuditEntry::as_select())
        .load(conn)?)
}
