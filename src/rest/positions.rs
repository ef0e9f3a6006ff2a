//! Handlers of the debt-position endpoints: parse, call one store operation, render.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::caller::Caller;
use super::model::{
    check_iban, payment_from_pay_model, AlreadyPaidPaymentOptionModel,
    MultiplePaymentPositionModel, NotificationFeeUpdateModel, PageInfo, PayPaymentOptionModel,
    PaymentOptionModelResponse, PaymentPositionModel, PaymentPositionModelBaseResponse,
    PaymentPositionsInfo, PaymentsWithDebtorInfoModelResponse, TransferModelResponse,
    UpdateTransferIbanMassiveModel, UpdateTransferIbanMassiveResponse,
};
use super::params::{IfMatch, IupdParam, OptionKey, Query, ToPublish, TransferIdParam};
use super::query;
use super::{parse_json, resource, with_etag, ApiError, ApiResult};
use crate::domain::{Amount, PaymentDetails, Position, PositionStatus, Replay, PAID_BY_EC};
use crate::store::positions::{self as store, ListFilter, OrderBy, ScopedOrg, UpdateMode};
use crate::store::{Db, DbConnection, StoreError};

pub const MAX_LIST_LIMIT: i64 = 50;
pub const MAX_IBAN_LIMIT: i64 = 1000;
pub const MAX_BULK_POSITIONS: usize = 100;

/// The full position (as created or updated) with its version as ETag.
fn position_reply(status: StatusCode, position: &Position, now: NaiveDateTime) -> HttpResponse {
    with_etag(HttpResponse::build(status), position.version).json(
        PaymentPositionModel::from_domain(position, position.status_at(now)),
    )
}

/// The position as read (GET), with its version as ETag.
fn read_reply(position: &Position, now: NaiveDateTime) -> HttpResponse {
    with_etag(HttpResponse::Ok(), position.version).json(
        PaymentPositionModelBaseResponse::from_domain(position, position.status_at(now)),
    )
}

fn option_reply(position: &Position, index: usize) -> HttpResponse {
    HttpResponse::Ok().json(PaymentOptionModelResponse::from_domain(
        &position.organization_fiscal_code,
        &position.options[index],
    ))
}

/// Create a debt position.
///
/// A payment option without `iuv` (and `nav`) gets a generated IUV and notice number, as from
/// `POST .../iuvs`, in the transaction that stores it (an extension of GPD's API).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("toPublish" = Option<bool>, Query, description = "publish at once (case-insensitive)")),
    request_body = PaymentPositionModel,
    responses((status = 201, body = PaymentPositionModel), (status = 400), (status = 409), (status = 413)), security(("ApiKey" = [])))]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller<ToPublish>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Caller {
        org,
        now,
        scope,
        params: ToPublish(to_publish),
        ..
    } = caller;
    let input = parse_json::<PaymentPositionModel>(&body)?.to_new_input(&org)?;
    let position = db
        .run(move |c| store::create(c, &org, &scope, input, now, to_publish))
        .await?;
    Ok(position_reply(StatusCode::CREATED, &position, now))
}

/// Create up to 100 debt positions in one transaction: all are stored, or none.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/bulk", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("toPublish" = Option<bool>, Query)),
    request_body = MultiplePaymentPositionModel,
    responses((status = 201), (status = 400), (status = 409)), security(("ApiKey" = [])))]
pub async fn create_bulk(
    db: web::Data<Db>,
    caller: Caller<ToPublish>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Caller {
        org,
        now,
        scope,
        params: ToPublish(to_publish),
        ..
    } = caller;
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
            p.to_new_input(&org)
                .map_err(|e| e.within(&format!("paymentPositions[{i}]")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    db.run(move |c| store::create_many(c, &org, &scope, inputs, now, to_publish))
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// Update a debt position (full replacement). Also revives an EXPIRED or INVALID position.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path), ("toPublish" = Option<bool>, Query),
        ("If-Match" = Option<String>, Header, description = "ETag of the version read; 412 when it changed")),
    request_body = PaymentPositionModel,
    responses((status = 200, body = PaymentPositionModel), (status = 400), (status = 404), (status = 409), (status = 412), (status = 422)), security(("ApiKey" = [])))]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller<(IupdParam, ToPublish, IfMatch)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Caller {
        org,
        now,
        scope,
        params,
        ..
    } = caller;
    let (IupdParam(iupd), ToPublish(to_publish), IfMatch(expected_version)) = params;
    let input = parse_json::<PaymentPositionModel>(&body)?.to_input()?;
    let mode = UpdateMode {
        to_publish,
        expected_version,
    };
    let position = db
        .run(move |c| store::update(c, &org, &scope, &iupd, input, now, mode))
        .await?;
    Ok(position_reply(StatusCode::OK, &position, now))
}

/// Get a debt position by IUPD.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModelBaseResponse, headers(("ETag" = String))), (status = 404)), security(("ApiKey" = [])))]
pub async fn get(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    let IupdParam(iupd) = &caller.params;
    let iupd = iupd.clone();
    let org = caller.scoped();
    let position = db
        .run(move |c| store::get_by_iupd(c, &org, iupd.as_str()))
        .await?;
    Ok(read_reply(&position, caller.now))
}

/// Delete a debt position without payments.
#[utoipa::path(delete, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = String, example = json!("The debt position was successfully deleted")), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn delete(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    let (org, now, IupdParam(iupd)) = caller.into_parts();
    db.run(move |c| store::delete(c, &org, iupd.as_str(), now))
        .await?;
    Ok(HttpResponse::Ok().json("The debt position was successfully deleted"))
}

type Transition =
    fn(&mut DbConnection, &ScopedOrg, &str, NaiveDateTime) -> Result<Position, StoreError>;

/// Publish and invalidate: a change of status named by IUPD, answered with the position.
async fn transition(
    db: web::Data<Db>,
    caller: Caller<IupdParam>,
    change: Transition,
) -> ApiResult<HttpResponse> {
    let (org, now, IupdParam(iupd)) = caller.into_parts();
    let position = db.run(move |c| change(c, &org, iupd.as_str(), now)).await?;
    Ok(position_reply(StatusCode::OK, &position, now))
}

/// Publish a DRAFT debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/publish", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModel), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn publish(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    transition(db, caller, |c, org, iupd, now| {
        store::publish(c, org, iupd, now)
    })
    .await
}

/// Invalidate (cancel) a PUBLISHED or VALID debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/invalidate", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModel), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn invalidate(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    transition(db, caller, |c, org, iupd, now| {
        store::invalidate(c, org, iupd, now)
    })
    .await
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
        let days = |name: &str, from: &Option<String>, to: &Option<String>| {
            query::window(
                name,
                query::day(&format!("{name}_from"), from.as_deref(), false)?,
                query::day(&format!("{name}_to"), to.as_deref(), true)?,
            )
        };
        let due_date = days("due_date", &self.due_date_from, &self.due_date_to)?;
        let payment_date = match days(
            "payment_date",
            &self.payment_date_from,
            &self.payment_date_to,
        )? {
            Some(w) => Some(w),
            None => query::window(
                "payment_date_time",
                query::instant(
                    "payment_date_time_from",
                    self.payment_date_time_from.as_deref(),
                )?,
                query::instant("payment_date_time_to", self.payment_date_time_to.as_deref())?,
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
            page: query::number("page", self.page.as_deref(), 0, 0, i64::from(i32::MAX))?,
            limit: query::number("limit", self.limit.as_deref(), 10, 1, MAX_LIST_LIMIT)?,
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
    responses((status = 200, body = PaymentPositionsInfo), (status = 400)), security(("ApiKey" = [])))]
pub async fn list(db: web::Data<Db>, caller: Caller<Query<ListQuery>>) -> ApiResult<HttpResponse> {
    let filter = caller.params.0.to_filter()?;
    let (org, now) = (caller.scoped(), caller.now);
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
    responses((status = 200, body = UpdateTransferIbanMassiveResponse), (status = 400)), security(("ApiKey" = [])))]
pub async fn replace_iban(
    db: web::Data<Db>,
    caller: Caller<Query<IbanQuery>>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let query = &caller.params.0;
    let old = query.old_iban.as_deref().ok_or_else(|| {
        ApiError::BadRequest("oldIban: the query parameter is required".to_owned())
    })?;
    let old = check_iban("oldIban", old)?;
    let limit = query::number(
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
    let (org, now) = (caller.scoped(), caller.now);
    let updated = db
        .run(move |c| store::replace_iban(c, &org, &old, &new, limit, now))
        .await?;
    Ok(HttpResponse::Ok().json(UpdateTransferIbanMassiveResponse {
        description: format!("{updated} transfers updated"),
        updated_transfers: updated as i64,
    }))
}

/// Get the debt position owning an IUV.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/paymentoptions/{iuv}/debtposition", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("iuv" = String, Path, description = "digits")),
    responses((status = 200, body = PaymentPositionModelBaseResponse), (status = 400), (status = 404)), security(("ApiKey" = [])))]
pub async fn get_by_iuv(db: web::Data<Db>, caller: Caller<OptionKey>) -> ApiResult<HttpResponse> {
    let iuv = caller.params.0.clone();
    let org = caller.scoped();
    let position = db.run(move |c| store::get_by_option(c, &org, &iuv)).await?;
    Ok(read_reply(&position, caller.now))
}

/// Get a payment option by notice number (NAV) or IUV, with its position's debtor.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/paymentoptions/{nav}", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV (digits)")),
    responses((status = 200, body = PaymentsWithDebtorInfoModelResponse), (status = 400), (status = 404)), security(("ApiKey" = [])))]
pub async fn get_option(db: web::Data<Db>, caller: Caller<OptionKey>) -> ApiResult<HttpResponse> {
    let (org, now, OptionKey(nav)) = caller.into_parts();
    let key = nav.clone();
    let position = db.run(move |c| store::get_by_option(c, &org, &key)).await?;
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
    caller: Caller<OptionKey>,
    payment: PaymentDetails,
) -> ApiResult<HttpResponse> {
    let (org, now, OptionKey(nav)) = caller.into_parts();
    let (position, index, _) = db
        .run(move |c| store::pay(c, &org, &nav, payment, Replay::Refuse, now))
        .await?;
    Ok(option_reply(&position, index))
}

/// Record the payment of an option (receipt data from a PSP).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/paymentoptions/{nav}/pay", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV (digits)")),
    request_body = PayPaymentOptionModel,
    responses((status = 200, body = PaymentOptionModelResponse), (status = 400), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn pay(
    db: web::Data<Db>,
    caller: Caller<OptionKey>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let payment = payment_from_pay_model(&parse_json::<PayPaymentOptionModel>(&body)?)?;
    pay_with(db, caller, payment).await
}

/// Mark an option as already paid outside pagoPA (GPD "paids").
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/paymentoptions/paids/{nav}", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV (digits)")),
    request_body = AlreadyPaidPaymentOptionModel,
    responses((status = 200, body = PaymentOptionModelResponse), (status = 400), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn paid_by_ec(
    db: web::Data<Db>,
    caller: Caller<OptionKey>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let model = if body.is_empty() {
        AlreadyPaidPaymentOptionModel::default()
    } else {
        parse_json(&body)?
    };
    let payment = PaymentDetails {
        payment_date: model.payment_date,
        psp_company: Some(PAID_BY_EC.to_owned()),
        id_receipt: Some(PAID_BY_EC.to_owned()),
        fee: Amount::ZERO,
        ..PaymentDetails::default()
    };
    pay_with(db, caller, payment).await
}

/// Set the SEND notification fee of an unpaid option.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/paymentoptions/{nav}/notificationfee", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number or IUV (digits)")),
    request_body = NotificationFeeUpdateModel,
    responses((status = 200, body = PaymentOptionModelResponse), (status = 400), (status = 404), (status = 422)), security(("ApiKey" = [])))]
pub async fn notification_fee(
    db: web::Data<Db>,
    caller: Caller<OptionKey>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org, now, OptionKey(nav)) = caller.into_parts();
    let cents = parse_json::<NotificationFeeUpdateModel>(&body)?.notification_fee;
    let fee = Amount::from_cents(cents).map_err(|_| {
        ApiError::BadRequest(format!(
            "notificationFee: {cents} must be 0 to 99999999999 euro-cents"
        ))
    })?;
    let (position, index) = db
        .run(move |c| store::set_notification_fee(c, &org, &nav, fee, now))
        .await?;
    Ok(option_reply(&position, index))
}

/// Report a transfer of a paid option (its money reached the beneficiary).
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/paymentoptions/{iuv}/transfers/{transferid}/report", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("iuv" = String, Path, description = "digits"), ("transferid" = String, Path, description = "1 to 5")),
    responses((status = 200, body = TransferModelResponse), (status = 400), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn report_transfer(
    db: web::Data<Db>,
    caller: Caller<(OptionKey, TransferIdParam)>,
) -> ApiResult<HttpResponse> {
    let (org, now, (OptionKey(iuv), TransferIdParam(transfer_id))) = caller.into_parts();
    let (position, index) = db
        .run(move |c| store::report_transfer(c, &org, &iuv, transfer_id, now))
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
        .service(
            resource("/debtpositions", "GET, POST")
                .post(create)
                .get(list),
        )
        .service(resource("/debtpositions/transfers", "PATCH").patch(replace_iban))
        .service(resource("/debtpositions/bulk", "POST").post(create_bulk))
        .service(resource("/iuvs", "POST").post(super::iuvs::generate))
        .service(
            resource("/debtpositions/{iupd}", "GET, PUT, DELETE")
                .get(get)
                .put(update)
                .delete(delete),
        )
        .service(resource("/debtpositions/{iupd}/publish", "POST").post(publish))
        .service(resource("/debtpositions/{iupd}/invalidate", "POST").post(invalidate))
        .service(resource("/paymentoptions/paids/{nav}", "POST").post(paid_by_ec))
        .service(resource("/paymentoptions/{iuv}/debtposition", "GET").get(get_by_iuv))
        .service(
            resource(
                "/paymentoptions/{iuv}/transfers/{transferid}/report",
                "POST",
            )
            .post(report_transfer),
        )
        .service(resource("/paymentoptions/{nav}", "GET").get(get_option))
        .service(resource("/paymentoptions/{nav}/pay", "POST").post(pay))
        .service(resource("/paymentoptions/{nav}/notificationfee", "PUT").put(notification_fee))
}
