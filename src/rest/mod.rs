//! The institutions' REST API, wire-compatible with PagoPA's GPD v1.

pub mod caller;
pub mod events;
pub mod iuvs;
pub mod model;
pub mod notices;
pub mod odp;
pub mod openapi;
pub mod params;
pub mod partners;
pub mod positions;
pub mod query;
pub mod services;
pub mod system;
pub mod taxonomy;
pub mod v3;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse, ResponseError};

use crate::domain::DomainError;
use crate::store::StoreError;
use model::ProblemJson;

/// Every REST failure, mapped once to an HTTP status and a ProblemJson body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
    /// The key's rate limit is reached: 429 with `Retry-After` in seconds.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(f) => ApiError::BadRequest(f.to_string()),
            DomainError::Conflict(m) => ApiError::Conflict(m),
            DomainError::NotFound(m) => ApiError::NotFound(m),
            DomainError::Forbidden(m) => ApiError::Forbidden(m),
            DomainError::Unprocessable(m) => ApiError::Unprocessable(m),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Duplicate(m) | StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::VersionMismatch { .. } => ApiError::PreconditionFailed(format!(
                "{e}: the debt position was changed since it was read; GET it again"
            )),
            StoreError::Unavailable(m) => {
                log::error!("database unavailable: {m}");
                ApiError::Unavailable("The database is not available; retry later".to_owned())
            }
            StoreError::Database(_) | StoreError::Corrupt(_) => {
                log::error!("{e}");
                ApiError::Internal("An unexpected error occurred; it has been logged".to_owned())
            }
        }
    }
}

pub fn problem(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(ProblemJson {
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
    })
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = problem(self.status_code(), self.to_string());
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(*retry_after_secs),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub use model::parse_json;

/// Adds the position version as a strong ETag, for `If-Match` on PUT.
pub fn with_etag(
    mut builder: actix_web::HttpResponseBuilder,
    version: i32,
) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::ETAG, format!("\"{version}\"")));
    builder
}

/// A resource whose other methods answer 405 with `Allow`.
pub fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, allow))
            .finish()
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    system::configure(cfg);
    taxonomy::configure(cfg);
    events::configure(cfg);
    partners::configure(cfg);
    odp::configure(cfg);
    let org_path = format!("/organizations/{{{}}}", caller::ORG_PARAM);
    cfg.service(v3::v3_routes(web::scope(&format!("/v3{org_path}"))));
    cfg.service(v3::v2_routes(web::scope(&format!("/v2{org_path}"))));
    cfg.service(services::org_routes(events::org_routes(
        notices::org_routes(positions::org_routes(web::scope(&org_path))),
    )));
}
