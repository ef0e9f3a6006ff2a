//! The OpenAPI document, assembled from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::events::{
    self, EventDocument, EventFeed, EventModel, ReceiptModel, ReceiptsPage, WebhookModel,
    WebhookUpdateModel,
};
use super::model::*;
use super::{positions, system};

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

/// Every operation behind the key can answer 401 (no or unknown key) and 403 (another
/// institution's key), whatever its own annotation lists.
struct KeyRefusals;

impl Modify for KeyRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = || {
            ResponseBuilder::new().content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemJson")))
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.security.is_none() {
                    continue;
                }
                let responses = &mut operation.responses.responses;
                responses.entry("401".to_owned()).or_insert_with(|| {
                    problem()
                        .description("The API key is missing or not valid")
                        .build()
                        .into()
                });
                responses.entry("403".to_owned()).or_insert_with(|| {
                    problem()
                        .description("The API key belongs to another institution")
                        .build()
                        .into()
                });
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "gpd-gateway", description = "Debt positions for pagoPA, wire-compatible with PagoPA's GPD v1 API"),
    paths(
        system::info, system::health,
        positions::create, positions::create_bulk, positions::list, positions::get, positions::update, positions::delete,
        positions::publish, positions::invalidate, positions::replace_iban,
        positions::get_by_iuv, positions::get_option, positions::pay, positions::paid_by_ec, positions::report_transfer, positions::notification_fee,
        events::get_webhook, events::put_webhook, events::delete_webhook, events::rotate_secret,
        events::feed, events::redeliver, events::list_receipts, events::get_receipt,
    ),
    components(schemas(
        PaymentPositionModel, PaymentOptionModel, TransferModel, StampModel, MetadataModel, DebtorTypeModel,
        PaymentPositionModelBaseResponse, PaymentOptionModelResponse, TransferModelResponse,
        PaymentsWithDebtorInfoModelResponse, PaymentPositionsInfo, PageInfo, AlreadyPaidPaymentOptionModel, MultiplePaymentPositionModel, NotificationFeeUpdateModel,
        PayPaymentOptionModel, UpdateTransferIbanMassiveModel, UpdateTransferIbanMassiveResponse, AppInfo, ProblemJson,
        WebhookModel, WebhookUpdateModel, EventModel, EventFeed, EventDocument, ReceiptModel, ReceiptsPage,
    )),
    modifiers(&ApiKeyScheme, &KeyRefusals),
)]
pub struct ApiDoc;
