//! The institutions' REST API, wire-compatible with PagoPA's GPD v1.

pub mod events;
pub mod model;
pub mod openapi;
pub mod positions;
pub mod system;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::domain::{DomainError, OrgFiscalCode, Organization};
use crate::store::{orgs, Db, StoreError};
use model::ProblemJson;

pub const API_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// Largest JSON body accepted (a position with 100 options fits comfortably).
pub const MAX_JSON_BODY: usize = 1024 * 1024;

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
        }
    }

    fn error_response(&self) -> HttpResponse {
        problem(self.status_code(), self.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub use model::parse_json;

/// Parses the `toPublish`-style booleans case-insensitively (`True`, `FALSE`...).
pub fn parse_bool(name: &str, value: Option<&str>) -> ApiResult<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!(
            "{name}: '{other}' is not true or false"
        ))),
    }
}

/// The institution a request acts for, once its API key has been checked against the path.
pub struct Caller {
    pub org: Organization,
}

impl Caller {
    pub fn fiscal_code(&self) -> &OrgFiscalCode {
        &self.org.fiscal_code
    }
}

/// Checks the `Ocp-Apim-Subscription-Key` header: 401 when missing or unknown, 403 when the key
/// belongs to another institution than the one in the path.
pub async fn authorize(db: &Db, req: &HttpRequest, path_org: &str) -> ApiResult<Caller> {
    let key = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized(format!(
                "Access denied: the {API_KEY_HEADER} header is missing"
            ))
        })?
        .to_owned();
    let org = db.run(move |c| orgs::authenticate(c, &key)).await?;
    let org = org.ok_or_else(|| {
        ApiError::Unauthorized("Access denied: the API key is not valid".to_owned())
    })?;
    if org.fiscal_code.as_str() != path_org {
        return Err(ApiError::Forbidden(format!(
            "This API key is not allowed to act for organization {path_org}"
        )));
    }
    Ok(Caller { org })
}

/// Adds the position version as a strong ETag, for `If-Match` on PUT.
pub fn with_etag(
    mut builder: actix_web::HttpResponseBuilder,
    version: i32,
) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::ETAG, format!("\"{version}\"")));
    builder
}

/// The version named by an `If-Match` header, if any.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<i32>().map(Some).map_err(|_| {
        ApiError::BadRequest(format!(
            "If-Match: '{text}' is not a version returned in an ETag"
        ))
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    system::configure(cfg);
    events::configure(cfg);
    let org = web::scope("/organizations/{organizationfiscalcode}");
    cfg.service(events::org_routes(positions::org_routes(org)));
}
