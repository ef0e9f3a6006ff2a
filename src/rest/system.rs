//! Service endpoints without a key: info, health, the OpenAPI document.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use utoipa::OpenApi;

use super::model::AppInfo;
use crate::store::{Db, StoreError};

/// The environment name shown by `/info`.
#[derive(Clone)]
pub struct Environment(pub String);

/// Name, version and environment of the service.
#[utoipa::path(get, path = "/info", tag = "Service", responses((status = 200, body = AppInfo)))]
pub async fn info(environment: web::Data<Environment>) -> HttpResponse {
    HttpResponse::Ok().json(AppInfo {
        name: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        environment: environment.0.clone(),
    })
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/health", tag = "Service", responses((status = 200), (status = 503)))]
pub async fn health(db: web::Data<Db>) -> HttpResponse {
    let backend = db.backend();
    match db
        .run(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
        .await
    {
        Ok(()) => {
            HttpResponse::Ok().json(serde_json::json!({ "status": "UP", "database": backend }))
        }
        Err(e) => {
            log::error!("health check failed: {e}");
            super::problem(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("database {backend} is not answering"),
            )
        }
    }
}

/// The OpenAPI 3.1 document of this API, generated from the code.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(super::openapi::ApiDoc::openapi())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::resource("/info", "GET").get(info))
        .service(super::resource("/health", "GET").get(health))
        .service(super::resource("/openapi.json", "GET").get(openapi_json));
}
