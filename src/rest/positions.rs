//! Handlers of the debt-position endpoints: parse, call one store operation, render.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::caller::Caller;
use super::model::{
    check_iban, count_within, payment_from_pay_model, AlreadyPaidPaymentOptionModel,
    MultipleIUPDModel, MultiplePaymentPositionModel, NotificationFeeUpdateModel, PageInfo,
    PayPaymentOptionModel, PaymentOptionModelResponse, PaymentPositionModel,
    PaymentPositionModelBaseResponse, PaymentPositionModelResponseV3, PaymentPositionModelV3,
    PaymentPositionsInfo, PaymentPositionsInfoV3, PaymentsWithDebtorInfoModelResponse,
    TransferModelResponse, UpdateTransferIbanMassiveModel, UpdateTransferIbanMassiveResponse,
};
use super::params::{IfMatch, IupdParam, OptionKey, Query, ToPublish, TransferIdParam};
use super::query;
use super::{parse_json, resource, with_etag, ApiError, ApiResult};
use crate::domain::{
    Amount, DomainError, Iupd, NewPosition, Organization, PaymentDetails, Position, PositionInput,
    PositionStatus, PositionStatusV3, Replay, PAID_BY_EC,
};
use crate::store::positions::{self as store, ListFilter, OrderBy, ScopedOrg, UpdateMode};
use crate::store::{Db, DbConnection, StoreError};

pub const MAX_LIST_LIMIT: i64 = 50;
pub const MAX_IBAN_LIMIT: i64 = 1000;
pub const MAX_BULK_POSITIONS: usize = 100;
pub const MAX_BULK_DELETE: usize = 20;

/// The API version a request came through: the same operations, parsed and answered in that
/// version's models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Api {
    V1,
    V3,
}

impl Api {
    /// The statuses a list's `status` filter names, in this version's words.
    fn statuses(self, name: &str) -> ApiResult<Vec<PositionStatus>> {
        let refuse = |all: Vec<&str>| {
            ApiError::BadRequest(format!("status: '{name}' is not one of {}", all.join(", ")))
        };
        match self {
            Api::V1 => PositionStatus::parse(name)
                .map(|s| vec![s])
                .ok_or_else(|| refuse(PositionStatus::ALL.iter().map(|s| s.as_str()).collect())),
            Api::V3 => PositionStatusV3::parse(name)
                .map(PositionStatusV3::covers)
                .ok_or_else(|| refuse(PositionStatusV3::ALL.iter().map(|s| s.as_str()).collect())),
        }
    }

    fn new_input(self, body: &[u8], org: &Organization) -> ApiResult<NewPosition> {
        Ok(match self {
            Api::V1 => parse_json::<PaymentPositionModel>(body)?.to_new_input(org)?,
            Api::V3 => parse_json::<PaymentPositionModelV3>(body)?
                .to_input()?
                .into(),
        })
    }

    fn input(self, body: &[u8]) -> ApiResult<PositionInput> {
        Ok(match self {
            Api::V1 => parse_json::<PaymentPositionModel>(body)?.to_input()?,
            Api::V3 => parse_json::<PaymentPositionModelV3>(body)?.to_input()?,
        })
    }

    /// The full position (as created or updated) with its version as ETag.
    fn written(self, status: StatusCode, position: &Position, now: NaiveDateTime) -> HttpResponse {
        let mut reply = with_etag(HttpResponse::build(status), position.version);
        let status = position.status_at(now);
        match self {
            Api::V1 => reply.json(PaymentPositionModel::from_domain(position, status)),
            Api::V3 => reply.json(PaymentPositionModelV3::from_domain(position, status)),
        }
    }

    /// The position as read (GET), with its version as ETag. A position with several
    /// installment plans has no v1 form: 422, as GPD answers.
    fn read(self, position: &Position, now: NaiveDateTime) -> ApiResult<HttpResponse> {
        let mut reply = with_etag(HttpResponse::Ok(), position.version);
        let status = position.status_at(now);
        Ok(match self {
            Api::V1 if position.has_several_plans() => {
                return Err(ApiError::Unprocessable(format!(
                    "The debt position {} has several installment plans, which the v1 API cannot represent; read it through /v3/organizations/{}/debtpositions/{}",
                    position.iupd, position.organization_fiscal_code, position.iupd
                )))
            }
            Api::V1 => reply.json(PaymentPositionModelBaseResponse::from_domain(position, status)),
            Api::V3 => reply.json(PaymentPositionModelResponseV3::from_domain(position, status)),
        })
    }
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
    create_as(Api::V1, db, caller, body).await
}

pub(super) async fn create_as(
    api: Api,
    db: web::Data<Db>,
    caller: Caller<ToPublish>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org, scope, now, ToPublish(to_publish)) = caller.into_org();
    let input = api.new_input(&body, &org)?;
    let position = db
        .run(move |c| store::create(c, &org, &scope, input, now, to_publish))
        .await?;
    Ok(api.written(StatusCode::CREATED, &position, now))
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
    let (org, scope, now, ToPublish(to_publish)) = caller.into_org();
    let model = parse_json::<MultiplePaymentPositionModel>(&body)?;
    let inputs = bulk_inputs(&model, |p| p.to_new_input(&org))?;
    db.run(move |c| store::create_many(c, &org, &scope, inputs, now, to_publish))
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// Update up to 100 debt positions, matched by IUPD, in one transaction: all or none.
#[utoipa::path(put, path = "/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("toPublish" = Option<bool>, Query)),
    request_body = MultiplePaymentPositionModel,
    responses((status = 200), (status = 400), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn update_bulk(
    db: web::Data<Db>,
    caller: Caller<ToPublish>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org, scope, now, ToPublish(to_publish)) = caller.into_org();
    let model = parse_json::<MultiplePaymentPositionModel>(&body)?;
    let inputs = bulk_inputs(&model, |p| p.to_input())?;
    let mut seen = std::collections::HashSet::new();
    if let Some(i) = inputs.iter().position(|p| !seen.insert(p.iupd.clone())) {
        return Err(ApiError::BadRequest(format!(
            "paymentPositions[{i}].iupd: '{}' appears twice",
            inputs[i].iupd
        )));
    }
    db.run(move |c| store::update_many(c, &org, &scope, inputs, now, to_publish))
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// Delete up to 20 debt positions without payments in one transaction: all or none.
#[utoipa::path(delete, path = "/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path)),
    request_body = MultipleIUPDModel,
    responses((status = 200, body = String, content_type = "text/plain"), (status = 400), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn delete_bulk(
    db: web::Data<Db>,
    caller: Caller,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let model = parse_json::<MultipleIUPDModel>(&body)?;
    let count = model.payment_position_iupds.len();
    count_within("paymentPositionIUPDs", count, MAX_BULK_DELETE, "IUPDs")?;
    let iupds = model
        .payment_position_iupds
        .iter()
        .enumerate()
        .map(|(i, iupd)| Iupd::parse(&format!("paymentPositionIUPDs[{i}]"), iupd))
        .collect::<Result<Vec<_>, _>>()?;
    let (org, now, ()) = caller.into_parts();
    db.run(move |c| store::delete_many(c, &org, &iupds, now))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{count} debt positions were successfully deleted")))
}

/// 1 to 100 positions of a bulk request, each converted; errors name the position's index.
fn bulk_inputs<T>(
    model: &MultiplePaymentPositionModel,
    convert: impl Fn(&PaymentPositionModel) -> Result<T, DomainError>,
) -> ApiResult<Vec<T>> {
    count_within(
        "paymentPositions",
        model.payment_positions.len(),
        MAX_BULK_POSITIONS,
        "positions",
    )?;
    Ok(model
        .payment_positions
        .iter()
        .enumerate()
        .map(|(i, p)| convert(p).map_err(|e| e.within(&format!("paymentPositions[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?)
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
    update_as(Api::V1, db, caller, body).await
}

pub(super) async fn update_as(
    api: Api,
    db: web::Data<Db>,
    caller: Caller<(IupdParam, ToPublish, IfMatch)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (org, scope, now, params) = caller.into_org();
    let (IupdParam(iupd), ToPublish(to_publish), IfMatch(expected_version)) = params;
    let input = api.input(&body)?;
    let mode = UpdateMode {
        to_publish,
        expected_version,
    };
    let position = db
        .run(move |c| store::update(c, &org, &scope, &iupd, input, now, mode))
        .await?;
    Ok(api.written(StatusCode::OK, &position, now))
}

/// Get a debt position by IUPD.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModelBaseResponse, headers(("ETag" = String))), (status = 404)), security(("ApiKey" = [])))]
pub async fn get(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    get_as(Api::V1, db, caller).await
}

pub(super) async fn get_as(
    api: Api,
    db: web::Data<Db>,
    caller: Caller<IupdParam>,
) -> ApiResult<HttpResponse> {
    let IupdParam(iupd) = &caller.params;
    let iupd = iupd.clone();
    let org = caller.scoped();
    let position = db
        .run(move |c| store::get_by_iupd(c, &org, iupd.as_str()))
        .await?;
    api.read(&position, caller.now)
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
pub(super) async fn transition(
    api: Api,
    db: web::Data<Db>,
    caller: Caller<IupdParam>,
    change: Transition,
) -> ApiResult<HttpResponse> {
    let (org, now, IupdParam(iupd)) = caller.into_parts();
    let position = db.run(move |c| change(c, &org, iupd.as_str(), now)).await?;
    Ok(api.written(StatusCode::OK, &position, now))
}

/// Publish a DRAFT debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/publish", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModel), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn publish(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    transition(Api::V1, db, caller, |c, org, iupd, now| {
        store::publish(c, org, iupd, now)
    })
    .await
}

/// Invalidate (cancel) a PUBLISHED or VALID debt position.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/invalidate", tag = "Debt positions",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = PaymentPositionModel), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn invalidate(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    transition(Api::V1, db, caller, |c, org, iupd, now| {
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
    after: Option<String>,
}

impl ListQuery {
    fn to_filter(&self, api: Api) -> ApiResult<ListFilter> {
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
        let status = match self.status.as_deref() {
            None => Vec::new(),
            Some(s) => api.statuses(s)?,
        };
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
        let page = query::number("page", self.page.as_deref(), 0, 0, i64::from(i32::MAX))?;
        let after = match self.after.as_deref() {
            None => None,
            Some(_) if page != 0 => {
                return Err(ApiError::BadRequest(
                    "after: keyset paging starts after a position; page must be 0 or absent"
                        .to_owned(),
                ))
            }
            Some(iupd) => Some(Iupd::parse("after", iupd)?.as_str().to_owned()),
        };
        Ok(ListFilter {
            after,
            due_date,
            payment_date,
            status,
            single_plan_only: api == Api::V1,
            order_by: Some(order_by),
            ascending,
            page,
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
        ("ordering" = Option<String>, Query, description = "DESC (default) or ASC"),
        ("after" = Option<String>, Query, description = "extension: keyset paging, the IUPD of the last position of the previous page (with page 0)")),
    responses((status = 200, body = PaymentPositionsInfo), (status = 400)), security(("ApiKey" = [])))]
pub async fn list(db: web::Data<Db>, caller: Caller<Query<ListQuery>>) -> ApiResult<HttpResponse> {
    list_as(Api::V1, db, caller).await
}

pub(super) async fn list_as(
    api: Api,
    db: web::Data<Db>,
    caller: Caller<Query<ListQuery>>,
) -> ApiResult<HttpResponse> {
    let filter = caller.params.0.to_filter(api)?;
    let (org, now) = (caller.scoped(), caller.now);
    let (limit, page) = (filter.limit, filter.page);
    let result = db.run(move |c| store::list(c, &org, &filter, now)).await?;
    let page_info = PageInfo {
        page,
        limit,
        items_found: result.total,
        total_pages: (result.total + limit - 1) / limit,
        items_found_capped: result.total_capped,
    };
    let positions = result.positions.iter().map(|p| (p, p.status_at(now)));
    Ok(match api {
        Api::V1 => HttpResponse::Ok().json(PaymentPositionsInfo {
            payment_position_list: positions
                .map(|(p, s)| PaymentPositionModelBaseResponse::from_domain(p, s))
                .collect(),
            page_info,
        }),
        Api::V3 => HttpResponse::Ok().json(PaymentPositionsInfoV3 {
            payment_position_list: positions
                .map(|(p, s)| PaymentPositionModelResponseV3::from_domain(p, s))
                .collect(),
            page_info,
        }),
    })
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
    Api::V1.read(&position, caller.now)
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
            resource("/debtpositions", "GET, POST, PUT, DELETE")
                .post(create)
                .get(list)
                .put(update_bulk)
                .delete(delete_bulk),
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
