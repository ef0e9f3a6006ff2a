//! The debt position aggregate: position -> payment options -> transfers, its state machine
//! and every rule that guards a change (the read-time status is in `domain::status`).

mod build;
mod choices;
mod kinds;
mod lifecycle;
mod model;
mod payment;
mod validate;

pub use choices::{Choice, InstallmentChoice, Payability};
pub use kinds::{DebtorType, OptionStatus, PositionStatus, PositionStatusV3, TransferStatus};
pub use model::*;

/// Reserved metadata key: GPD writes the SEND notification fee under it.
pub const RESERVED_METADATA_KEY: &str = "NOTIFICATION_FEE";
pub const MAX_METADATA: usize = 10;
pub const MAX_OPTIONS: usize = 100;
/// Installments of all payment options of a v3 position together.
pub const MAX_INSTALLMENTS: usize = 1000;
/// Plan id of an option that is not an installment.
pub const SINGLE_OPTION_PLAN: &str = "SINGLE_OPTION";
/// Receipt id and PSP name GPD writes when the institution marks an option as paid itself.
pub const PAID_BY_EC: &str = "CLOSED_AS_ALREADY_PAID_BY_EC";
