//! Webhook settings, the event feed, receipts, and the metrics endpoint.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::datetime;
use super::positions::{day_bound, instant, parse_number};
use super::{authorize, parse_json, ApiError, ApiResult};
use crate::domain::{self, DomainError};
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
    fn from_store(w: Webhook, show_secret: bool) -> Self {
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

/// The webhook of the institution.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/webhook", tag = "Events",
    params(("organizationfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn get_webhook(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let org = authorize(&db, &req, &path).await?.org.fiscal_code;
    let hook = db.run(move |c| webhooks::get(c, &org)).await?;
    let hook =
        hook.ok_or_else(|| ApiError::NotFound(format!("organization {path} has no webhook")))?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, false)))
}

/// Sets the webhook URL and enables deliveries; 201 with the secret when created.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/webhook", tag = "Events",
    params(("organizationfiscalcode" = String, Path)), request_body = WebhookUpdateModel,
    responses((status = 201, body = WebhookModel), (status = 200, body = WebhookModel), (status = 400, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn put_webhook(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let org = authorize(&db, &req, &path).await?.org.fiscal_code;
    let url = parse_json::<WebhookUpdateModel>(&body)?.url;
    let (hook, created) = db
        .run(move |c| webhooks::set(c, &org, &url, domain::now()))
        .await?;
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
    responses((status = 200, body = WebhookModel), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn delete_webhook(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let org = authorize(&db, &req, &path).await?.org.fiscal_code;
    let hook = db
        .run(move |c| webhooks::disable(c, &org, "disabled by the institution", domain::now()))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookModel::from_store(hook, false)))
}

/// Replaces the signing secret and shows the new one.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/webhook/rotate-secret", tag = "Events",
    params(("organizationfiscalcode" = String, Path)),
    responses((status = 200, body = WebhookModel), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn rotate_secret(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let org = authorize(&db, &req, &path).await?.org.fiscal_code;
    let hook = db
        .run(move |c| webhooks::rotate_secret(c, &org, domain::now()))
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
    responses((status = 200, body = EventFeed), (status = 400, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn feed(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    let org = authorize(&db, &req, &path).await?.org.fiscal_code;
    let after = parse_number("after", query.after.as_deref(), 0, 0, i64::MAX)?;
    let limit = parse_number("limit", query.limit.as_deref(), 100, 1, 500)?;
    let rows = db
        .run(move |c| outbox::feed(c, org.as_str(), after, limit))
        .await?;
    let next_cursor = rows.last().map_or(after, |e| e.id);
    let events = rows
        .into_iter()
        .map(|e| EventModel {
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
            event: serde_json::from_str(&e.body).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(HttpResponse::Ok().json(EventFeed {
        events,
        next_cursor,
    }))
}

/// Schedules an event for delivery again now (also a DEAD or NO_WEBHOOK one).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/events/{eventId}/redeliver", tag = "Events",
    params(("organizationfiscalcode" = String, Path), ("eventId" = String, Path)),
    responses((status = 202), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn redeliver(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, event_id) = path.into_inner();
    let org = authorize(&db, &req, &org_fc).await?.org.fiscal_code;
    let id = event_id.clone();
    let found = db
        .run(move |c| outbox::redeliver(c, org.as_str(), &id, domain::now()))
        .await?;
    if !found {
        return Err(ApiError::NotFound(format!(
            "no event {event_id} for organization {org_fc}"
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

/// A day (`yyyy-MM-dd`, its start or end) or an exact date-time.
fn bound(name: &str, value: &Option<String>, end_of_day: bool) -> ApiResult<Option<NaiveDateTime>> {
    let value = value.as_deref();
    match value.and_then(domain::time::parse_date) {
        Some(_) => day_bound(name, value, end_of_day),
        None => instant(name, value),
    }
}

/// The institution's receipts, newest first; filters by debtor, IUV prefix and payment date.
#[utoipa::path(get, path = "/payments/{organizationfiscalcode}/receipts", tag = "Receipts",
    params(("organizationfiscalcode" = String, Path), ("pageNum" = Option<i64>, Query), ("pageSize" = Option<i64>, Query, description = "1 to 100, default 20"),
        ("debtor" = Option<String>, Query), ("service" = Option<String>, Query, description = "IUV prefix"),
        ("from" = Option<String>, Query, description = "date or date-time"), ("to" = Option<String>, Query)),
    responses((status = 200, body = ReceiptsPage), (status = 400, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn list_receipts(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ReceiptsQuery>,
) -> ApiResult<HttpResponse> {
    let org = authorize(&db, &req, &path).await?.org.fiscal_code;
    let filter = ReceiptFilter {
        debtor: query.debtor.clone(),
        service: query.service.clone(),
        from: bound("from", &query.from, false)?,
        to: bound("to", &query.to, true)?,
        page: parse_number(
            "pageNum",
            query.page_num.as_deref(),
            0,
            0,
            i64::from(i32::MAX),
        )?,
        page_size: parse_number("pageSize", query.page_size.as_deref(), 20, 1, 100)?,
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
    responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn get_receipt(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iuv) = path.into_inner();
    let org = authorize(&db, &req, &org_fc).await?.org.fiscal_code;
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
pub async fn metrics(db: web::Data<Db>, metrics: web::Data<Metrics>) -> HttpResponse {
    let states = db.run(outbox::counts).await.unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render(&states))
}

/// Routes under `/organizations/{organizationfiscalcode}`.
pub fn org_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/webhook", web::get().to(get_webhook))
        .route("/webhook", web::put().to(put_webhook))
        .route("/webhook", web::delete().to(delete_webhook))
        .route("/webhook/rotate-secret", web::post().to(rotate_secret))
        .route("/events", web::get().to(feed))
        .route("/events/{eventId}/redeliver", web::post().to(redeliver))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics)).service(
        web::scope("/payments/{organizationfiscalcode}")
            .route("/receipts", web::get().to(list_receipts))
            .route("/receipts/{iuv}", web::get().to(get_receipt)),
    );
}
