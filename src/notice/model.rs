//! What a notice shows, built from a position and the institution's data: pure, no layout.

use chrono::NaiveDateTime;

use super::format;
use crate::domain::{
    Amount, Beneficiary, NoticeNumber, OrgFiscalCode, PaymentOption, Position, PositionStatus,
};

/// The postal document type of the "bollettino postale PA".
pub const POSTE_DOCUMENT_TYPE: &str = "896";

/// The institution as its notices present it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    pub fiscal_code: OrgFiscalCode,
    pub name: String,
    /// Printed in the header.
    pub logo: Option<std::sync::Arc<super::logo::Prepared>>,
    /// Poste's authorization to print its own postal forms; without it no postal form is printed.
    pub poste_authorization: Option<String>,
    /// Holder of the postal accounts; the institution's name when not set.
    pub postal_holder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    pub name: String,
    pub fiscal_code: String,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A single option: pays the whole position.
    Single,
    /// Installment `number` of `of` of the plan.
    Installment { number: usize, of: usize },
}

/// The postal form of one payable item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalForm {
    /// 12 digits, from the postal IBAN.
    pub account: String,
    pub holder: String,
    pub authorization: String,
    /// Content of the data matrix (one char per byte, ISO-8859-1).
    pub data_matrix: String,
}

/// One payment block: a single option or an installment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: ItemKind,
    pub amount: Amount,
    pub due_date: NaiveDateTime,
    pub notice_number: NoticeNumber,
    pub subject: String,
    /// Content of the QR code.
    pub qr: String,
    pub postal: Option<PostalForm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub iupd: String,
    pub institution: Institution,
    pub subject: String,
    pub debtor: Debtor,
    /// Single options first, then the installments by due date.
    pub items: Vec<Item>,
}

impl Notice {
    pub fn singles(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.kind == ItemKind::Single)
    }

    pub fn installments(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.kind != ItemKind::Single)
    }
}

/// Why a position has no notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotPayable {
    #[error("debt position {0} is a draft: publish it to print its notice")]
    Draft(String),
    #[error("debt position {0} is {1}: it has nothing left to pay")]
    Closed(String, PositionStatus),
    #[error("debt position {0} has no payment option left to pay")]
    NothingUnpaid(String),
}

/// `PAGOPA|002|<notice number>|<institution fiscal code>|<amount in cents>`.
pub fn qr_content(nav: &NoticeNumber, org: &OrgFiscalCode, amount: Amount) -> String {
    format!("PAGOPA|002|{nav}|{org}|{}", amount.cents())
}

/// The postal form's data matrix content, as PagoPA's generator builds it.
pub fn data_matrix_content(
    nav: &NoticeNumber,
    account: &str,
    amount: Amount,
    org: &OrgFiscalCode,
    debtor: &Debtor,
    subject: &str,
) -> String {
    let latin1 = |s: &str| -> String {
        s.chars()
            .map(|c| if (c as u32) < 0x100 { c } else { '?' })
            .collect()
    };
    format!(
        "codfase=NBPA;18{}12{}10{}3{POSTE_DOCUMENT_TYPE}1P1{}{}{}{}{}A",
        format::zero_padded(nav.as_str(), 18),
        format::zero_padded(account, 12),
        format::zero_padded(&amount.cents().to_string(), 10),
        format::fixed(org.as_str(), 11),
        format::fixed(&debtor.fiscal_code, 16),
        format::fixed(&latin1(&debtor.name), 40),
        format::fixed(&latin1(subject), 110),
        " ".repeat(12),
    )
}

/// The postal account (12 digits) of an Italian postal IBAN: its last 12 characters.
fn postal_account(iban: &str) -> Option<String> {
    let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    let account = compact.get(compact.len().checked_sub(12)?..)?;
    (compact.starts_with("IT") && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_owned())
}

/// The debtor printed for an option: its own (v3) or the position's.
fn debtor_of(position: &Position, option: &PaymentOption) -> Debtor {
    let d = option.debtor.as_ref().unwrap_or(&position.debtor);
    let a = &d.address;
    let street = [a.street_name.as_deref(), a.civic_number.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let city = [
        a.postal_code.as_deref(),
        a.city.as_deref(),
        a.province.as_deref().map(|p| format!("({p})")).as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let address = [street, city]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Debtor {
        name: d.full_name.as_str().to_owned(),
        fiscal_code: d.fiscal_code.as_str().to_owned(),
        address: (!address.is_empty()).then_some(address),
    }
}

/// The options a payer may still pay, as the Nodo would accept them: the position is PUBLISHED,
/// VALID or PARTIALLY_PAID at `now`, and each option is unpaid and not superseded by a payment
/// of another option or plan.
pub fn payable_options(
    position: &Position,
    now: NaiveDateTime,
) -> Result<Vec<&PaymentOption>, NotPayable> {
    let iupd = position.iupd.as_str().to_owned();
    match position.status_at(now) {
        PositionStatus::Published | PositionStatus::Valid | PositionStatus::PartiallyPaid => {}
        PositionStatus::Draft => return Err(NotPayable::Draft(iupd)),
        other => return Err(NotPayable::Closed(iupd, other)),
    }
    let options: Vec<&PaymentOption> = position
        .options
        .iter()
        .enumerate()
        .filter(|(i, o)| !o.progressed() && !position.has_paid_alternative(*i))
        .map(|(_, o)| o)
        .collect();
    if options.is_empty() {
        return Err(NotPayable::NothingUnpaid(iupd));
    }
    Ok(options)
}

/// The notice of `position`, or why it has none.
pub fn build(
    position: &Position,
    institution: &Institution,
    now: NaiveDateTime,
) -> Result<Notice, NotPayable> {
    let payable = payable_options(position, now)?;
    let debtor = debtor_of(position, payable[0]);
    let by_due = |a: &&PaymentOption, b: &&PaymentOption| {
        (a.due_date, a.nav.as_str()).cmp(&(b.due_date, b.nav.as_str()))
    };
    let mut singles: Vec<&PaymentOption> = payable
        .iter()
        .copied()
        .filter(|o| !o.is_partial_payment)
        .collect();
    singles.sort_by(by_due);
    let mut installments: Vec<&PaymentOption> = payable
        .iter()
        .copied()
        .filter(|o| o.is_partial_payment)
        .collect();
    installments.sort_by(by_due);
    // Installments are numbered within their whole plan, paid ones included.
    let number = |o: &PaymentOption| {
        let mut plan: Vec<&PaymentOption> = position
            .options
            .iter()
            .filter(|p| p.is_partial_payment && p.plan_id == o.plan_id)
            .collect();
        plan.sort_by(by_due);
        let index = plan.iter().position(|p| p.nav == o.nav).unwrap_or(0);
        ItemKind::Installment {
            number: index + 1,
            of: plan.len(),
        }
    };
    let item = |o: &PaymentOption, kind: ItemKind| {
        let postal = match (
            o.transfers.first().map(|t| &t.beneficiary),
            &institution.poste_authorization,
        ) {
            (
                Some(Beneficiary::Iban {
                    postal_iban: Some(iban),
                    ..
                }),
                Some(authorization),
            ) => postal_account(iban.as_str()).map(|account| PostalForm {
                data_matrix: data_matrix_content(
                    &o.nav,
                    &account,
                    o.amount,
                    &institution.fiscal_code,
                    &debtor_of(position, o),
                    o.description.as_str(),
                ),
                account,
                holder: institution
                    .postal_holder
                    .clone()
                    .unwrap_or_else(|| institution.name.clone()),
                authorization: authorization.clone(),
            }),
            _ => None,
        };
        Item {
            kind,
            amount: o.amount,
            due_date: o.due_date,
            notice_number: o.nav.clone(),
            subject: o.description.as_str().to_owned(),
            qr: qr_content(&o.nav, &institution.fiscal_code, o.amount),
            postal,
        }
    };
    let mut items: Vec<Item> = singles.iter().map(|o| item(o, ItemKind::Single)).collect();
    items.extend(installments.iter().map(|o| item(o, number(o))));
    let subject = items.first().map(|i| i.subject.clone()).unwrap_or_default();
    Ok(Notice {
        iupd: position.iupd.as_str().to_owned(),
        institution: institution.clone(),
        subject,
        debtor,
        items,
    })
}
