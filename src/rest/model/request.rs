//! Request bodies of GPD's v1 API (same field names); the position models are also answered.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::beneficiary::BeneficiaryModel;
use super::datetime::{self, option as opt_date};
use super::debtor::DebtorModel;
use super::json::{self, cents};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetadataModel {
    pub key: String,
    pub value: String,
}

/// A transfer of a payment option (at most 5 per option).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferModel {
    /// "1" to "5".
    pub id_transfer: String,
    /// Euro-cents, at least 1.
    #[serde(deserialize_with = "cents::deserialize")]
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_fiscal_code: Option<String>,
    pub remittance_information: String,
    pub category: String,
    #[serde(flatten, deserialize_with = "json::flattened")]
    pub beneficiary: BeneficiaryModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_metadata: Option<Vec<MetadataModel>>,
}

/// A payment option: a single payment or an installment (`isPartialPayment`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOptionModel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nav: Option<String>,
    /// Required on update. On create (an extension of GPD's API), an option without `iuv` (and
    /// without `nav`) gets one generated from the institution's counter.
    #[serde(default)]
    pub iuv: Option<String>,
    /// Euro-cents, at least 1; equal to the sum of the transfers.
    #[serde(deserialize_with = "cents::deserialize")]
    pub amount: i64,
    pub description: String,
    pub is_partial_payment: bool,
    #[serde(with = "datetime")]
    pub due_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub retention_date: Option<NaiveDateTime>,
    /// Read-only.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub fee: Option<i64>,
    /// Read-only.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub notification_fee: Option<i64>,
    #[serde(default)]
    pub transfer: Option<Vec<TransferModel>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_option_metadata: Option<Vec<MetadataModel>>,
}

/// A debt position as created or updated (GPD `PaymentPositionModel`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPositionModel {
    pub iupd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_stand_in: Option<bool>,
    #[serde(flatten, deserialize_with = "json::flattened")]
    pub debtor: DebtorModel,
    pub switch_to_expired: bool,
    pub company_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub validity_date: Option<NaiveDateTime>,
    /// Read-only.
    #[serde(
        default,
        skip_deserializing,
        with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub payment_date: Option<NaiveDateTime>,
    /// Read-only.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub payment_option: Option<Vec<PaymentOptionModel>>,
}

/// Body of the bulk create: 1 to 100 positions, stored all or none.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MultiplePaymentPositionModel {
    pub payment_positions: Vec<PaymentPositionModel>,
}

/// Body of the bulk delete: 1 to 20 IUPDs, deleted all or none.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MultipleIUPDModel {
    #[serde(rename = "paymentPositionIUPDs")]
    pub payment_position_iupds: Vec<String>,
}

/// Body of the notification fee update (euro-cents, 0 or more).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationFeeUpdateModel {
    #[serde(deserialize_with = "cents::deserialize")]
    pub notification_fee: i64,
}

/// Body of "mark as already paid".
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlreadyPaidPaymentOptionModel {
    #[serde(default, with = "opt_date")]
    pub payment_date: Option<NaiveDateTime>,
}

/// Body of "pay" (receipt data from a PSP).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayPaymentOptionModel {
    #[serde(default, with = "opt_date")]
    pub payment_date: Option<NaiveDateTime>,
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub psp_code: Option<String>,
    #[serde(default)]
    pub psp_tax_code: Option<String>,
    pub psp_company: String,
    pub id_receipt: String,
    /// Euro-cents as a string (as GPD has it), default "0".
    #[serde(default)]
    pub fee: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTransferIbanMassiveModel {
    pub new_iban: String,
}
