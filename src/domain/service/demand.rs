//! From a citizen's demand for a service to the debt position that answers it.

use chrono::{Duration, NaiveDateTime, NaiveTime};
use sha2::{Digest, Sha256};

use super::{Account, AmountSource, Service, Values};
use crate::domain::error::DomainError;
use crate::domain::fields::{DebtorFiscalCode, Text140};
use crate::domain::ids::{Iupd, Iuv, NoticeNumber, TransferId};
use crate::domain::money::Amount;
use crate::domain::org::Organization;
use crate::domain::position::{
    Address, Beneficiary, Debtor, DebtorType, Metadata, OptionInput, PositionInput, TransferInput,
};

/// How long a repeated demand (same institution, service and properties) answers the notice
/// already created, while it is unpaid.
pub const REPLAY_WINDOW_MINUTES: i64 = 10;

/// What the position of a demand holds besides the service's defaults: the amount, and what
/// the institution's callback may add.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub amount: Amount,
    pub description: Option<Text140>,
    pub due_date: Option<NaiveDateTime>,
    pub debtor: Option<Debtor>,
    pub transfers: Option<Vec<TransferInput>>,
    pub metadata: Vec<Metadata>,
}

impl Priced {
    pub fn amount(amount: Amount) -> Self {
        Self {
            amount,
            description: None,
            due_date: None,
            debtor: None,
            transfers: None,
            metadata: Vec::new(),
        }
    }
}

/// Where the price of a demand comes from, once the service and what was typed are known.
#[derive(Debug, Clone, PartialEq)]
pub enum Pricing {
    /// Fixed by the service, or typed by the citizen.
    Known(Box<Priced>),
    /// The institution's callback at this URL must be asked.
    Callback(String),
}

pub fn pricing(service: &Service, values: &Values) -> Result<Pricing, DomainError> {
    match &service.amount {
        AmountSource::Fixed(amount) => Ok(Pricing::Known(Box::new(Priced::amount(*amount)))),
        AmountSource::Property { name, .. } => values
            .amount
            .map(|a| Pricing::Known(Box::new(Priced::amount(a))))
            .ok_or_else(|| DomainError::invalid(name.as_str(), "the amount is required")),
        AmountSource::Callback { url } => Ok(Pricing::Callback(url.clone())),
    }
}

/// A stable digest of the demand, to recognise the Nodo repeating it.
pub fn request_hash(org: &Organization, service: &Service, values: &Values) -> String {
    let mut h = Sha256::new();
    for part in [org.fiscal_code.as_str(), service.id.as_str()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for (name, value) in &values.fields {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The IUPD of the position a demand creates: `SPONT-<serviceId>-<iuv>`.
pub fn iupd_for(service: &Service, iuv: &Iuv) -> Result<Iupd, DomainError> {
    Iupd::parse("iupd", &format!("SPONT-{}-{iuv}", service.id))
}

/// The debtor of a demand that names nobody: `ANONIMO`, a person.
pub const ANONYMOUS: &str = "ANONIMO";

fn anonymous() -> Result<Debtor, DomainError> {
    Ok(Debtor {
        kind: DebtorType::Person,
        fiscal_code: DebtorFiscalCode::parse("fiscalCode", ANONYMOUS)?,
        full_name: Text140::parse("fullName", ANONYMOUS)?,
        address: Address::default(),
        email: None,
        phone: None,
    })
}

/// The end of the day `days` after `now`.
fn due_after(now: NaiveDateTime, days: u32) -> NaiveDateTime {
    let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
    (now.date() + Duration::days(i64::from(days))).and_time(end)
}

/// The (published) position answering a demand, for the IUV allocated to it.
pub fn position_input(
    org: &Organization,
    service: &Service,
    priced: Priced,
    iuv: Iuv,
    nav: NoticeNumber,
    now: NaiveDateTime,
) -> Result<PositionInput, DomainError> {
    let transfers = match priced.transfers {
        Some(t) => t,
        None => {
            let beneficiary = match &service.account {
                Account::Iban(i) => Beneficiary::Iban {
                    iban: i.clone(),
                    postal_iban: None,
                },
                Account::PostalIban(i) => Beneficiary::Iban {
                    iban: i.clone(),
                    postal_iban: Some(i.clone()),
                },
            };
            vec![TransferInput {
                id: TransferId::FIRST,
                amount: priced.amount,
                organization_fiscal_code: None,
                company_name: None,
                remittance_information: service.remittance().clone(),
                category: service.category.clone(),
                beneficiary,
                metadata: Vec::new(),
            }]
        }
    };
    Ok(PositionInput {
        iupd: iupd_for(service, &iuv)?,
        debtor: match priced.debtor {
            Some(d) => d,
            None => anonymous()?,
        },
        company_name: Text140::parse("companyName", &org.name)?,
        office_name: Text140::parse_optional("officeName", org.office_name.as_deref())?,
        validity_date: None,
        switch_to_expired: false,
        pay_stand_in: false,
        options: vec![OptionInput {
            iuv,
            nav: Some(nav),
            amount: priced.amount,
            description: priced
                .description
                .unwrap_or_else(|| service.description.clone()),
            is_partial_payment: false,
            due_date: priced
                .due_date
                .unwrap_or_else(|| due_after(now, service.due_in_days)),
            retention_date: None,
            group: None,
            metadata: priced.metadata,
            transfers,
        }],
    })
}
