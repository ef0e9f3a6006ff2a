//! GPD's v3 API under `/v3`: the same operations as v1, in the v3 models (payment options with
//! their debtor and installments), and the v2 bulk paths under `/v2`.

use actix_web::{web, HttpResponse};

use super::caller::Caller;
use super::params::{IfMatch, IupdParam, Query, ToPublish};
use super::positions::{self, Api, ListQuery};
use super::{resource, ApiResult};
use crate::store::positions as store;
use crate::store::Db;

/// Create a debt position (v3 model).
#[utoipa::path(post, path = "/v3/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions v3",
    params(("organizationfiscalcode" = String, Path), ("toPublish" = Option<bool>, Query, description = "publish at once (case-insensitive)")),
    request_body = crate::rest::model::PaymentPositionModelV3,
    responses((status = 201, body = crate::rest::model::PaymentPositionModelV3), (status = 400), (status = 403), (status = 409)), security(("ApiKey" = [])))]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller<ToPublish>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    positions::create_as(Api::V3, db, caller, body).await
}

/// List the institution's debt positions (v3 model and status names).
#[utoipa::path(get, path = "/v3/organizations/{organizationfiscalcode}/debtpositions", tag = "Debt positions v3",
    params(("organizationfiscalcode" = String, Path),
        ("page" = Option<i64>, Query, description = "from 0"), ("limit" = Option<i64>, Query, description = "1 to 50, default 10"),
        ("due_date_from" = Option<String>, Query, description = "yyyy-MM-dd"), ("due_date_to" = Option<String>, Query),
        ("payment_date_from" = Option<String>, Query, description = "yyyy-MM-dd"), ("payment_date_to" = Option<String>, Query),
        ("payment_date_time_from" = Option<String>, Query, description = "date-time"), ("payment_date_time_to" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "DRAFT, PUBLISHED, VALID, UNPAYABLE, PARTIALLY_PAID, PAID"),
        ("orderby" = Option<String>, Query, description = "INSERTED_DATE, IUPD, STATUS, COMPANY_NAME"),
        ("ordering" = Option<String>, Query, description = "DESC (default) or ASC"),
        ("after" = Option<String>, Query, description = "extension: keyset paging, the IUPD of the last position of the previous page (with page 0)")),
    responses((status = 200, body = crate::rest::model::PaymentPositionsInfoV3), (status = 400)), security(("ApiKey" = [])))]
pub async fn list(db: web::Data<Db>, caller: Caller<Query<ListQuery>>) -> ApiResult<HttpResponse> {
    positions::list_as(Api::V3, db, caller).await
}

/// Get a debt position by IUPD (v3 model).
#[utoipa::path(get, path = "/v3/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions v3",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = crate::rest::model::PaymentPositionModelResponseV3, headers(("ETag" = String))), (status = 404)), security(("ApiKey" = [])))]
pub async fn get(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    positions::get_as(Api::V3, db, caller).await
}

/// Update a debt position (full replacement, v3 model).
#[utoipa::path(put, path = "/v3/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions v3",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path), ("toPublish" = Option<bool>, Query),
        ("If-Match" = Option<String>, Header, description = "ETag of the version read; 412 when it changed")),
    request_body = crate::rest::model::PaymentPositionModelV3,
    responses((status = 200, body = crate::rest::model::PaymentPositionModelV3), (status = 400), (status = 404), (status = 409), (status = 412)), security(("ApiKey" = [])))]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller<(IupdParam, ToPublish, IfMatch)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    positions::update_as(Api::V3, db, caller, body).await
}

/// Delete a debt position without payments.
#[utoipa::path(delete, path = "/v3/organizations/{organizationfiscalcode}/debtpositions/{iupd}", tag = "Debt positions v3",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = String, example = json!("The debt position was successfully deleted")), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn delete(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    positions::delete(db, caller).await
}

/// Publish a DRAFT debt position (v3 model).
#[utoipa::path(post, path = "/v3/organizations/{organizationfiscalcode}/debtpositions/{iupd}/publish", tag = "Debt positions v3",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, body = crate::rest::model::PaymentPositionModelV3), (status = 404), (status = 409)), security(("ApiKey" = [])))]
pub async fn publish(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    positions::transition(Api::V3, db, caller, |c, org, iupd, now| {
        store::publish(c, org, iupd, now)
    })
    .await
}

/// Routes under `/v3/organizations/{organizationfiscalcode}`.
pub fn v3_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .service(
            resource("/debtpositions", "GET, POST")
                .post(create)
                .get(list),
        )
        .service(
            resource("/debtpositions/{iupd}", "GET, PUT, DELETE")
                .get(get)
                .put(update)
                .delete(delete),
        )
        .service(resource("/debtpositions/{iupd}/publish", "POST").post(publish))
}

/// Routes under `/v2/organizations/{organizationfiscalcode}`: GPD's v2 product, whose
/// `POST .../debtpositions` is the bulk create.
pub fn v2_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .service(
            resource("/debtpositions", "POST, PUT, DELETE")
                .post(positions::create_bulk)
                .put(positions::update_bulk)
                .delete(positions::delete_bulk),
        )
        .service(resource("/paymentoptions/paids/{nav}", "POST").post(positions::paid_by_ec))
}
