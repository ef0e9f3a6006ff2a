//! The service catalog of each institution, kept as the JSON definition the API speaks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::services;
use super::{audit, orgs, webhooks, write_tx, DbConnection, StoreError};
use crate::domain::access::Scope;
use crate::domain::service::{AmountSource, Service, ServiceDraft, ServiceId};
use crate::domain::{DomainError, OrgFiscalCode, Organization};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = services)]
pub struct StoredService {
    pub service_id: String,
    /// The definition as [`Service::to_json`] gives it.
    pub definition: String,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl StoredService {
    /// The definition as JSON, with `enabled` as stored.
    pub fn definition_json(&self) -> Result<serde_json::Value, StoreError> {
        let mut value: serde_json::Value = serde_json::from_str(&self.definition)
            .map_err(|e| StoreError::Corrupt(format!("service {}: {e}", self.service_id)))?;
        value["enabled"] = serde_json::Value::Bool(self.enabled);
        Ok(value)
    }

    /// The transfer category of its positions, as stored.
    pub fn category(&self) -> String {
        self.definition_json()
            .ok()
            .and_then(|d| d["category"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The checked service, read back against the institution as it is configured now.
    pub fn to_domain(&self, org: &Organization) -> Result<Service, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("service {}: {e}", self.service_id));
        let draft: ServiceDraft =
            serde_json::from_value(self.definition_json()?).map_err(|e| corrupt(e.to_string()))?;
        let id =
            ServiceId::parse("serviceId", &self.service_id).map_err(|e| corrupt(e.to_string()))?;
        draft.validate(id, org).map_err(|e| corrupt(e.to_string()))
    }
}

fn not_registered(org: &OrgFiscalCode) -> StoreError {
    DomainError::NotFound(format!("organization {org} is not registered")).into()
}

/// Creates or replaces a service; `true` when it was created.
pub fn put(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    service: &Service,
    now: NaiveDateTime,
) -> Result<(StoredService, bool), StoreError> {
    write_tx(conn, |c| put_in(c, org, service, now))
}

/// Checks a definition for `org` and stores it (the REST API's PUT and the portal): the
/// category must be within the caller's `scope`, and a callback needs the institution's webhook
/// (its secret signs the calls). With an `actor`, the change is recorded in the audit log.
pub fn define(
    conn: &mut DbConnection,
    org: &Organization,
    id: ServiceId,
    draft: ServiceDraft,
    scope: &Scope,
    actor: Option<&str>,
    now: NaiveDateTime,
) -> Result<(StoredService, bool), StoreError> {
    let service = draft.validate(id, org)?;
    let category = service.category.as_str();
    if !scope.covers_category(category) {
        return Err(DomainError::Forbidden(format!(
            "category: '{category}' is outside the taxonomy scope of this API key ({scope})"
        ))
        .into());
    }
    if matches!(service.amount, AmountSource::Callback { .. })
        && webhooks::get(conn, &org.fiscal_code)?.is_none()
    {
        return Err(DomainError::invalid(
            "callbackUrl",
            "callbacks are signed with the institution's webhook secret: set the webhook first (PUT /organizations/{organizationfiscalcode}/webhook)",
        )
        .into());
    }
    write_tx(conn, |c| {
        let put = put_in(c, &org.fiscal_code, &service, now)?;
        if let Some(actor) = actor {
            let detail = format!("category={category} enabled={}", service.enabled);
            let subject = format!("{}/{}", org.fiscal_code, service.id);
            audit::record(c, actor, audit::SERVICE_PUT, &subject, &detail, now)?;
        }
        Ok(put)
    })
}

fn put_in(
    c: &mut DbConnection,
    org: &OrgFiscalCode,
    service: &Service,
    now: NaiveDateTime,
) -> Result<(StoredService, bool), StoreError> {
    let definition = service.to_json().to_string();
    {
        if orgs::find_org(c, org.as_str())?.is_none() {
            return Err(not_registered(org));
        }
        let key = services::table.find((org.as_str(), service.id.as_str()));
        let created = key
            .select(services::service_id)
            .first::<String>(c)
            .optional()?
            .is_none();
        if created {
            diesel::insert_into(services::table)
                .values((
                    services::organization_fiscal_code.eq(org.as_str()),
                    services::service_id.eq(service.id.as_str()),
                    services::definition.eq(&definition),
                    services::enabled.eq(service.enabled),
                    services::created_at.eq(now),
                    services::updated_at.eq(now),
                ))
                .execute(c)?;
        } else {
            diesel::update(key)
                .set((
                    services::definition.eq(&definition),
                    services::enabled.eq(service.enabled),
                    services::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        let stored = get(c, org, &service.id)?
            .ok_or_else(|| StoreError::Corrupt("service vanished".to_owned()))?;
        Ok((stored, created))
    }
}

pub fn get(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    id: &ServiceId,
) -> Result<Option<StoredService>, StoreError> {
    Ok(services::table
        .find((org.as_str(), id.as_str()))
        .select(StoredService::as_select())
        .first(conn)
        .optional()?)
}

/// The institution's services ordered by id.
pub fn list(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
) -> Result<Vec<StoredService>, StoreError> {
    Ok(services::table
        .filter(services::organization_fiscal_code.eq(org.as_str()))
        .order(services::service_id.asc())
        .select(StoredService::as_select())
        .load(conn)?)
}

/// Disables a service: it stays for the positions it created, and demands for it are refused.
pub fn disable(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    id: &ServiceId,
    now: NaiveDateTime,
) -> Result<StoredService, StoreError> {
    let missing = || -> StoreError {
        DomainError::NotFound(format!("service {id} of organization {org} does not exist")).into()
    };
    write_tx(conn, |c| {
        let n = diesel::update(services::table.find((org.as_str(), id.as_str())))
            .set((services::enabled.eq(false), services::updated_at.eq(now)))
            .execute(c)?;
        if n == 0 {
            return Err(missing());
        }
        get(c, org, id)?.ok_or_else(missing)
    })
}
