//! A partner's own webhook, managed with one of the partner's keys: it receives the events of
//! every institution that delegates to it, for the positions within each delegation's scope.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;

use super::caller::{app_data, rate_limit, with_key};
use super::events::{WebhookModel, WebhookUpdateModel};
use super::{parse_json, resource, ApiError, ApiResult};
use crate::clock::Clock;
use crate::domain::access::PartnerFiscalCode;
use crate::http::{header_text, API_KEY_HEADER};
use crate::store::access;
use crate::store::{partner_webhooks, Db};

/// The path segment naming the partner.
pub const PARTNER_PARAM: &str = "partnerfiscalcode";

/// The partner in the path, once the request's key is found to be one of its own (unlimited).
pub struct PartnerCaller {
    pub partner: PartnerFiscalCode,
    pub now: NaiveDateTime,
}

impl FromRequest for PartnerCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = header_text(req, API_KEY_HEADER).map(str::to_owned);
        let path = req.match_info().get(PARTNER_PARAM).map(str::to_owned);
        let services = app_data::<Db>(req).and_then(|db| Ok((db, app_data::<Clock>(req)?)));
        let limit = rate_limit(req);
        Box::pin(async move {
            let (db, clock) = services?;
            let path = path
                .ok_or_else(|| ApiError::Internal(format!("route without {{{PARTNER_PARAM}}}")))?;
            let now = clock.now();
            let partner = with_key(&db, limit, key, move |c, key| {
                access::partner_of_key(c, key, &path, now)
            })
            .await?;
            Ok(PartnerCaller { partner, now })
        })
    }
}

/// The partner's webhook.
#[utoipa::path(get, path = "/partners/{partnerfiscalcode}/webhook", tag = "Events",
    params(("partnerfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404)), security(("ApiKey" = [])))]
pub async fn get_webhook(db: web::Data<Db>, caller: PartnerCaller) -> ApiResult<HttpResponse> {
    let partner = caller.partner.clone();
    let hook = db.run(move |c| partner_webhooks::get(c, &partner)).await?;
    let hook = hook
        .ok_or_else(|| ApiError::NotFound(format!("partner {} has no webhook", caller.partner)))?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, false)))
}

/// Sets the URL and enables deliveries; 201 with the secret when created. The partner receives
/// the events of the institutions that delegate to it, within each delegation's scope.
#[utoipa::path(put, path = "/partners/{partnerfiscalcode}/webhook", tag = "Events",
    params(("partnerfiscalcode" = String, Path)), request_body = WebhookUpdateModel,
    responses((status = 201, body = WebhookModel), (status = 200, body = WebhookModel), (status = 400)), security(("ApiKey" = [])))]
pub async fn put_webhook(
    db: web::Data<Db>,
    caller: PartnerCaller,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let url = parse_json::<WebhookUpdateModel>(&body)?.url;
    let PartnerCaller { partner, now } = caller;
    let (hook, created) = db
        .run(move |c| partner_webhooks::set(c, &partner, &url, now))
        .await?;
    let mut builder = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(builder.json(WebhookModel::from_store(hook, created)))
}

/// Disables deliveries to the partner.
#[utoipa::path(delete, path = "/partners/{partnerfiscalcode}/webhook", tag = "Events",
    params(("partnerfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404)), security(("ApiKey" = [])))]
pub async fn delete_webhook(db: web::Data<Db>, caller: PartnerCaller) -> ApiResult<HttpResponse> {
    let PartnerCaller { partner, now } = caller;
    let hook = db
        .run(move |c| partner_webhooks::disable(c, &partner, "disabled by the partner", now))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, false)))
}

/// Replaces the partner's signing secret and shows the new one.
#[utoipa::path(post, path = "/partners/{partnerfiscalcode}/webhook/rotate-secret", tag = "Events",
    params(("partnerfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404)), security(("ApiKey" = [])))]
pub async fn rotate_secret(db: web::Data<Db>, caller: PartnerCaller) -> ApiResult<HttpResponse> {
    let PartnerCaller { partner, now } = caller;
    let hook = db
        .run(move |c| partner_webhooks::rotate_secret(c, &partner, now))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, true)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(&format!("/partners/{{{PARTNER_PARAM}}}"))
            .service(
                resource("/webhook", "GET, PUT, DELETE")
                    .get(get_webhook)
                    .put(put_webhook)
                    .delete(delete_webhook),
            )
            .service(resource("/webhook/rotate-secret", "POST").post(rotate_secret)),
    );
}
