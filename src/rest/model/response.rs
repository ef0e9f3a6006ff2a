//! Response bodies of GPD's v1 API (same field names and order), built from the domain.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::beneficiary::BeneficiaryModel;
use super::datetime::{self, option as opt_date};
use super::debtor::{DebtorModel, DebtorTypeModel};
use super::request::{MetadataModel, PaymentOptionModel, PaymentPositionModel, TransferModel};
use crate::domain::{Metadata, OrgFiscalCode, PaymentOption, Position, PositionStatus, Transfer};

pub(super) fn metadata_models(metadata: &[Metadata]) -> Vec<MetadataModel> {
    metadata
        .iter()
        .map(|m| MetadataModel {
            key: m.key.clone(),
            value: m.value.clone(),
        })
        .collect()
}

pub(super) fn transfer_model(t: &Transfer) -> TransferModel {
    TransferModel {
        id_transfer: t.id.to_string(),
        amount: t.amount.cents(),
        organization_fiscal_code: Some(t.organization_fiscal_code.to_string()),
        remittance_information: t.remittance_information.to_string(),
        category: t.category.to_string(),
        beneficiary: BeneficiaryModel::from_domain(&t.beneficiary),
        company_name: t.company_name.as_deref().map(str::to_owned),
        transfer_metadata: Some(metadata_models(&t.metadata)),
    }
}

impl PaymentOptionModel {
    fn from_domain(o: &PaymentOption) -> Self {
        PaymentOptionModel {
            nav: Some(o.nav.to_string()),
            iuv: Some(o.iuv.to_string()),
            amount: o.amount.cents(),
            description: o.description.to_string(),
            is_partial_payment: o.is_partial_payment,
            due_date: o.due_date,
            retention_date: o.retention_date,
            fee: Some(o.payment.fee.cents()),
            notification_fee: Some(o.notification_fee.cents()),
            transfer: Some(o.transfers.iter().map(transfer_model).collect()),
            payment_option_metadata: Some(metadata_models(&o.metadata)),
        }
    }
}

impl PaymentPositionModel {
    pub fn from_domain(p: &Position, status: PositionStatus) -> Self {
        PaymentPositionModel {
            iupd: p.iupd.to_string(),
            pay_stand_in: Some(p.pay_stand_in),
            debtor: DebtorModel::from_domain(&p.debtor),
            switch_to_expired: p.switch_to_expired,
            company_name: p.company_name.to_string(),
            office_name: p.office_name.as_deref().map(str::to_owned),
            validity_date: p.validity_date,
            payment_date: p.payment_date,
            status: Some(status.as_str().to_owned()),
            payment_option: Some(
                p.options
                    .iter()
                    .map(PaymentOptionModel::from_domain)
                    .collect(),
            ),
        }
    }
}

/// A transfer as read back (GPD `TransferModelResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferModelResponse {
    pub organization_fiscal_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    pub id_transfer: String,
    pub amount: i64,
    pub remittance_information: String,
    pub category: String,
    #[serde(flatten)]
    pub beneficiary: BeneficiaryModel,
    #[serde(with = "datetime")]
    pub inserted_date: NaiveDateTime,
    /// T_UNREPORTED or T_REPORTED.
    pub status: String,
    #[serde(with = "datetime")]
    pub last_updated_date: NaiveDateTime,
    pub transfer_metadata: Vec<MetadataModel>,
}

impl TransferModelResponse {
    pub fn from_domain(t: &Transfer) -> Self {
        let m = transfer_model(t);
        TransferModelResponse {
            organization_fiscal_code: t.organization_fiscal_code.to_string(),
            company_name: m.company_name,
            id_transfer: m.id_transfer,
            amount: m.amount,
            remittance_information: m.remittance_information,
            category: m.category,
            beneficiary: m.beneficiary,
            inserted_date: t.inserted_date,
            status: t.status.as_str().to_owned(),
            last_updated_date: t.last_updated_date,
            transfer_metadata: metadata_models(&t.metadata),
        }
    }
}

/// A payment option as read back, with its payment (GPD `PaymentOptionModelResponse` and
/// `PaymentsModelResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOptionModelResponse {
    pub nav: String,
    pub iuv: String,
    pub organization_fiscal_code: String,
    pub amount: i64,
    pub description: String,
    pub is_partial_payment: bool,
    #[serde(with = "datetime")]
    pub due_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub retention_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub reporting_date: Option<NaiveDateTime>,
    #[serde(with = "datetime")]
    pub inserted_date: NaiveDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    pub fee: i64,
    pub notification_fee: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psp_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psp_tax_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psp_company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_receipt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_flow_reporting: Option<String>,
    /// PO_UNPAID, PO_PAID, PO_PARTIALLY_REPORTED or PO_REPORTED.
    pub status: String,
    #[serde(with = "datetime")]
    pub last_updated_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub last_updated_date_notification_fee: Option<NaiveDateTime>,
    pub payment_option_metadata: Vec<MetadataModel>,
    pub transfer: Vec<TransferModelResponse>,
    pub service_type: String,
}

impl PaymentOptionModelResponse {
    pub fn from_domain(org: &OrgFiscalCode, o: &PaymentOption) -> Self {
        PaymentOptionModelResponse {
            nav: o.nav.to_string(),
            iuv: o.iuv.to_string(),
            organization_fiscal_code: org.to_string(),
            amount: o.amount.cents(),
            description: o.description.to_string(),
            is_partial_payment: o.is_partial_payment,
            due_date: o.due_date,
            retention_date: o.retention_date,
            payment_date: o.payment.payment_date,
            reporting_date: o.reporting_date,
            inserted_date: o.inserted_date,
            payment_method: o.payment.payment_method.clone(),
            fee: o.payment.fee.cents(),
            notification_fee: o.notification_fee.cents(),
            psp_code: o.payment.psp_code.clone(),
            psp_tax_code: o.payment.psp_tax_code.clone(),
            psp_company: o.payment.psp_company.clone(),
            id_receipt: o.payment.id_receipt.clone(),
            id_flow_reporting: o.id_flow_reporting.clone(),
            status: o.status.as_str().to_owned(),
            last_updated_date: o.last_updated_date,
            last_updated_date_notification_fee: o.last_updated_date_notification_fee,
            payment_option_metadata: metadata_models(&o.metadata),
            transfer: o
                .transfers
                .iter()
                .map(TransferModelResponse::from_domain)
                .collect(),
            service_type: "GPD".to_owned(),
        }
    }
}

/// A debt position as read back (GPD `PaymentPositionModelBaseResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPositionModelBaseResponse {
    pub iupd: String,
    pub organization_fiscal_code: String,
    #[serde(rename = "type")]
    pub debtor_type: DebtorTypeModel,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    #[serde(with = "datetime")]
    pub inserted_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub publish_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub validity_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<NaiveDateTime>,
    pub status: String,
    #[serde(with = "datetime")]
    pub last_updated_date: NaiveDateTime,
    pub payment_option: Vec<PaymentOptionModelResponse>,
}

impl PaymentPositionModelBaseResponse {
    pub fn from_domain(p: &Position, status: PositionStatus) -> Self {
        PaymentPositionModelBaseResponse {
            iupd: p.iupd.to_string(),
            organization_fiscal_code: p.organization_fiscal_code.to_string(),
            debtor_type: p.debtor.kind.into(),
            company_name: p.company_name.to_string(),
            office_name: p.office_name.as_deref().map(str::to_owned),
            inserted_date: p.inserted_date,
            publish_date: p.publish_date,
            validity_date: p.validity_date,
            payment_date: p.payment_date,
            status: status.as_str().to_owned(),
            last_updated_date: p.last_updated_date,
            payment_option: p
                .options
                .iter()
                .map(|o| PaymentOptionModelResponse::from_domain(&p.organization_fiscal_code, o))
                .collect(),
        }
    }
}

/// A payment option with its position's debtor (GPD `PaymentsWithDebtorInfoModelResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentsWithDebtorInfoModelResponse {
    #[serde(flatten)]
    pub option: PaymentOptionModelResponse,
    pub pay_stand_in: bool,
    pub iupd: String,
    #[serde(flatten)]
    pub debtor: DebtorModel,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    pub debt_position_status: String,
}

impl PaymentsWithDebtorInfoModelResponse {
    pub fn from_domain(p: &Position, index: usize, status: PositionStatus) -> Self {
        PaymentsWithDebtorInfoModelResponse {
            option: PaymentOptionModelResponse::from_domain(
                &p.organization_fiscal_code,
                &p.options[index],
            ),
            pay_stand_in: p.pay_stand_in,
            iupd: p.iupd.to_string(),
            debtor: DebtorModel::from_domain(p.debtor_of(index)),
            company_name: p.company_name.to_string(),
            office_name: p.office_name.as_deref().map(str::to_owned),
            debt_position_status: status.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PageInfo {
    pub page: i64,
    pub limit: i64,
    /// Positions matching the filter, counted up to 1,000 (GPD counts only this page).
    pub items_found: i64,
    pub total_pages: i64,
    /// Present and true when more than 1,000 positions match: `items_found` and `total_pages`
    /// are then lower bounds; page on with `after` (extension).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub items_found_capped: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentPositionsInfo {
    pub payment_position_list: Vec<PaymentPositionModelBaseResponse>,
    pub page_info: PageInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTransferIbanMassiveResponse {
    pub description: String,
    pub updated_transfers: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub environment: String,
}

/// Error body of every endpoint (RFC 7807 subset, as GPD).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProblemJson {
    pub title: String,
    pub status: u16,
    pub detail: String,
}
