//! The self-service portal under `/portal`: server-rendered HTML (maud, escaped by default),
//! plain forms, sessions stored server-side, a CSRF token on every form. Handlers parse, make
//! one store call and render; the rules are in `domain::portal` and the data in `store::portal`.

mod admin;
mod auth;
mod institution;
pub mod labels;
mod session;
mod views;

use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::{middleware::DefaultHeaders, web, HttpResponse, ResponseError};

use crate::domain::portal::SessionPolicy;
use crate::domain::DomainError;
use crate::store::StoreError;

pub use session::{Acting, Post, Signed};

/// The portal's settings (from `ServeConfig::portal`).
#[derive(Debug, Clone)]
pub struct PortalConfig {
    pub policy: SessionPolicy,
    /// Always mark the session cookie Secure.
    pub secure_cookie: bool,
}

pub const BASE: &str = "/portal";
const CSS: &str = include_str!("portal.css");
const JS: &str = include_str!("portal.js");

/// Every portal response: no inline script or style, no framing, no referrer to other sites,
/// nothing cached (pages may show a secret once).
const CSP: &str = "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let scope = web::scope(BASE)
        .wrap(
            DefaultHeaders::new()
                .add((header::CONTENT_SECURITY_POLICY, CSP))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::REFERRER_POLICY, "same-origin"))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::CACHE_CONTROL, "no-store")),
        )
        .route("/static/portal.css", web::get().to(css))
        .route("/static/portal.js", web::get().to(js))
        .route("", web::get().to(auth::start))
        .route("/", web::get().to(auth::start))
        .configure(auth::routes)
        .configure(admin::routes)
        .configure(institution::routes)
        .default_service(web::to(not_found));
    cfg.service(scope);
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "max-age=3600"))
        .body(CSS)
}

async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "max-age=3600"))
        .body(JS)
}

async fn not_found() -> HttpResponse {
    PortalError::NotFound.error_response()
}

/// A portal failure, rendered once as an HTML page (or a redirect to the sign-in page).
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("sign-in needed")]
    SignIn,
    #[error("forbidden")]
    Forbidden,
    #[error("form token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for PortalError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Duplicate(m) | StoreError::Conflict(m) => PortalError::Refused(m),
            other => {
                log::error!("portal: {other}");
                PortalError::Internal(other.to_string())
            }
        }
    }
}

impl From<DomainError> for PortalError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(_) => PortalError::NotFound,
            DomainError::Forbidden(_) => PortalError::Forbidden,
            other => PortalError::Refused(other.to_string()),
        }
    }
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            PortalError::SignIn => StatusCode::SEE_OTHER,
            PortalError::Forbidden | PortalError::Csrf => StatusCode::FORBIDDEN,
            PortalError::NotFound => StatusCode::NOT_FOUND,
            PortalError::Refused(_) => StatusCode::BAD_REQUEST,
            PortalError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let l = labels::it();
        let message = match self {
            PortalError::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("{BASE}/login")))
                    .finish()
            }
            PortalError::Forbidden => l.err_forbidden.to_owned(),
            PortalError::Csrf => l.err_csrf.to_owned(),
            PortalError::NotFound => l.err_not_found.to_owned(),
            PortalError::Refused(m) => m.clone(),
            PortalError::Internal(_) => l.err_internal.to_owned(),
        };
        HttpResponse::build(self.status_code())
            .content_type(ContentType::html())
            .body(views::error_page(l, &message).into_string())
    }
}

pub type PortalResult<T = HttpResponse> = Result<T, PortalError>;

/// An HTML page.
pub fn page(markup: maud::Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(markup.into_string())
}

/// A page answering a refused form (400), so a test or a browser sees it was not done.
pub fn refused_page(markup: maud::Markup) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type(ContentType::html())
        .body(markup.into_string())
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// What a page says at its top after a form: done, refused, or a secret shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Done(String),
    Error(String),
    Secret { title: String, value: String },
}

impl Notice {
    /// The refusal's words, or the error itself when it is not the user's.
    pub fn from_error(e: StoreError) -> Result<Notice, PortalError> {
        match PortalError::from(e) {
            PortalError::Refused(m) => Ok(Notice::Error(m)),
            PortalError::NotFound => Ok(Notice::Error(labels::it().err_not_found.to_owned())),
            other => Err(other),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Notice::Error(_))
    }
}
