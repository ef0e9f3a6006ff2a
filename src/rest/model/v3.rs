//! GPD's v3 models: a position's payment options each carry their debtor and their installments
//! (several installments = one plan). Stored in the same shape as v1 (one row per installment).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::datetime::{self, option as opt_date};
use super::debtor::DebtorModel;
use super::input::{count_within, given, metadata};
use super::json::cents;
use super::request::{MetadataModel, TransferModel};
use super::response::{metadata_models, transfer_model, PageInfo, TransferModelResponse};
use crate::domain::{
    Amount, DomainError, Iupd, Iuv, NoticeNumber, OptionGroup, OptionInput, PaymentOption,
    Position, PositionInput, PositionStatus, Text, Text140,
};

/// Payment options per position and installments per option, as GPD's v3 API accepts.
pub const MAX_V3_OPTIONS: usize = 100;
pub const MAX_V3_INSTALLMENTS: usize = 100;

/// An installment of a payment option (`fee`, `notificationFee` and `status` are read-only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallmentModel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nav: Option<String>,
    pub iuv: String,
    /// Euro-cents, at least 1; equal to the sum of the transfers.
    #[serde(deserialize_with = "cents::deserialize")]
    pub amount: i64,
    pub description: String,
    #[serde(with = "datetime")]
    pub due_date: NaiveDateTime,
    /// Read-only (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub fee: Option<i64>,
    /// Read-only (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub notification_fee: Option<i64>,
    /// Read-only (ignored on input): UNPAID, PAID, PARTIALLY_REPORTED or REPORTED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub status: Option<String>,
    #[serde(default)]
    pub transfer: Vec<TransferModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_metadata: Option<Vec<MetadataModel>>,
}

/// A payment option: one installment (single payment) or several (a plan), with its debtor.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOptionModelV3 {
    /// Write-only: never answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(write_only)]
    pub description: Option<String>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub validity_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub retention_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub debtor: DebtorModel,
    pub installments: Vec<InstallmentModel>,
}

/// A debt position as created or updated through v3 (GPD `PaymentPositionModelV3`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPositionModelV3 {
    pub iupd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_stand_in: Option<bool>,
    pub company_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    /// Read-only (ignored on input).
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub payment_date: Option<NaiveDateTime>,
    /// Read-only (ignored on input): DRAFT, PUBLISHED, VALID, UNPAYABLE, PARTIALLY_PAID or PAID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub status: Option<String>,
    pub payment_option: Vec<PaymentOptionModelV3>,
}

impl InstallmentModel {
    fn to_input(
        &self,
        path: &str,
        option: &PaymentOptionModelV3,
        group: OptionGroup,
    ) -> Result<OptionInput, DomainError> {
        let at = |field: &str| format!("{path}.{field}");
        Ok(OptionInput {
            iuv: Iuv::parse(&at("iuv"), &self.iuv)?,
            nav: given(&self.nav)
                .map(|nav| NoticeNumber::parse(&at("nav"), nav))
                .transpose()?,
            amount: Amount::positive(&at("amount"), self.amount)?,
            description: Text140::parse(&at("description"), &self.description)?,
            is_partial_payment: option.installments.len() > 1,
            due_date: self.due_date,
            retention_date: option.retention_date,
            metadata: metadata(&at("installmentMetadata"), &self.installment_metadata)?,
            transfers: self
                .transfer
                .iter()
                .enumerate()
                .map(|(k, t)| t.to_input(&at(&format!("transfer[{k}]"))))
                .collect::<Result<_, _>>()?,
            group: Some(group),
        })
    }
}

impl PaymentPositionModelV3 {
    /// Checks every field and builds the domain input, one option per installment; errors
    /// name the field as the request has it (`paymentOption[1].installments[0].amount`).
    pub fn to_input(&self) -> Result<PositionInput, DomainError> {
        count_within(
            "paymentOption",
            self.payment_option.len(),
            MAX_V3_OPTIONS,
            "payment options",
        )?;
        let mut options = Vec::new();
        let mut debtors = Vec::new();
        for (i, option) in self.payment_option.iter().enumerate() {
            let path = format!("paymentOption[{i}]");
            count_within(
                &format!("{path}.installments"),
                option.installments.len(),
                MAX_V3_INSTALLMENTS,
                "installments",
            )?;
            let debtor = option
                .debtor
                .to_domain()
                .map_err(|e| e.within(&format!("{path}.debtor")))?;
            let description = Text::parse_optional(
                &format!("{path}.description"),
                option.description.as_deref(),
            )?;
            for (j, installment) in option.installments.iter().enumerate() {
                let group = OptionGroup {
                    index: i,
                    installment: j,
                    description: description.clone(),
                    debtor: debtor.clone(),
                    validity_date: option.validity_date,
                    switch_to_expired: option.switch_to_expired,
                };
                options.push(installment.to_input(
                    &format!("{path}.installments[{j}]"),
                    option,
                    group,
                )?);
            }
            debtors.push(debtor);
        }
        let Some(debtor) = debtors.into_iter().next() else {
            return Err(DomainError::invalid(
                "paymentOption",
                "at least one payment option is required",
            ));
        };
        Ok(PositionInput {
            iupd: Iupd::parse("iupd", &self.iupd)?,
            debtor,
            company_name: Text140::parse("companyName", &self.company_name)?,
            office_name: Text::parse_optional("officeName", self.office_name.as_deref())?,
            validity_date: self
                .payment_option
                .iter()
                .filter_map(|o| o.validity_date)
                .min(),
            switch_to_expired: self.payment_option.iter().all(|o| o.switch_to_expired),
            pay_stand_in: self.pay_stand_in.unwrap_or(true),
            options,
        })
    }

    /// The position as v3 answers a create, update or publish.
    pub fn from_domain(p: &Position, status: PositionStatus) -> Self {
        PaymentPositionModelV3 {
            iupd: p.iupd.to_string(),
            pay_stand_in: Some(p.pay_stand_in),
            company_name: p.company_name.to_string(),
            office_name: p.office_name.as_deref().map(str::to_owned),
            payment_date: p.payment_date,
            status: Some(status.v3().as_str().to_owned()),
            payment_option: p
                .plans()
                .iter()
                .map(|plan| {
                    let first = &p.options[plan[0]];
                    PaymentOptionModelV3 {
                        description: None,
                        validity_date: first.validity_date,
                        retention_date: first.retention_date,
                        switch_to_expired: first.switch_to_expired,
                        debtor: DebtorModel::from_domain(p.debtor_of(plan[0])),
                        installments: plan
                            .iter()
                            .map(|&i| installment_model(&p.options[i]))
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

fn installment_model(o: &PaymentOption) -> InstallmentModel {
    InstallmentModel {
        nav: Some(o.nav.to_string()),
        iuv: o.iuv.to_string(),
        amount: o.amount.cents(),
        description: o.description.to_string(),
        due_date: o.due_date,
        fee: Some(o.payment.fee.cents()),
        notification_fee: Some(o.notification_fee.cents()),
        status: Some(o.status.v3().to_owned()),
        transfer: o.transfers.iter().map(transfer_model).collect(),
        installment_metadata: Some(metadata_models(&o.metadata)),
    }
}

/// An installment as read back (GPD `InstallmentModelResponse`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallmentModelResponse {
    pub nav: String,
    pub iuv: String,
    pub organization_fiscal_code: String,
    pub amount: i64,
    pub description: String,
    #[serde(with = "datetime")]
    pub due_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub reporting_date: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psp_company: Option<String>,
    pub fee: i64,
    pub notification_fee: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_receipt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_flow_reporting: Option<String>,
    /// UNPAID, PAID, PARTIALLY_REPORTED or REPORTED.
    pub status: String,
    #[serde(with = "datetime")]
    pub last_updated_date: NaiveDateTime,
    pub installment_metadata: Vec<MetadataModel>,
    pub transfer: Vec<TransferModelResponse>,
}

/// A payment option as read back (GPD `PaymentOptionModelResponseV3`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOptionModelResponseV3 {
    pub switch_to_expired: bool,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub retention_date: Option<NaiveDateTime>,
    #[serde(with = "datetime")]
    pub inserted_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub validity_date: Option<NaiveDateTime>,
    pub debtor: DebtorModel,
    pub installments: Vec<InstallmentModelResponse>,
}

/// A debt position as read back through v3 (GPD `PaymentPositionModelResponseV3`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPositionModelResponseV3 {
    pub iupd: String,
    pub organization_fiscal_code: String,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    #[serde(with = "datetime")]
    pub inserted_date: NaiveDateTime,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub publish_date: Option<NaiveDateTime>,
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<NaiveDateTime>,
    /// DRAFT, PUBLISHED, VALID, UNPAYABLE, PARTIALLY_PAID or PAID.
    pub status: String,
    #[serde(with = "datetime")]
    pub last_updated_date: NaiveDateTime,
    pub payment_option: Vec<PaymentOptionModelResponseV3>,
}

impl PaymentPositionModelResponseV3 {
    pub fn from_domain(p: &Position, status: PositionStatus) -> Self {
        let org = p.organization_fiscal_code.to_string();
        PaymentPositionModelResponseV3 {
            iupd: p.iupd.to_string(),
            organization_fiscal_code: org.clone(),
            company_name: p.company_name.to_string(),
            office_name: p.office_name.as_deref().map(str::to_owned),
            inserted_date: p.inserted_date,
            publish_date: p.publish_date,
            payment_date: p.payment_date,
            status: status.v3().as_str().to_owned(),
            last_updated_date: p.last_updated_date,
            payment_option: p
                .plans()
                .iter()
                .map(|plan| {
                    let first = &p.options[plan[0]];
                    PaymentOptionModelResponseV3 {
                        switch_to_expired: first.switch_to_expired,
                        retention_date: first.retention_date,
                        inserted_date: first.inserted_date,
                        validity_date: first.validity_date,
                        debtor: DebtorModel::from_domain(p.debtor_of(plan[0])),
                        installments: plan
                            .iter()
                            .map(|&i| {
                                let o = &p.options[i];
                                InstallmentModelResponse {
                                    nav: o.nav.to_string(),
                                    iuv: o.iuv.to_string(),
                                    organization_fiscal_code: org.clone(),
                                    amount: o.amount.cents(),
                                    description: o.description.to_string(),
                                    due_date: o.due_date,
                                    payment_date: o.payment.payment_date,
                                    reporting_date: o.reporting_date,
                                    payment_method: o.payment.payment_method.clone(),
                                    psp_company: o.payment.psp_company.clone(),
                                    fee: o.payment.fee.cents(),
                                    notification_fee: o.notification_fee.cents(),
                                    id_receipt: o.payment.id_receipt.clone(),
                                    id_flow_reporting: o.id_flow_reporting.clone(),
                                    status: o.status.v3().to_owned(),
                                    last_updated_date: o.last_updated_date,
                                    installment_metadata: metadata_models(&o.metadata),
                                    transfer: o
                                        .transfers
                                        .iter()
                                        .map(TransferModelResponse::from_domain)
                                        .collect(),
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentPositionsInfoV3 {
    pub payment_position_list: Vec<PaymentPositionModelResponseV3>,
    pub page_info: PageInfo,
}
