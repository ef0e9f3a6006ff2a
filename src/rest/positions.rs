//! Handlers of the debt-position endpoints: parse, call one store operation, render.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime, NaiveTime};
use serde::Deserialize;

use super::model::{
    check_iban, datetime, payment_from_pay_model, AlreadyPaidPaymentOptionModel,
    MultiplePaymentPositionModel, NotificationFeeUpdateModel, PageInfo, PayPaymentOptionModel,
    PaymentOptionModelResponse, PaymentPositionModel, PaymentPositionModelBaseResponse,
    PaymentPositionsInfo, PaymentsWithDebtorInfoModelResponse, TransferModelResponse,
    UpdateTransferIbanMassiveModel, UpdateTransferIbanMassiveResponse,
};
use super::{authorize, if_match, parse_bool, parse_json, with_etag, ApiError, ApiResult};
use crate::domain::{
    self, Amount, Iupd, PaymentDetails, PositionStatus, Replay, TransferId, PAID_BY_EC,
};
use crate::store::positions::{self as store, ListFilter, OrderBy};
use crate::store::Db;

pub const MAX_LIST_LIMIT: i64 = 50;
pub const MAX_FILTER_DAYS: i64 = 30;
pub const MAX_IBAN_LIMIT: i64 = 1000;
pub const MAX_BULK_POSITIONS: usize = 100;

#[derive(Debug, Deserialize)]
pub struct PublishQuery {
    #[serde(rename = "toPublish")]
    to_publish: Option<String>,
}

fn created_or_ok(status: StatusCode, position: &domain::Position) -> HttpResponse {
    let now = domain::now();
    with_etag(HttpResponse::build(status), position.version).json(
        PaymentPositionModel::from_domain(position, position.status_at(now)),
    )
}

/// Create a debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("toPublish" = Option<bool>, Query, description = "publish at once (case-insensitive)")),
    request_body = PaymentPositionModel,
    responses((status = 201, body = PaymentPositionModel), (status = 400, body = super::model::ProblemJson),
        (status = 401, body = super::model::ProblemJson), (status = 403, body = super::model::ProblemJson),
        (status = 409, body = super::model::ProblemJson), (status = 413, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn create(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PublishQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let caller = authorize(&db, &req, &path).await?;
    let to_publish = parse_bool("toPublish", query.to_publish.as_deref())?;
    let input = parse_json::<PaymentPositionModel>(&body)?.to_input()?;
    let org = caller.org;
    let position = db
        .run(move |c| store::create(c, &org, input, domain::now(), to_publish))
        .await?;
    Ok(created_or_ok(StatusCode::CREATED, &position))
}

/// Create up to 100 debt positions in one transaction: all are stored, or none.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/bulk", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("toPublish" = Option<bool>, Query)),
    request_body = MultiplePaymentPositionModel,
    responses((status = 201), (status = 400, body = super::model::ProblemJson), (status = 403, body = super::model::ProblemJson),
        (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn create_bulk(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PublishQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let caller = authorize(&db, &req, &path).await?;
    let to_publish = parse_bool("toPublish", query.to_publish.as_deref())?;
    let model = parse_json::<MultiplePaymentPositionModel>(&body)?;
    let count = model.payment_positions.len();
    if !(1..=MAX_BULK_POSITIONS).contains(&count) {
        return Err(ApiError::BadRequest(format!(
            "paymentPositions: 1 to {MAX_BULK_POSITIONS} positions are accepted, got {count}"
        )));
    }
    let inputs = model
        .payment_positions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.to_input().map_err(|e| match e {
                domain::DomainError::Validation(mut f) => {
                    f.path = format!("paymentPositions[{i}].{}", f.path);
                    domain::DomainError::Validation(f)
                }
                other => other,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let org = caller.org;
    db.run(move |c| store::create_many(c, &org, inputs, domain::now(), to_publish))
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// Update a debt position (full replacement). Also revives an EXPIRED or INVALID position.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path), ("toPublish" = Option<bool>, Query),
        ("If-Match" = Option<String>, Header, description = "ETag of the version read; 412 when it changed")),
    request_body = PaymentPositionModel,
    responses((status = 200, body = PaymentPositionModel), (status = 400, body = super::model::ProblemJson),
        (status = 404, body = super::model::ProblemJson), (status = 409, body = super::model::ProblemJson),
        (status = 412, body = super::model::ProblemJson), (status = 422, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn update(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<PublishQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org_fc, iupd) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let to_publish = parse_bool("toPublish", query.to_publish.as_deref())?;
    let expected_version = if_match(&req)?;
    let iupd = Iupd::parse("iupd", &iupd)?;
    let input = parse_json::<PaymentPositionModel>(&body)?.to_input()?;
    let org = caller.org;
    let position = db
        .run(move |c| {
            store::update(
                c,
                &org,
                &iupd,
                input,
                domain::now(),
                to_publish,
                expected_version,
            )
        })
        .await?;
    Ok(created_or_ok(StatusCode::OK, &position))
}

/// Get a debt position by IUPD.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModelBaseResponse, headers(("ETag" = String))),
        (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn get(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iupd) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let org = caller.fiscal_code().clone();
    let position = db.run(move |c| store::get_by_iupd(c, &org, &iupd)).await?;
    let status = position.status_at(domain::now());
    Ok(with_etag(HttpResponse::Ok(), position.version).json(
        PaymentPositionModelBaseResponse::from_domain(&position, status),
    ))
}

/// Delete a debt position without payments.
#[utoipa::path(delete, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = String, example = json!("The debt position was successfully deleted")),
        (status = 404, body = super::model::ProblemJson), (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn delete(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iupd) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let org = caller.fiscal_code().clone();
    db.run(move |c| store::delete(c, &org, &iupd, domain::now()))
        .await?;
    Ok(HttpResponse::Ok().json("The debt position was successfully deleted"))
}

/// Publish a DRAFT debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/publish", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModel), (status = 404, body = super::model::ProblemJson),
        (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn publish(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iupd) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let org = caller.fiscal_code().clone();
    let position = db
        .run(move |c| store::publish(c, &org, &iupd, domain::now()))
        .await?;
    Ok(created_or_ok(StatusCode::OK, &position))
}

/// Invalidate (cancel) a PUBLISHED or VALID debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/invalidate", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModel), (status = 404, body = super::model::ProblemJson),
        (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn invalidate(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iupd) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let org = caller.fiscal_code().clone();
    let position = db
        .run(move |c| store::invalidate(c, &org, &iupd, domain::now()))
        .await?;
    Ok(created_or_ok(StatusCode::OK, &position))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    page: Option<String>,
    limit: Option<String>,
    due_date_from: Option<String>,
    due_date_to: Option<String>,
    payment_date_from: Option<String>,
    payment_date_to: Option<String>,
    payment_date_time_from: Option<String>,
    payment_date_time_to: Option<String>,
    status: Option<String>,
    orderby: Option<String>,
    ordering: Option<String>,
}

pub(crate) fn parse_number(
    name: &str,
    value: Option<&str>,
    default: i64,
    min: i64,
    max: i64,
) -> ApiResult<i64> {
    match value {
        None => Ok(default),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::BadRequest(format!(
                "{name}: '{text}' must be a number from {min} to {max}"
            ))),
        },
    }
}

/// Completes a date window (one bound gives the other +/- 30 days) and checks its length.
fn window(
    name: &str,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> ApiResult<Option<(NaiveDateTime, NaiveDateTime)>> {
    let span = Duration::days(MAX_FILTER_DAYS);
    let (from, to) = match (from, to) {
        (None, None) => return Ok(None),
        (Some(f), None) => (f, f + span),
        (None, Some(t)) => (t - span, t),
        (Some(f), Some(t)) => (f, t),
    };
    if from > to {
        return Err(ApiError::BadRequest(format!(
            "{name}_from must not be after {name}_to"
        )));
    }
    if to - from > span + Duration::days(1) {
        return Err(ApiError::BadRequest(format!(
            "{name}: the interval may span at most {MAX_FILTER_DAYS} days"
        )));
    }
    Ok(Some((from, to)))
}

pub(crate) fn day_bound(
    name: &str,
    value: Option<&str>,
    end_of_day: bool,
) -> ApiResult<Option<NaiveDateTime>> {
    value
        .map(|text| {
            let date = datetime::parse_date(text).ok_or_else(|| {
                ApiError::BadRequest(format!("{name}: '{text}' is not a date like 2026-05-28"))
            })?;
            let time = if end_of_day {
                NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or_default()
            } else {
                NaiveTime::MIN
            };
            Ok(date.and_time(time))
        })
        .transpose()
}

pub(crate) fn instant(name: &str, value: Option<&str>) -> ApiResult<Option<NaiveDateTime>> {
    value
        .map(|text| {
            datetime::parse(text).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{name}: '{text}' is not a date-time like 2026-05-28T10:00:00"
                ))
            })
        })
        .transpose()
}

impl ListQuery {
    fn to_filter(&self) -> ApiResult<ListFilter> {
        let given = |a: &Option<String>, b: &Option<String>| a.is_some() || b.is_some();
        let groups = [
            given(&self.due_date_from, &self.due_date_to),
            given(&self.payment_date_from, &self.payment_date_to),
            given(&self.payment_date_time_from, &self.payment_date_time_to),
        ];
        if groups.iter().filter(|g| **g).count() > 1 {
            return Err(ApiError::BadRequest(
                "Exclusive Parameters: due_date_*, payment_date_* and payment_date_time_* cannot be combined".to_owned(),
            ));
        }
        let due_date = window(
            "due_date",
            day_bound("due_date_from", self.due_date_from.as_deref(), false)?,
            day_bound("due_date_to", self.due_date_to.as_deref(), true)?,
        )?;
        let payment_date = match window(
            "payment_date",
            day_bound(
                "payment_date_from",
                self.payment_date_from.as_deref(),
                false,
            )?,
            day_bound("payment_date_to", self.payment_date_to.as_deref(), true)?,
        )? {
            Some(w) => Some(w),
            None => window(
                "payment_date_time",
                instant(
                    "payment_date_time_from",
                    self.payment_date_time_from.as_deref(),
                )?,
                instant("payment_date_time_to", self.payment_date_time_to.as_deref())?,
            )?,
        };
        let status = self
            .status
            .as_deref()
            .map(|s| {
                PositionStatus::parse(s).ok_or_else(|| {
                    let all: Vec<_> = PositionStatus::ALL.iter().map(|s| s.as_str()).collect();
                    ApiError::BadRequest(format!("status: '{s}' is not one of {}", all.join(", ")))
                })
            })
            .transpose()?;
        let order_by = match self.orderby.as_deref() {
            None | Some("INSERTED_DATE") => OrderBy::InsertedDate,
            Some("IUPD") => OrderBy::Iupd,
            Some("STATUS") => OrderBy::Status,
            Some("COMPANY_NAME") => OrderBy::CompanyName,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "orderby: '{other}' is not one of INSERTED_DATE, IUPD, STATUS, COMPANY_NAME"
                )))
            }
        };
        let ascending = match self.ordering.as_deref() {
            None | Some("DESC") => false,
            Some("ASC") => true,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "ordering: '{other}' is not ASC or DESC"
                )))
            }
        };
        Ok(ListFilter {
            due_date,
            payment_date,
            status,
            order_by: Some(order_by),
            ascending,
            page: parse_number("page", self.page.as_deref(), 0, 0, i64::from(i32::MAX))?,
            limit: parse_number("limit", self.limit.as_deref(), 10, 1, MAX_LIST_LIMIT)?,
        })
    }
}

/// List the institution's debt positions, with filters and paging.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path),
        ("page" = Option<i64>, Query, description = "from 0"), ("limit" = Option<i64>, Query, description = "1 to 50, default 10"),
        ("due_date_from" = Option<String>, Query, description = "yyyy-MM-dd"), ("due_date_to" = Option<String>, Query),
        ("payment_date_from" = Option<String>, Query, description = "yyyy-MM-dd"), ("payment_date_to" = Option<String>, Query),
        ("payment_date_time_from" = Option<String>, Query, description = "date-time"), ("payment_date_time_to" = Option<String>, Query),
        ("status" = Option<String>, Query), ("orderby" = Option<String>, Query, description = "INSERTED_DATE, IUPD, STATUS, COMPANY_NAME"),
        ("ordering" = Option<String>, Query, description = "DESC (default) or ASC")),
    responses((status = 200, body = PaymentPositionsInfo), (status = 400, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn list(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let caller = authorize(&db, &req, &path).await?;
    let filter = query.to_filter()?;
    let org = caller.fiscal_code().clone();
    let now = domain::now();
    let (limit, page) = (filter.limit, filter.page);
    let result = db.run(move |c| store::list(c, &org, &filter, now)).await?;
    Ok(HttpResponse::Ok().json(PaymentPositionsInfo {
        payment_position_list: result
            .positions
            .iter()
            .map(|p| PaymentPositionModelBaseResponse::from_domain(p, p.status_at(now)))
            .collect(),
        page_info: PageInfo {
            page,
            limit,
            items_found: result.total,
            total_pages: (result.total + limit - 1) / limit,
        },
    }))
}

#[derive(Debug, Deserialize)]
pub struct IbanQuery {
    #[serde(rename = "oldIban")]
    old_iban: Option<String>,
    limit: Option<String>,
}

/// Replace an IBAN on the transfers of every payable option of the institution.
#[utoipa::path(patch, path = "/organizations/{organizationfiscalcode}/debtpositions/transfers", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("oldIban" = String, Query), ("limit" = Option<i64>, Query, description = "1 to 1000, default 1000")),
    request_body = UpdateTransferIbanMassiveModel,
    responses((status = 200, body = UpdateTransferIbanMassiveResponse), (status = 400, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn replace_iban(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<IbanQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let caller = authorize(&db, &req, &path).await?;
    let old = query.old_iban.as_deref().ok_or_else(|| {
        ApiError::BadRequest("oldIban: the query parameter is required".to_owned())
    })?;
    let old = check_iban("oldIban", old)?;
    let limit = parse_number(
        "limit",
        query.limit.as_deref(),
        MAX_IBAN_LIMIT,
        1,
        MAX_IBAN_LIMIT,
    )?;
    let new = check_iban(
        "newIban",
        &parse_json::<UpdateTransferIbanMassiveModel>(&body)?.new_iban,
    )?;
    let org = caller.fiscal_code().clone();
    let updated = db
        .run(move |c| store::replace_iban(c, &org, &old, &new, limit, domain::now()))
        .await?;
    Ok(HttpResponse::Ok().json(UpdateTransferIbanMassiveResponse {
        description: format!("{updated} transfers updated"),
        updated_transfers: updated as i64,
    }))
}

/// Get the debt position owning an IUV.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/paymentoptions/{iuv}/debtposition", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("iuv" = String, Path)),
    responses((status = 200, body = PaymentPositionModelBaseResponse), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn get_by_iuv(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iuv) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let org = caller.fiscal_code().clone();
    let position = db.run(move |c| store::get_by_option(c, &org, &iuv)).await?;
    let status = position.status_at(domain::now());
    Ok(with_etag(HttpResponse::Ok(), position.version).json(
        PaymentPositionModelBaseResponse::from_domain(&position, status),
    ))
}

/// Get a payment option by notice number (NAV) or IUV, with its position's debtor.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/paymentoptions/{nav}", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV")),
    responses((status = 200, body = PaymentsWithDebtorInfoModelResponse), (status = 404, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn get_option(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, nav) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let org = caller.fiscal_code().clone();
    let key = nav.clone();
    let position = db.run(move |c| store::get_by_option(c, &org, &key)).await?;
    let now = domain::now();
    let index = position.visible_option(&nav, now)?;
    let status = position.status_for_option(index, now);
    Ok(
        HttpResponse::Ok().json(PaymentsWithDebtorInfoModelResponse::from_domain(
            &position, index, status,
        )),
    )
}

async fn pay_with(
    db: web::Data<Db>,
    req: HttpRequest,
    org_fc: String,
    nav: String,
    payment: impl FnOnce() -> ApiResult<PaymentDetails>,
) -> ApiResult<HttpResponse> {
    let caller = authorize(&db, &req, &org_fc).await?;
    let payment = payment()?;
    let org = caller.fiscal_code().clone();
    let (position, index, _) = db
        .run(move |c| store::pay(c, &org, &nav, payment, Replay::Refuse, domain::now()))
        .await?;
    Ok(
        HttpResponse::Ok().json(PaymentOptionModelResponse::from_domain(
            &position.organization_fiscal_code,
            &position.options[index],
        )),
    )
}

/// Record the payment of an option (receipt data from a PSP).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/paymentoptions/{nav}/pay", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV")),
    request_body = PayPaymentOptionModel,
    responses((status = 200, body = PaymentOptionModelResponse), (status = 400, body = super::model::ProblemJson),
        (status = 404, body = super::model::ProblemJson), (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn pay(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org_fc, nav) = path.into_inner();
    pay_with(db, req, org_fc, nav, || {
        payment_from_pay_model(&parse_json::<PayPaymentOptionModel>(&body)?).map_err(Into::into)
    })
    .await
}

/// Mark an option as already paid outside pagoPA (GPD "paids").
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/paymentoptions/paids/{nav}", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV")),
    request_body = AlreadyPaidPaymentOptionModel,
    responses((status = 200, body = PaymentOptionModelResponse), (status = 400, body = super::model::ProblemJson),
        (status = 404, body = super::model::ProblemJson), (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn paid_by_ec(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org_fc, nav) = path.into_inner();
    pay_with(db, req, org_fc, nav, || {
        let model = if body.is_empty() {
            AlreadyPaidPaymentOptionModel::default()
        } else {
            parse_json(&body)?
        };
        Ok(PaymentDetails {
            payment_date: model.payment_date,
            psp_company: Some(PAID_BY_EC.to_owned()),
            id_receipt: Some(PAID_BY_EC.to_owned()),
            fee: Amount::ZERO,
            ..PaymentDetails::default()
        })
    })
    .await
}

/// Set the SEND notification fee of an unpaid option.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/paymentoptions/{nav}/notificationfee", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV")),
    request_body = NotificationFeeUpdateModel,
    responses((status = 200, body = PaymentOptionModelResponse), (status = 400, body = super::model::ProblemJson),
        (status = 404, body = super::model::ProblemJson), (status = 422, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn notification_fee(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org_fc, nav) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let cents = parse_json::<NotificationFeeUpdateModel>(&body)?.notification_fee;
    let fee = Amount::from_cents(cents).map_err(|_| {
        ApiError::BadRequest(format!(
            "notificationFee: {cents} must be 0 to 99999999999 euro-cents"
        ))
    })?;
    let org = caller.fiscal_code().clone();
    let (position, index) = db
        .run(move |c| store::set_notification_fee(c, &org, &nav, fee, domain::now()))
        .await?;
    Ok(
        HttpResponse::Ok().json(PaymentOptionModelResponse::from_domain(
            &position.organization_fiscal_code,
            &position.options[index],
        )),
    )
}

/// Report a transfer of a paid option (its money reached the beneficiary).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/paymentoptions/{iuv}/transfers/{transferid}/report", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("iuv" = String, Path), ("transferid" = String, Path, description = "1 to 5")),
    responses((status = 200, body = TransferModelResponse), (status = 400, body = super::model::ProblemJson),
        (status = 404, body = super::model::ProblemJson), (status = 409, body = super::model::ProblemJson)),
    security(("ApiKey" = [])))]
pub async fn report_transfer(
    db: web::Data<Db>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (org_fc, iuv, transfer_id) = path.into_inner();
    let caller = authorize(&db, &req, &org_fc).await?;
    let transfer_id = TransferId::parse("transferid", &transfer_id)?;
    let org = caller.fiscal_code().clone();
    let (position, index) = db
        .run(move |c| store::report_transfer(c, &org, &iuv, transfer_id, domain::now()))
        .await?;
    let transfer = position.options[index]
        .transfers
        .iter()
        .find(|t| t.id == transfer_id)
        .ok_or_else(|| ApiError::Internal("reported transfer missing".to_owned()))?;
    Ok(HttpResponse::Ok().json(TransferModelResponse::from_domain(transfer)))
}

/// Routes under `/organizations/{organizationfiscalcode}`.
pub fn org_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/debtpositions", web::post().to(create))
        .route("/debtpositions", web::get().to(list))
        .route("/debtpositions/transfers", web::patch().to(replace_iban))
        .route("/debtpositions/bulk", web::post().to(create_bulk))
        .route("/debtpositions/{iupd}", web::get().to(get))
        .route("/debtpositions/{iupd}", web::put().to(update))
        .route("/debtpositions/{iupd}", web::delete().to(delete))
        .route("/debtpositions/{iupd}/publish", web::post().to(publish))
        .route(
            "/debtpositions/{iupd}/invalidate",
            web::post().to(invalidate),
        )
        .route("/paymentoptions/paids/{nav}", web::post().to(paid_by_ec))
        .route(
            "/paymentoptions/{iuv}/debtposition",
            web::get().to(get_by_iuv),
        )
        .route(
            "/paymentoptions/{iuv}/transfers/{transferid}/report",
            web::post().to(report_transfer),
        )
        .route("/paymentoptions/{nav}", web::get().to(get_option))
        .route("/paymentoptions/{nav}/pay", web::post().to(pay))
        .route(
            "/paymentoptions/{nav}/notificationfee",
            web::put().to(notification_fee),
        )
}
