//! What the pagoPA Nodo may do with a notice: the payability rules behind paVerifyPaymentNotice
//! and paGetPayment, the receipts of paSendRT, and the fault codes of the EC domain.

use chrono::NaiveDateTime;

use super::ids::NoticeNumber;
use super::money::Amount;
use super::position::{PaymentDetails, Position, PositionStatus};

/// A refusal toward the Nodo, with its pagoPA fault code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodoFault {
    #[error("the request does not match the schema: {0}")]
    Syntax(String),
    #[error("{0}")]
    Semantic(String),
    #[error("the institution {0} is not served by this station")]
    UnknownDomain(String),
    #[error("the broker {0} does not intermediate this institution")]
    WrongBroker(String),
    #[error("the station {0} is not linked to this institution")]
    WrongStation(String),
    #[error("the notice is unknown")]
    Unknown,
    #[error("the notice has expired")]
    Expired,
    #[error("the notice was cancelled by the institution")]
    Cancelled,
    #[error("the notice is already paid")]
    AlreadyPaid,
    #[error("the receipt conflicts with a payment already recorded for this notice")]
    DuplicateReceipt,
    #[error("temporary failure of the institution's system; retry")]
    System,
    /// A spontaneous payment the institution does not offer, or has nothing to charge for.
    #[error("{0}")]
    UnknownService(String),
    /// The institution's system failed in a way worth telling the Nodo's operators.
    #[error("{0}")]
    Unavailable(String),
}

impl NodoFault {
    pub fn code(&self) -> &'static str {
        match self {
            NodoFault::Syntax(_) => "PAA_SINTASSI_XSD",
            NodoFault::Semantic(_) => "PAA_SEMANTICA",
            NodoFault::UnknownDomain(_) => "PAA_ID_DOMINIO_ERRATO",
            NodoFault::WrongBroker(_) => "PAA_ID_INTERMEDIARIO_ERRATO",
            NodoFault::WrongStation(_) => "PAA_STAZIONE_INT_ERRATA",
            NodoFault::Unknown => "PAA_PAGAMENTO_SCONOSCIUTO",
            NodoFault::Expired => "PAA_PAGAMENTO_SCADUTO",
            NodoFault::Cancelled => "PAA_PAGAMENTO_ANNULLATO",
            NodoFault::AlreadyPaid => "PAA_PAGAMENTO_DUPLICATO",
            NodoFault::DuplicateReceipt => "PAA_RECEIPT_DUPLICATA",
            NodoFault::System | NodoFault::Unavailable(_) => "PAA_SYSTEM_ERROR",
            NodoFault::UnknownService(_) => "PAA_PAGAMENTO_SCONOSCIUTO",
        }
    }

    /// The short faultString; the longer `description` is the Display text.
    pub fn fault_string(&self) -> &'static str {
        match self {
            NodoFault::Syntax(_) => "Invalid request syntax",
            NodoFault::Semantic(_) => "Semantic error",
            NodoFault::UnknownDomain(_) => "Unknown institution",
            NodoFault::WrongBroker(_) => "Wrong broker",
            NodoFault::WrongStation(_) => "Wrong station",
            NodoFault::Unknown => "Unknown notice",
            NodoFault::Expired => "Expired notice",
            NodoFault::Cancelled => "Cancelled notice",
            NodoFault::AlreadyPaid => "Notice already paid",
            NodoFault::DuplicateReceipt => "Duplicate receipt",
            NodoFault::System | NodoFault::Unavailable(_) => "System error",
            NodoFault::UnknownService(_) => "Unknown service",
        }
    }
}

/// The option of `position` the Nodo may collect for this notice number, or why not.
pub fn payable_option(
    position: &Position,
    notice: &str,
    now: NaiveDateTime,
) -> Result<usize, NodoFault> {
    let index = position
        .options
        .iter()
        .position(|o| o.nav.as_str() == notice)
        .ok_or(NodoFault::Unknown)?;
    let option = &position.options[index];
    if option.validity_date.is_some_and(|v| v > now) {
        return Err(NodoFault::Unknown);
    }
    if option.progressed() || position.has_paid_alternative(index) {
        return Err(NodoFault::AlreadyPaid);
    }
    match position.status_at(now) {
        PositionStatus::Paid | PositionStatus::Reported => Err(NodoFault::AlreadyPaid),
        PositionStatus::Invalid => Err(NodoFault::Cancelled),
        PositionStatus::Expired => Err(NodoFault::Expired),
        PositionStatus::Draft | PositionStatus::Published => Err(NodoFault::Unknown),
        PositionStatus::Valid | PositionStatus::PartiallyPaid if option.is_expired_at(now) => {
            Err(NodoFault::Expired)
        }
        PositionStatus::Valid | PositionStatus::PartiallyPaid => Ok(index),
    }
}

/// A receipt (paSendRT / paSendRTV2), as far as the gateway acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub receipt_id: String,
    pub notice_number: NoticeNumber,
    /// Fiscal code of the institution that owns the notice.
    pub fiscal_code: String,
    pub outcome_ok: bool,
    pub creditor_reference_id: String,
    pub payment_amount: Amount,
    pub fee: Option<Amount>,
    pub payment_date_time: Option<NaiveDateTime>,
    pub id_psp: String,
    pub psp_fiscal_code: Option<String>,
    pub psp_company: String,
    pub payment_method: Option<String>,
    pub debtor_id: Option<String>,
    pub payer: Option<Payer>,
    /// 1 for paSendRT, 2 for paSendRTV2.
    pub version: u8,
}

/// Who paid, when the receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    /// `F` (natural person) or `G` (legal person).
    pub kind: String,
    pub fiscal_code: String,
    pub full_name: String,
    pub email: Option<String>,
}

impl Receipt {
    pub fn payment_details(&self, now: NaiveDateTime) -> PaymentDetails {
        PaymentDetails {
            payment_date: Some(self.payment_date_time.unwrap_or(now)),
            payment_method: self.payment_method.clone(),
            psp_code: Some(self.id_psp.clone()),
            psp_tax_code: self.psp_fiscal_code.clone(),
            psp_company: Some(self.psp_company.clone()),
            id_receipt: Some(self.receipt_id.clone()),
            fee: self.fee.unwrap_or_default(),
        }
    }
}

/// What became of a stored receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptStatus {
    /// It paid the option.
    Applied,
    /// The option was already paid by another receipt; kept for audit.
    Duplicate,
    /// No notice of ours (broadcast station); kept.
    Unmatched,
    /// A copy for a secondary beneficiary of the transfers; kept.
    Secondary,
}

impl ReceiptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptStatus::Applied => "APPLIED",
            ReceiptStatus::Duplicate => "DUPLICATE",
            ReceiptStatus::Unmatched => "UNMATCHED",
            ReceiptStatus::Secondary => "SECONDARY",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Applied,
            Self::Duplicate,
            Self::Unmatched,
            Self::Secondary,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}
