//! The `Caller` extractor: the API key is checked once, before the handler runs; the handler
//! receives the institution it may act for, the instant of the request and, checked after the
//! key, its parameters `P` (path, query, headers: see [`super::params`]).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;

use super::params::Param;
use super::{ApiError, ApiResult};
use crate::clock::Clock;
use crate::domain::access::{Principal, Scope};
use crate::domain::{OrgFiscalCode, Organization};
use crate::http::{header_text, API_KEY_HEADER};
use crate::limits::{key_id, KeyRateLimit};
use crate::store::access::{self, Access, Denied};
use crate::store::positions::ScopedOrg;
use crate::store::{Db, DbConnection, StoreError};

/// The path segment naming the institution a request acts for.
pub const ORG_PARAM: &str = "organizationfiscalcode";

/// The institution a request acts for, once its API key has been checked against the path.
pub struct Caller<P = ()> {
    pub org: Organization,
    /// Who holds the key, and the positions it reaches (the key's scope, within the
    /// delegation's for a partner).
    pub principal: Principal,
    pub scope: Scope,
    /// The instant this request is handled at, from the app's clock.
    pub now: NaiveDateTime,
    pub params: P,
}

impl<P> Caller<P> {
    pub fn fiscal_code(&self) -> &OrgFiscalCode {
        &self.org.fiscal_code
    }

    /// The institution with the caller's scope, the instant and the parameters, for handlers
    /// that need no more of the institution.
    pub fn into_parts(self) -> (ScopedOrg, NaiveDateTime, P) {
        let org = ScopedOrg {
            org: self.org.fiscal_code,
            scope: self.scope,
        };
        (org, self.now, self.params)
    }

    /// The whole institution, the caller's scope, the instant and the parameters, for handlers
    /// whose operation needs the institution's settings.
    pub fn into_org(self) -> (Organization, Scope, NaiveDateTime, P) {
        (self.org, self.scope, self.now, self.params)
    }

    /// Refuses (403) a partner's key or a key limited to taxonomy domains: for what concerns
    /// the whole institution, such as its webhook.
    pub fn require_unlimited(&self, what: &str) -> Result<(), ApiError> {
        match (&self.principal, &self.scope) {
            (Principal::Institution(_), Scope::All) => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "{what} needs one of the institution's own API keys without a taxonomy scope"
            ))),
        }
    }

    /// The institution with the caller's scope.
    pub fn scoped(&self) -> ScopedOrg {
        ScopedOrg {
            org: self.org.fiscal_code.clone(),
            scope: self.scope.clone(),
        }
    }
}

pub(super) fn app_data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, ApiError> {
    req.app_data::<web::Data<T>>().cloned().ok_or_else(|| {
        ApiError::Internal(format!(
            "the app is missing its {}",
            std::any::type_name::<T>()
        ))
    })
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Unauthorized(message) => ApiError::Unauthorized(message),
            Denied::Forbidden(message) => ApiError::Forbidden(message),
        }
    }
}

/// The per-key rate limit of the app, if one is set.
pub(super) fn rate_limit(req: &HttpRequest) -> Option<web::Data<KeyRateLimit>> {
    req.app_data::<web::Data<KeyRateLimit>>().cloned()
}

fn throttled(retry_after_secs: u64) -> ApiError {
    ApiError::TooManyRequests {
        detail: format!("Too many requests with this API key; retry after {retry_after_secs} s"),
        retry_after_secs,
    }
}

/// Runs `check` on the request's API key (from [`API_KEY_HEADER`]) on the blocking pool: 401
/// when the header is missing, else the check's own answer or refusal (401/403). A key the check
/// recognises (answer or 403) then takes a token of its rate limit (429 without one); a key
/// already out of tokens is refused before the lookup.
pub(super) async fn with_key<T, F>(
    db: &Db,
    limit: Option<web::Data<KeyRateLimit>>,
    key: Option<String>,
    check: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &str) -> Result<Result<T, Denied>, StoreError> + Send + 'static,
{
    let key = key.ok_or_else(|| {
        ApiError::Unauthorized(format!(
            "Access denied: the {API_KEY_HEADER} header is missing"
        ))
    })?;
    let id = limit.as_ref().map(|limit| (limit, key_id(&key)));
    if let Some((limit, id)) = &id {
        limit.check(id).map_err(throttled)?;
    }
    let checked = db.run(move |c| check(c, &key)).await?;
    if let (Some((limit, id)), Ok(_) | Err(Denied::Forbidden(_))) = (&id, &checked) {
        limit.take(id).map_err(throttled)?;
    }
    Ok(checked?)
}

impl<P: Param + 'static> FromRequest for Caller<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = header_text(req, API_KEY_HEADER).map(str::to_owned);
        let path_org = req.match_info().get(ORG_PARAM).map(str::to_owned);
        let services = app_data::<Db>(req).and_then(|db| Ok((db, app_data::<Clock>(req)?)));
        let limit = rate_limit(req);
        let req = req.clone();
        Box::pin(async move {
            let (db, clock) = services?;
            let path_org = path_org
                .ok_or_else(|| ApiError::Internal(format!("route without {{{ORG_PARAM}}}")))?;
            let now = clock.now();
            let Access {
                org,
                principal,
                scope,
            } = with_key(&db, limit, key, move |c, key| {
                access::authorize(c, key, &path_org, now)
            })
            .await?;
            Ok(Caller {
                principal,
                scope,
                org,
                now,
                params: P::extract(&req)?,
            })
        })
    }
}
