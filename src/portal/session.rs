//! Who is asking: the session cookie (only its hash is stored), the institution or partner a
//! page belongs to, and the CSRF token every form carries (checked before anything else).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::NaiveDateTime;
use rand::Rng;
use serde::de::DeserializeOwned;

use super::{PortalConfig, PortalError, BASE};
use crate::clock::Clock;
use crate::domain::access::Principal;
use crate::domain::portal::Role;
use crate::store::portal::{self, Session};
use crate::store::Db;

pub const SESSION_COOKIE: &str = "gpd_portal";
/// Ties the sign-in and sign-up forms to the browser before there is a session.
pub const FORM_COOKIE: &str = "gpd_portal_form";
pub const CSRF_FIELD: &str = "csrf";

fn app_data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, PortalError> {
    req.app_data::<web::Data<T>>()
        .cloned()
        .ok_or_else(|| PortalError::Internal("portal not configured".to_owned()))
}

pub fn now(req: &HttpRequest) -> NaiveDateTime {
    req.app_data::<web::Data<Clock>>()
        .map_or_else(crate::domain::now, |c| c.now())
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn random_token() -> String {
    hex::encode(rand::rng().random::<[u8; 32]>())
}

/// A cookie of the portal: HttpOnly, SameSite=Lax, Secure on HTTPS or when configured.
pub fn cookie(req: &HttpRequest, name: &'static str, value: String) -> Cookie<'static> {
    let secure = req
        .app_data::<web::Data<PortalConfig>>()
        .is_some_and(|c| c.secure_cookie)
        || req.connection_info().scheme() == "https";
    Cookie::build(name, value)
        .path(BASE)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// The cookie that ends the browser's session cookie.
pub fn removal(req: &HttpRequest) -> Cookie<'static> {
    let mut c = cookie(req, SESSION_COOKIE, String::new());
    c.make_removal();
    c
}

/// A signed-in user's live session.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: Session,
    pub now: NaiveDateTime,
}

impl Signed {
    /// The actor the audit log names: `portal:<e-mail>`.
    pub fn actor(&self) -> String {
        format!("portal:{}", self.session.user.email)
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf
    }

    pub fn role(&self) -> &Role {
        &self.session.user.role
    }

    async fn load(req: HttpRequest) -> Result<Signed, PortalError> {
        let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(PortalError::SignIn);
        };
        let db = app_data::<Db>(&req)?;
        let config = app_data::<PortalConfig>(&req)?;
        let now = now(&req);
        let policy = config.policy;
        let session = db
            .run(move |c| portal::session(c, &token, &policy, now))
            .await?;
        session
            .map(|session| Signed { session, now })
            .ok_or(PortalError::SignIn)
    }
}

impl FromRequest for Signed {
    type Error = PortalError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Signed::load(req.clone()))
    }
}

/// A session acting for the institution or partner in the path (`/portal/org/{fc}/...` or
/// `/portal/partner/{fc}/...`): any other user gets 403, whatever the fiscal code.
#[derive(Debug, Clone)]
pub struct Acting {
    pub signed: Signed,
    pub principal: Principal,
}

impl Acting {
    fn check(signed: Signed, req: &HttpRequest) -> Result<Acting, PortalError> {
        let kind = req.match_info().get("kind").unwrap_or_default();
        let fc = req.match_info().get("fc").unwrap_or_default();
        let principal = match (kind, signed.role()) {
            ("org", Role::Institution(org)) if org.as_str() == fc => {
                Principal::Institution(org.clone())
            }
            ("partner", Role::Partner(p)) if p.as_str() == fc => Principal::Partner(p.clone()),
            _ => return Err(PortalError::Forbidden),
        };
        Ok(Acting { signed, principal })
    }

    /// The institution acted for (403 on a partner's pages that are the institution's only).
    pub fn org(&self) -> Result<&crate::domain::OrgFiscalCode, PortalError> {
        match &self.principal {
            Principal::Institution(org) => Ok(org),
            Principal::Partner(_) => Err(PortalError::Forbidden),
        }
    }

    /// `/portal/org/77777777777` or `/portal/partner/15376371009`.
    pub fn base(&self) -> String {
        base_of(&self.principal)
    }
}

pub fn base_of(principal: &Principal) -> String {
    match principal {
        Principal::Institution(org) => format!("{BASE}/org/{org}"),
        Principal::Partner(p) => format!("{BASE}/partner/{p}"),
    }
}

impl FromRequest for Acting {
    type Error = PortalError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let signed = Signed::load(req.clone()).await?;
            Acting::check(signed, &req)
        })
    }
}

/// The fields of a form, `T`, once its CSRF token matched.
fn checked_form<T: DeserializeOwned>(
    body: &[u8],
    expected: Option<&str>,
) -> Result<T, PortalError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| PortalError::Csrf)?;
    let given = pairs
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str());
    match (given, expected) {
        (Some(given), Some(expected)) if same_token(given, expected) => {}
        _ => return Err(PortalError::Csrf),
    }
    serde_urlencoded::from_bytes(body).map_err(|e| PortalError::Refused(format!("form: {e}")))
}

/// A POST of a signed-in user acting for the institution or partner in the path: the session
/// and its CSRF token are checked before the form is read.
pub struct Post<T> {
    pub acting: Acting,
    pub form: T,
}

/// A POST of a signed-in user, whatever its role (logout, operator pages).
pub struct SignedPost<T> {
    pub signed: Signed,
    pub form: T,
}

/// A POST without a session (sign-in, sign-up): its token must match the form cookie.
pub struct AnonPost<T> {
    pub form: T,
    pub now: NaiveDateTime,
}

async fn body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, PortalError> {
    web::Bytes::from_request(req, payload)
        .await
        .map_err(|e| PortalError::Refused(e.to_string()))
}

impl<T: DeserializeOwned + 'static> FromRequest for Post<T> {
    type Error = PortalError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let acting = Acting::check(Signed::load(req.clone()).await?, &req)?;
            let bytes = body(&req, &mut payload).await?;
            let form = checked_form(&bytes, Some(acting.signed.csrf()))?;
            Ok(Post { acting, form })
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for SignedPost<T> {
    type Error = PortalError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let signed = Signed::load(req.clone()).await?;
            let bytes = body(&req, &mut payload).await?;
            let form = checked_form(&bytes, Some(signed.csrf()))?;
            Ok(SignedPost { signed, form })
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for AnonPost<T> {
    type Error = PortalError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let expected = req.cookie(FORM_COOKIE).map(|c| c.value().to_owned());
            let bytes = body(&req, &mut payload).await?;
            let form = checked_form(&bytes, expected.as_deref())?;
            Ok(AnonPost {
                form,
                now: now(&req),
            })
        })
    }
}

/// The form cookie's token, new when the browser has none yet.
pub fn form_token(req: &HttpRequest) -> (String, bool) {
    match req.cookie(FORM_COOKIE) {
        Some(c) if c.value().len() == 64 => (c.value().to_owned(), false),
        _ => (random_token(), true),
    }
}
