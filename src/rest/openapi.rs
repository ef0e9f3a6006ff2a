//! The OpenAPI document, assembled from the handlers' annotations.

use actix_web::http::StatusCode;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::events::{
    self, EventDocument, EventFeed, EventModel, ReceiptModel, ReceiptsPage, WebhookModel,
    WebhookUpdateModel,
};
use super::iuvs::{self, GeneratedIuvModel, IuvRequestModel};
use super::model::*;
use super::notices::{self, NoticeBatchModel};
use super::taxonomy::{self, TaxonomyEntryModel, TaxonomyModel};
use super::{odp, partners, positions, services, system, v3};

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ApiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(
                crate::http::API_KEY_HEADER,
            ))),
        );
    }
}

/// Error answers, written in the annotations as a bare `(status = 404)`, get the ProblemJson
/// body and a description here; every operation behind the key also lists 401 (no or unknown
/// key), 403 (another institution's key) and 429 (rate limit), every operation with a body 413,
/// and every operation 503 (database unavailable, request time-out).
struct Problems;

fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemJson")))
                .build(),
        )
        .build()
        .into()
}

/// 429 of the per-key rate limit (GPD_RATE_LIMIT_PER_SEC), with its `Retry-After`.
fn too_many_requests() -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    let mut response = ResponseBuilder::new()
        .description("Too many requests with this API key (the per-key rate limit, when configured); retry after the seconds in Retry-After")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemJson")))
                .build(),
        )
        .build();
    response.headers.insert(
        "Retry-After".to_owned(),
        utoipa::openapi::HeaderBuilder::new()
            .schema(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer),
            )
            .description(Some("Seconds to wait before the key has a request again"))
            .build(),
    );
    response.into()
}

impl Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                if operation.security.is_some() {
                    responses.insert(
                        "401".to_owned(),
                        problem("The API key is missing or not valid"),
                    );
                    responses.insert(
                        "403".to_owned(),
                        problem("The API key may not act for this institution (another institution's key, a partner without delegation), or what is asked is outside its taxonomy scope"),
                    );
                }
                if operation.security.is_some() {
                    responses.insert("429".to_owned(), too_many_requests());
                }
                if operation.request_body.is_some() {
                    responses.insert("413".to_owned(), problem("The body is larger than 1 MiB"));
                }
                responses.entry("503".to_owned()).or_insert_with(|| {
                    problem("The database is not available, or the answer took longer than the request time-out (GPD_REQUEST_TIMEOUT_SECS); retry later")
                });
                for (status, response) in responses.iter_mut() {
                    let bare = matches!(response, RefOr::T(r) if r.content.is_empty());
                    let code = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|c| StatusCode::from_u16(c).ok());
                    if let (true, Some(code)) = (bare, code.filter(|c| c.as_u16() >= 400)) {
                        *response = problem(code.canonical_reason().unwrap_or("Error"));
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "gpd-gateway", description = "Debt positions for pagoPA, wire-compatible with PagoPA's GPD API (v1 at the root, v2 bulk paths under /v2, v3 under /v3)"),
    paths(
        system::info, system::health,
        positions::create, positions::create_bulk, positions::update_bulk, positions::delete_bulk, positions::list, positions::get, positions::update, positions::delete,
        positions::publish, positions::invalidate, positions::replace_iban,
        positions::get_by_iuv, positions::get_option, positions::pay, positions::paid_by_ec, positions::report_transfer, positions::notification_fee,
        iuvs::generate,
        events::get_webhook, events::put_webhook, events::delete_webhook, events::rotate_secret,
        partners::get_webhook, partners::put_webhook, partners::delete_webhook, partners::rotate_secret,
        events::feed, events::redeliver, events::list_receipts, events::get_receipt,
        services::put, services::list, services::get, services::disable, services::xsd,
        taxonomy::list,
        odp::verify,
        v3::create, v3::list, v3::get, v3::update, v3::delete, v3::publish,
        notices::pdf, notices::batch,
    ),
    components(schemas(
        PaymentPositionModel, PaymentOptionModel, TransferModel, StampModel, MetadataModel, DebtorTypeModel,
        PaymentPositionModelBaseResponse, PaymentOptionModelResponse, TransferModelResponse,
        PaymentsWithDebtorInfoModelResponse, PaymentPositionsInfo, PageInfo, AlreadyPaidPaymentOptionModel, MultiplePaymentPositionModel, NotificationFeeUpdateModel,
        PayPaymentOptionModel, UpdateTransferIbanMassiveModel, UpdateTransferIbanMassiveResponse, AppInfo, ProblemJson,
        WebhookModel, WebhookUpdateModel, EventModel, EventFeed, EventDocument, ReceiptModel, ReceiptsPage,
        IuvRequestModel, GeneratedIuvModel,
        TaxonomyModel, TaxonomyEntryModel,
        odp::VerifyPaymentOptionsResponse, odp::PaymentOptionGroup, odp::InstallmentSummary, odp::OdPErrorResponse,
        MultipleIUPDModel, DebtorModel, PaymentPositionModelV3, PaymentOptionModelV3, InstallmentModel,
        PaymentPositionModelResponseV3, PaymentOptionModelResponseV3, InstallmentModelResponse, PaymentPositionsInfoV3,
        NoticeBatchModel,
    )),
    modifiers(&ApiKeyScheme, &Problems),
)]
pub struct ApiDoc;
