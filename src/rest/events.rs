//! Webhook settings, the event feed, receipts, and the metrics endpoint.

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Caller;
use super::model::datetime;
use super::params::{OptionKey, Param, Query};
use super::query::{self, day_or_instant};
use super::{parse_json, resource, ApiError, ApiResult};
use crate::domain::DomainError;
use crate::metrics::Metrics;
use crate::store::receipts::{self, ReceiptFilter};
use crate::store::webhooks::{self, Webhook};
use crate::store::{events as outbox, Db};

/// The webhook of an institution. `secret` appears only when it is created or rotated.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookModel {
    pub url: String,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// HMAC-SHA256 signing secret; shown only at creation and rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookModel {
    pub(super) fn from_store(w: Webhook, show_secret: bool) -> Self {
        WebhookModel {
            url: w.url,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            created_at: w.created_at,
            updated_at: w.updated_at,
            secret: show_secret.then_some(w.secret),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookUpdateModel {
    pub url: String,
}

/// What managing the institution's webhook is called in a refusal.
const WEBHOOK: &str = "Managing the institution's webhook";

/// The webhook of the institution.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/webhook", tag = "Events",
    params(("organizationfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404)), security(("ApiKey" = [])))]
pub async fn get_webhook(db: web::Data<Db>, caller: Caller) -> ApiResult<HttpResponse> {
    caller.require_unlimited(WEBHOOK)?;
    let org = caller.fiscal_code().clone();
    let hook = db.run(move |c| webhooks::get(c, &org)).await?;
    let hook = hook.ok_or_else(|| {
        ApiError::NotFound(format!(
            "organization {} has no webhook",
            caller.fiscal_code()
        ))
    })?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, false)))
}

/// Sets the webhook URL and enables deliveries; 201 with the secret when created.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/webhook", tag = "Events",
    params(("organizationfiscalcode" = String, Path)), request_body = WebhookUpdateModel,
    responses((status = 201, body = WebhookModel), (status = 200, body = WebhookModel), (status = 400)), security(("ApiKey" = [])))]
pub async fn put_webhook(
    db: web::Data<Db>,
    caller: Caller,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    caller.require_unlimited(WEBHOOK)?;
    let url = parse_json::<WebhookUpdateModel>(&body)?.url;
    let (org, now) = (caller.org.fiscal_code, caller.now);
    let (hook, created) = db.run(move |c| webhooks::set(c, &org, &url, now)).await?;
    let mut builder = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(builder.json(WebhookModel::from_store(hook, created)))
}

/// Disables deliveries (events are still recorded for the feed).
#[utoipa::path(delete, path = "/organizations/{organizationfiscalcode}/webhook", tag = "Events",
    params(("organizationfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404)), security(("ApiKey" = [])))]
pub async fn delete_webhook(db: web::Data<Db>, caller: Caller) -> ApiResult<HttpResponse> {
    caller.require_unlimited(WEBHOOK)?;
    let (org, now) = (caller.org.fiscal_code, caller.now);
    let hook = db
        .run(move |c| webhooks::disable(c, &org, "disabled by the institution", now))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, false)))
}

/// Replaces the signing secret and shows the new one.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/webhook/rotate-secret", tag = "Events",
    params(("organizationfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404)), security(("ApiKey" = [])))]
pub async fn rotate_secret(db: web::Data<Db>, caller: Caller) -> ApiResult<HttpResponse> {
    caller.require_unlimited(WEBHOOK)?;
    let (org, now) = (caller.org.fiscal_code, caller.now);
    let hook = db
        .run(move |c| webhooks::rotate_secret(c, &org, now))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, true)))
}

/// One event of the feed, with its delivery state.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventModel {
    /// Position in the feed: pass the last one seen as `after`.
    pub cursor: i64,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub iupd: String,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// PENDING, DELIVERED, DEAD or NO_WEBHOOK.
    pub delivery_state: String,
    pub attempts: i32,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The document delivered to the webhook (see EventDocument).
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

/// The JSON document of every event, as POSTed to the webhook (schemaVersion 1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventDocument {
    pub id: String,
    /// payment.received, position.paid, position.expired or position.invalidated.
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: u32,
    pub created_at: String,
    pub organization_fiscal_code: String,
    /// payment.received: iupd, iuv, nav, amount, fee (euro-cents), paymentDate, receiptId, idPSP,
    /// pspCompany, paymentMethod, payer, debtorFiscalCode, transfers, positionStatus.
    /// position.*: iupd, status, paymentDate, companyName, debtor, paymentOptions.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFeed {
    pub events: Vec<EventModel>,
    /// Pass as `after` to get the next events; equal to `after` when there are none.
    pub next_cursor: i64,
}

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    after: Option<String>,
    limit: Option<String>,
}

/// The institution's events in order, for those who prefer polling.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/events", tag = "Events",
    params(("organizationfiscalcode" = String, Path), ("after" = Option<i64>, Query, description = "cursor, default 0"),
        ("limit" = Option<i64>, Query, description = "1 to 500, default 100")),
    responses((status = 200, body = EventFeed), (status = 400)), security(("ApiKey" = [])))]
pub async fn feed(db: web::Data<Db>, caller: Caller<Query<FeedQuery>>) -> ApiResult<HttpResponse> {
    let (org, _, Query(params)) = caller.into_parts();
    let after = query::number("after", params.after.as_deref(), 0, 0, i64::MAX)?;
    let limit = query::number("limit", params.limit.as_deref(), 100, 1, 500)?;
    let rows = db.run(move |c| outbox::feed(c, &org, after, limit)).await?;
    let next_cursor = rows.last().map_or(after, |e| e.id);
    let events = rows
        .into_iter()
        .map(|e| {
            let event = serde_json::from_str(&e.body).map_err(|error| {
                log::error!("event {} has a body that is not JSON: {error}", e.event_id);
                ApiError::Internal("An unexpected error occurred; it has been logged".to_owned())
            })?;
            Ok(EventModel {
                cursor: e.id,
                event_id: e.event_id,
                event_type: e.event_type,
                iupd: e.iupd,
                created_at: e.created_at,
                delivery_state: e.state,
                attempts: e.attempts,
                delivered_at: e.delivered_at,
                last_status: e.last_status,
                last_error: e.last_error,
                event,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(EventFeed {
        events,
        next_cursor,
    }))
}

/// `{eventId}` of the path.
pub struct EventId(String);

impl Param for EventId {
    fn extract(req: &actix_web::HttpRequest) -> ApiResult<Self> {
        let id = req.match_info().get("eventId").unwrap_or_default();
        Ok(Self(id.to_owned()))
    }
}

/// Schedules an event for delivery again now (also a DEAD or NO_WEBHOOK one).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/events/{eventId}/redeliver", tag = "Events",
    params(("organizationfiscalcode" = String, Path), ("eventId" = String, Path)),
    responses((status = 202), (status = 404)), security(("ApiKey" = [])))]
pub async fn redeliver(db: web::Data<Db>, caller: Caller<EventId>) -> ApiResult<HttpResponse> {
    let event_id = caller.params.0.clone();
    let (org, now) = (caller.scoped(), caller.now);
    let id = event_id.clone();
    let found = db
        .run(move |c| outbox::redeliver(c, &org, &id, now))
        .await?;
    if !found {
        return Err(ApiError::NotFound(format!(
            "no event {event_id} for organization {}",
            caller.fiscal_code()
        )));
    }
    Ok(HttpResponse::Accepted()
        .json(serde_json::json!({"eventId": event_id, "deliveryState": "PENDING"})))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptModel {
    pub organization_fiscal_code: String,
    pub iuv: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debtor: Option<String>,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_date_time: Option<NaiveDateTime>,
    /// PAID (it paid the option), DUPLICATE, UNMATCHED or SECONDARY.
    pub status: String,
    pub receipt_id: String,
    pub notice_number: String,
    /// Euro-cents.
    pub amount: i64,
}

/// Page of receipts, in the shape of PagoPA's receipts service.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptsPage {
    pub results: Vec<ReceiptModel>,
    pub length: i64,
    pub current_page_number: i64,
    pub total_pages: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptsQuery {
    page_num: Option<String>,
    page_size: Option<String>,
    debtor: Option<String>,
    service: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The institution's receipts, newest first; filters by debtor, IUV prefix and payment date.
#[utoipa::path(get, path = "/payments/{organizationfiscalcode}/receipts", tag = "Receipts",
    params(("organizationfiscalcode" = String, Path), ("pageNum" = Option<i64>, Query), ("pageSize" = Option<i64>, Query, description = "1 to 100, default 20"),
        ("debtor" = Option<String>, Query), ("service" = Option<String>, Query, description = "IUV prefix"),
        ("from" = Option<String>, Query, description = "date or date-time"), ("to" = Option<String>, Query)),
    responses((status = 200, body = ReceiptsPage), (status = 400)), security(("ApiKey" = [])))]
pub async fn list_receipts(
    db: web::Data<Db>,
    caller: Caller<Query<ReceiptsQuery>>,
) -> ApiResult<HttpResponse> {
    let (org, _, Query(params)) = caller.into_parts();
    let filter = ReceiptFilter {
        debtor: params.debtor.clone(),
        service: params.service.clone(),
        from: day_or_instant("from", params.from.as_deref(), false)?,
        to: day_or_instant("to", params.to.as_deref(), true)?,
        page: query::number(
            "pageNum",
            params.page_num.as_deref(),
            0,
            0,
            i64::from(i32::MAX),
        )?,
        page_size: query::number("pageSize", params.page_size.as_deref(), 20, 1, 100)?,
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(ApiError::BadRequest("from must not be after to".to_owned()));
        }
    }
    let (page, size) = (filter.page, filter.page_size);
    let (rows, total) = db.run(move |c| receipts::list(c, &org, &filter)).await?;
    let results = rows
        .into_iter()
        .map(|r| ReceiptModel {
            organization_fiscal_code: r.organization_fiscal_code,
            iuv: r.creditor_reference_id,
            debtor: r.debtor_id,
            payment_date_time: r.payment_date_time,
            status: if r.status == "APPLIED" {
                "PAID".to_owned()
            } else {
                r.status
            },
            receipt_id: r.receipt_id,
            notice_number: r.notice_number,
            amount: r.amount,
        })
        .collect::<Vec<_>>();
    Ok(HttpResponse::Ok().json(ReceiptsPage {
        length: results.len() as i64,
        results,
        current_page_number: page,
        total_pages: (total + size - 1) / size,
    }))
}

/// The receipt XML (the paSendRT payload as received) that paid this IUV.
#[utoipa::path(get, path = "/payments/{organizationfiscalcode}/receipts/{iuv}", tag = "Receipts",
    params(("organizationfiscalcode" = String, Path), ("iuv" = String, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404)), security(("ApiKey" = [])))]
pub async fn get_receipt(db: web::Data<Db>, caller: Caller<OptionKey>) -> ApiResult<HttpResponse> {
    let (org, _, OptionKey(iuv)) = caller.into_parts();
    let key = iuv.clone();
    let document = db.run(move |c| receipts::document(c, &org, &key)).await?;
    let document = document.ok_or_else(|| {
        ApiError::from(DomainError::NotFound(format!("no receipt for IUV '{iuv}'")))
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .body(document))
}

/// Prometheus metrics: HTTP requests per route, outbox states, webhook deliveries.
/// A database that does not answer makes it 503, so a scraper sees the gap instead of zeros.
pub async fn metrics(db: web::Data<Db>, metrics: web::Data<Metrics>) -> ApiResult<HttpResponse> {
    let states = db.run(outbox::counts).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render(&states)))
}

/// Routes under `/organizations/{organizationfiscalcode}`.
pub fn org_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .service(
            resource("/webhook", "GET, PUT, DELETE")
                .get(get_webhook)
                .put(put_webhook)
                .delete(delete_webhook),
        )
        .service(resource("/webhook/rotate-secret", "POST").post(rotate_secret))
        .service(resource("/events", "GET").get(feed))
        .service(resource("/events/{eventId}/redeliver", "POST").post(redeliver))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/metrics", "GET").get(metrics))
        .service(
            web::scope(&format!("/payments/{{{}}}", super::caller::ORG_PARAM))
                .service(resource("/receipts", "GET").get(list_receipts))
                .service(resource("/receipts/{iuv}", "GET").get(get_receipt)),
        );
}
