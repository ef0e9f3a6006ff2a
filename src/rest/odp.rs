//! GPD's notice verification for PagoPA's checkout ("OdP"): every choice a notice number leads
//! to (single options and installment plans), with its status. Errors use the OdP error shape.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Caller;
use super::model::datetime::{self, option as opt_date};
use super::{resource, ApiError};
use crate::domain::{Choice, Position};
use crate::store::positions as store;
use crate::store::Db;

/// One installment of a choice (GPD `InstallmentSummary`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallmentSummary {
    pub nav: String,
    pub iuv: String,
    pub amount: i64,
    pub description: String,
    #[serde(with = "datetime")]
    pub due_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDateTime>,
    /// POI_UNPAID, POI_PAID, POI_EXPIRED_NOT_PAYABLE, POI_EXPIRED_UNPAID or POI_INVALID.
    pub status: String,
    pub status_reason: String,
}

/// A single option or an installment plan (GPD `PaymentOptionGroup`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOptionGroup {
    pub description: String,
    pub number_of_installments: i32,
    /// Sum of the installments, euro-cents.
    pub amount: i64,
    /// Due date of the last installment.
    #[serde(with = "datetime")]
    pub due_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDateTime>,
    /// PO_UNPAID, PO_PAID, PO_PARTIALLY_PAID, PO_EXPIRED_NOT_PAYABLE, PO_EXPIRED_UNPAID or PO_INVALID.
    pub status: String,
    pub status_reason: String,
    #[serde(rename = "allCCP")]
    pub all_ccp: bool,
    pub installments: Vec<InstallmentSummary>,
}

/// GPD `VerifyPaymentOptionsResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPaymentOptionsResponse {
    pub organization_fiscal_code: String,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    pub payment_options: Vec<PaymentOptionGroup>,
}

impl VerifyPaymentOptionsResponse {
    fn from_domain(p: &Position, choices: &[Choice]) -> Self {
        VerifyPaymentOptionsResponse {
            organization_fiscal_code: p.organization_fiscal_code.to_string(),
            company_name: p.company_name.to_string(),
            office_name: p.office_name.as_deref().map(str::to_owned),
            payment_options: choices
                .iter()
                .map(|c| PaymentOptionGroup {
                    description: c.description.clone(),
                    number_of_installments: i32::try_from(c.installments.len()).unwrap_or(i32::MAX),
                    amount: c.amount.cents(),
                    due_date: c.due_date,
                    valid_from: c.valid_from,
                    status: c.status.group_name(),
                    status_reason: c.reason.clone(),
                    all_ccp: c.all_postal,
                    installments: c
                        .installments
                        .iter()
                        .map(|i| {
                            let o = &p.options[i.index];
                            InstallmentSummary {
                                nav: o.nav.to_string(),
                                iuv: o.iuv.to_string(),
                                amount: o.amount.cents(),
                                description: o.description.to_string(),
                                due_date: o.due_date,
                                valid_from: o.validity_date,
                                status: i.status.installment_name(),
                                status_reason: i.reason.clone(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// GPD `OdPErrorResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdPErrorResponse {
    pub http_status_code: u16,
    pub http_status_description: String,
    /// ODP-101 (syntax), ODP-102 (semantics), ODP-103 (system), ODP-107 (unknown notice).
    pub app_error_code: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub date_time: String,
    /// The SANP fault code and a detail: `PAA_PAGAMENTO_SCONOSCIUTO: ...`.
    pub error_message: String,
}

/// A failure of the verification, answered in the OdP shape.
#[derive(Debug, thiserror::Error)]
#[error("{fault}: {detail}")]
pub struct OdpError {
    status: StatusCode,
    code: &'static str,
    fault: &'static str,
    detail: String,
}

impl From<ApiError> for OdpError {
    fn from(e: ApiError) -> Self {
        let (status, code, fault) = match &e {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "ODP-101", "PAA_SINTASSI"),
            ApiError::NotFound(_) | ApiError::Forbidden(_) => (
                StatusCode::NOT_FOUND,
                "ODP-107",
                "PAA_PAGAMENTO_SCONOSCIUTO",
            ),
            ApiError::Unprocessable(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "ODP-102", "PAA_SEMANTICA")
            }
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "ODP-103",
                "PAA_SYSTEM_ERROR",
            ),
        };
        OdpError {
            status,
            code,
            fault,
            detail: e.to_string(),
        }
    }
}

impl ResponseError for OdpError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let now = chrono::Utc::now();
        HttpResponse::build(self.status).json(OdPErrorResponse {
            http_status_code: self.status.as_u16(),
            http_status_description: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            app_error_code: self.code.to_owned(),
            timestamp: now.timestamp_millis(),
            date_time: now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            error_message: self.to_string(),
        })
    }
}

/// Verify a notice number: the single options and installment plans of its debt position, with
/// their status. Answers on any status of the position (also DRAFT), as GPD does.
#[utoipa::path(post, path = "/payment-options/organizations/{organizationfiscalcode}/notices/{nav}", tag = "Payment options",
    params(("organizationfiscalcode" = String, Path), ("nav" = String, Path, description = "notice number (digits)")),
    responses((status = 200, body = VerifyPaymentOptionsResponse),
        (status = 400, body = OdPErrorResponse), (status = 404, body = OdPErrorResponse), (status = 500, body = OdPErrorResponse)),
    security(("ApiKey" = [])))]
pub async fn verify(
    db: web::Data<Db>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, OdpError> {
    let nav = req.match_info().get("nav").unwrap_or_default().to_owned();
    if nav.is_empty() || nav.len() > 30 || !nav.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            ApiError::BadRequest(format!("notice number '{nav}' is not 1 to 30 digits")).into(),
        );
    }
    let (org, now, ()) = caller.into_parts();
    let position = db
        .run(move |c| store::get_by_option(c, &org, &nav))
        .await
        .map_err(ApiError::from)?;
    let choices = position.choices(now);
    Ok(
        HttpResponse::Ok().json(VerifyPaymentOptionsResponse::from_domain(
            &position, &choices,
        )),
    )
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource(
            &format!(
                "/payment-options/organizations/{{{}}}/notices/{{nav}}",
                super::caller::ORG_PARAM
            ),
            "POST",
        )
        .post(verify),
    );
}
