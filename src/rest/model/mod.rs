//! JSON models of GPD's v1 API (same field names), and their conversion to domain input.

mod beneficiary;
mod callback;
pub mod datetime;
mod debtor;
mod input;
mod json;
mod request;
mod response;
mod v3;

pub use beneficiary::{BeneficiaryModel, StampModel};
pub use callback::{CallbackAnswerModel, CallbackRequestModel};
pub use debtor::{DebtorModel, DebtorTypeModel};
pub(crate) use input::{check_iban, count_within, payment_from_pay_model};
pub use json::parse_json;
pub use request::{
    AlreadyPaidPaymentOptionModel, MetadataModel, MultipleIUPDModel, MultiplePaymentPositionModel,
    NotificationFeeUpdateModel, PayPaymentOptionModel, PaymentOptionModel, PaymentPositionModel,
    TransferModel, UpdateTransferIbanMassiveModel,
};
pub use response::{
    AppInfo, PageInfo, PaymentOptionModelResponse, PaymentPositionModelBaseResponse,
    PaymentPositionsInfo, PaymentsWithDebtorInfoModelResponse, ProblemJson, TransferModelResponse,
    UpdateTransferIbanMassiveResponse,
};
pub use v3::{
    InstallmentModel, InstallmentModelResponse, PaymentOptionModelResponseV3, PaymentOptionModelV3,
    PaymentPositionModelResponseV3, PaymentPositionModelV3, PaymentPositionsInfoV3,
};
