//! The service catalog of spontaneous payments (`/organizations/{fc}/services`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::caller::Caller;
use super::params::ServiceIdParam;
use super::{parse_json, resource, ApiError, ApiResult};
use crate::domain::access::Scope;
use crate::domain::service::xsd::service_xsd;
use crate::domain::service::{ServiceDraft, ServiceId};
use crate::domain::time::format_datetime;
use crate::domain::OrgFiscalCode;
use crate::store::services::{self, StoredService};
use crate::store::{Db, StoreError};

fn render(stored: &StoredService) -> Result<Value, StoreError> {
    let mut body = json!({"serviceId": stored.service_id});
    if let (Value::Object(out), Value::Object(definition)) = (&mut body, stored.definition_json()?)
    {
        out.extend(definition);
        out.insert(
            "createdAt".into(),
            json!(format_datetime(&stored.created_at)),
        );
        out.insert(
            "updatedAt".into(),
            json!(format_datetime(&stored.updated_at)),
        );
    }
    Ok(body)
}

fn missing(org: &OrgFiscalCode, id: &ServiceId) -> ApiError {
    ApiError::NotFound(format!("service {id} of organization {org} does not exist"))
}

/// The service if the caller's scope reaches its category, else 404 as for a missing one.
fn visible(
    stored: Option<StoredService>,
    scope: &Scope,
    org: &OrgFiscalCode,
    id: &ServiceId,
) -> ApiResult<StoredService> {
    stored
        .filter(|s| scope.covers_category(&s.category()))
        .ok_or_else(|| missing(org, id))
}

/// Create or replace a service of spontaneous payments.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/services/{serviceId}", tag = "Spontaneous payments",
    params(("organizationfiscalcode" = String, Path), ("serviceId" = String, Path, description = "5 letters or digits")),
    request_body = Object,
    responses((status = 201, body = Object), (status = 200, body = Object), (status = 400)), security(("ApiKey" = [])))]
pub async fn put(
    db: web::Data<Db>,
    caller: Caller<ServiceIdParam>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org, scope, now, ServiceIdParam(id)) = caller.into_org();
    let draft = parse_json::<ServiceDraft>(&body)?;
    let (stored, created) = db
        .run(move |c| services::define(c, &org, id, draft, &scope, None, now))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(render(&stored)?))
}

/// The institution's services, ordered by id.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/services", tag = "Spontaneous payments",
    params(("organizationfiscalcode" = String, Path)),
    responses((status = 200, body = Object)), security(("ApiKey" = [])))]
pub async fn list(db: web::Data<Db>, caller: Caller) -> ApiResult<HttpResponse> {
    let org = caller.fiscal_code().clone();
    let stored = db.run(move |c| services::list(c, &org)).await?;
    let rendered = stored
        .iter()
        .filter(|s| caller.scope.covers_category(&s.category()))
        .map(render)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(json!({ "services": rendered })))
}

/// One service.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/services/{serviceId}", tag = "Spontaneous payments",
    params(("organizationfiscalcode" = String, Path), ("serviceId" = String, Path)),
    responses((status = 200, body = Object), (status = 404)), security(("ApiKey" = [])))]
pub async fn get(db: web::Data<Db>, caller: Caller<ServiceIdParam>) -> ApiResult<HttpResponse> {
    let org = caller.fiscal_code().clone();
    let ServiceIdParam(id) = caller.params;
    let (o, i) = (org.clone(), id.clone());
    let stored = db.run(move |c| services::get(c, &o, &i)).await?;
    let stored = visible(stored, &caller.scope, &org, &id)?;
    Ok(HttpResponse::Ok().json(render(&stored)?))
}

/// Disables a service: demands for it are refused; the positions it created stay.
#[utoipa::path(delete, path = "/organizations/{organizationfiscalcode}/services/{serviceId}", tag = "Spontaneous payments",
    params(("organizationfiscalcode" = String, Path), ("serviceId" = String, Path)),
    responses((status = 200, body = Object), (status = 404)), security(("ApiKey" = [])))]
pub async fn disable(db: web::Data<Db>, caller: Caller<ServiceIdParam>) -> ApiResult<HttpResponse> {
    let (org, now) = (caller.fiscal_code().clone(), caller.now);
    let ServiceIdParam(id) = caller.params;
    let stored = db
        .run(move |c| services::disable(c, &org, &id, now))
        .await?;
    Ok(HttpResponse::Ok().json(render(&stored)?))
}

/// The XSD of the service's `datiSpecificiServizioRequest` payload.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/services/{serviceId}/xsd", tag = "Spontaneous payments",
    params(("organizationfiscalcode" = String, Path), ("serviceId" = String, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404)), security(("ApiKey" = [])))]
pub async fn xsd(db: web::Data<Db>, caller: Caller<ServiceIdParam>) -> ApiResult<HttpResponse> {
    let Caller {
        org,
        scope,
        params: ServiceIdParam(id),
        ..
    } = caller;
    let (fc, i) = (org.fiscal_code.clone(), id.clone());
    let stored = db.run(move |c| services::get(c, &fc, &i)).await?;
    let stored = visible(stored, &scope, &org.fiscal_code, &id)?;
    let service = stored.to_domain(&org)?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(service_xsd(&service)))
}

pub fn org_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .service(resource("/services", "GET").get(list))
        .service(
            resource("/services/{serviceId}", "GET, PUT, DELETE")
                .get(get)
                .put(put)
                .delete(disable),
        )
        .service(resource("/services/{serviceId}/xsd", "GET").get(xsd))
}
