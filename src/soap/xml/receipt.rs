//! One view over the two generated receipt types (`ctReceipt` of paSendRT and `ctReceiptV2` of
//! paSendRTV2), which carry the same fields under distinct Rust types.

use super::generated::{CtReceiptType, CtReceiptV2Type, CtSubjectType, StOutcomeType};
use crate::domain::Amount;

/// The fields both receipt versions share.
pub trait ReceiptFields {
    fn receipt_id(&self) -> &str;
    fn notice_number(&self) -> &str;
    fn fiscal_code(&self) -> &str;
    fn outcome(&self) -> &StOutcomeType;
    fn creditor_reference_id(&self) -> &str;
    fn payment_amount(&self) -> Amount;
    fn description(&self) -> &str;
    fn company_name(&self) -> &str;
    fn debtor(&self) -> &CtSubjectType;
    fn payer(&self) -> Option<&CtSubjectType>;
    fn id_psp(&self) -> &str;
    fn psp_fiscal_code(&self) -> Option<&str>;
    fn psp_company_name(&self) -> &str;
    fn id_channel(&self) -> &str;
    fn channel_description(&self) -> &str;
    fn payment_method(&self) -> Option<&str>;
    fn fee(&self) -> Option<Amount>;
    fn payment_date_time(&self) -> Option<&str>;
    fn application_date(&self) -> Option<&str>;
    fn transfer_date(&self) -> Option<&str>;
    /// Per transfer: fiscalCodePA, remittanceInformation, transferCategory.
    fn transfers(&self) -> Vec<(&str, &str, &str)>;
}

macro_rules! receipt_fields {
    ($type:ty) => {
        impl ReceiptFields for $type {
            fn receipt_id(&self) -> &str {
                &self.receipt_id
            }
            fn notice_number(&self) -> &str {
                &self.notice_number
            }
            fn fiscal_code(&self) -> &str {
                &self.fiscal_code
            }
            fn outcome(&self) -> &StOutcomeType {
                &self.outcome
            }
            fn creditor_reference_id(&self) -> &str {
                &self.creditor_reference_id
            }
            fn payment_amount(&self) -> Amount {
                self.payment_amount
            }
            fn description(&self) -> &str {
                &self.description
            }
            fn company_name(&self) -> &str {
                &self.company_name
            }
            fn debtor(&self) -> &CtSubjectType {
                &self.debtor
            }
            fn payer(&self) -> Option<&CtSubjectType> {
                self.payer.as_ref()
            }
            fn id_psp(&self) -> &str {
                &self.id_psp
            }
            fn psp_fiscal_code(&self) -> Option<&str> {
                self.psp_fiscal_code.as_deref()
            }
            fn psp_company_name(&self) -> &str {
                &self.psp_company_name
            }
            fn id_channel(&self) -> &str {
                &self.id_channel
            }
            fn channel_description(&self) -> &str {
                &self.channel_description
            }
            fn payment_method(&self) -> Option<&str> {
                self.payment_method.as_deref()
            }
            fn fee(&self) -> Option<Amount> {
                self.fee
            }
            fn payment_date_time(&self) -> Option<&str> {
                self.payment_date_time.as_deref()
            }
            fn application_date(&self) -> Option<&str> {
                self.application_date.as_deref()
            }
            fn transfer_date(&self) -> Option<&str> {
                self.transfer_date.as_deref()
            }
            fn transfers(&self) -> Vec<(&str, &str, &str)> {
                self.transfer_list
                    .transfer
                    .iter()
                    .map(|t| {
                        (
                            t.fiscal_code_pa.as_str(),
                            t.remittance_information.as_str(),
                            t.transfer_category.as_str(),
                        )
                    })
                    .collect()
            }
        }
    };
}

receipt_fields!(CtReceiptType);
receipt_fields!(CtReceiptV2Type);
