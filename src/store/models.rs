//! Rows as stored, and their conversion to and from the domain aggregate.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{payment_options, payment_positions, transfers};
use super::StoreError;
use crate::domain::{
    Address, Amount, Beneficiary, CountryCode, Debtor, DebtorFiscalCode, DebtorType, DomainError,
    Email, Iban, Iupd, Iuv, Metadata, NoticeNumber, OptionStatus, OrgFiscalCode, PaymentDetails,
    PaymentOption, Position, PositionStatus, ProvinceCode, Stamp, StampHash, StampType, Text,
    Transfer, TransferId, TransferStatus,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = payment_positions, treat_none_as_null = true)]
pub struct PositionRecord {
    pub organization_fiscal_code: String,
    pub iupd: String,
    pub company_name: String,
    pub office_name: Option<String>,
    pub debtor_type: String,
    pub fiscal_code: String,
    pub full_name: String,
    pub street_name: Option<String>,
    pub civic_number: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub pay_stand_in: bool,
    pub status: String,
    pub inserted_date: NaiveDateTime,
    pub publish_date: Option<NaiveDateTime>,
    pub last_updated_date: NaiveDateTime,
    pub payment_date: Option<NaiveDateTime>,
    pub min_due_date: NaiveDateTime,
    pub max_due_date: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = payment_options, treat_none_as_null = true)]
pub struct OptionRecord {
    pub payment_position_id: i64,
    pub organization_fiscal_code: String,
    pub iuv: String,
    pub nav: String,
    pub payment_plan_id: String,
    pub amount: i64,
    pub description: String,
    pub is_partial_payment: bool,
    pub due_date: NaiveDateTime,
    pub retention_date: Option<NaiveDateTime>,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub notification_fee: i64,
    pub status: String,
    pub payment_date: Option<NaiveDateTime>,
    pub payment_method: Option<String>,
    pub psp_code: Option<String>,
    pub psp_tax_code: Option<String>,
    pub psp_company: Option<String>,
    pub id_receipt: Option<String>,
    pub fee: i64,
    pub reporting_date: Option<NaiveDateTime>,
    pub id_flow_reporting: Option<String>,
    pub metadata: String,
    pub inserted_date: NaiveDateTime,
    pub last_updated_date: NaiveDateTime,
    pub last_updated_date_notification_fee: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = transfers, treat_none_as_null = true)]
pub struct TransferRecord {
    pub payment_option_id: i64,
    pub transfer_id: i32,
    pub organization_fiscal_code: String,
    pub company_name: Option<String>,
    pub amount: i64,
    pub remittance_information: String,
    pub category: String,
    pub iban: Option<String>,
    pub postal_iban: Option<String>,
    pub hash_document: Option<String>,
    pub stamp_type: Option<String>,
    pub provincial_residence: Option<String>,
    pub metadata: String,
    pub status: String,
    pub inserted_date: NaiveDateTime,
    pub last_updated_date: NaiveDateTime,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unexpected {what} '{value}'"))
}

/// A stored value that fails its domain rule: the data is corrupt, the request is not at fault.
fn stored<T>(parsed: Result<T, DomainError>) -> Result<T, StoreError> {
    parsed.map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn metadata_json(metadata: &[Metadata]) -> String {
    serde_json::to_string(metadata).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_metadata(text: &str) -> Result<Vec<Metadata>, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("metadata", text))
}

fn amount(cents: i64) -> Result<Amount, StoreError> {
    Amount::from_cents(cents).map_err(|_| corrupt("amount", &cents.to_string()))
}

impl PositionRecord {
    pub fn from_domain(p: &Position) -> Self {
        let d = &p.debtor;
        let never = NaiveDateTime::default();
        PositionRecord {
            organization_fiscal_code: p.organization_fiscal_code.to_string(),
            iupd: p.iupd.to_string(),
            company_name: p.company_name.to_string(),
            office_name: p.office_name.clone().map(String::from),
            debtor_type: d.kind.as_str().to_owned(),
            fiscal_code: d.fiscal_code.to_string(),
            full_name: d.full_name.to_string(),
            street_name: d.address.street_name.clone().map(String::from),
            civic_number: d.address.civic_number.clone().map(String::from),
            postal_code: d.address.postal_code.clone().map(String::from),
            city: d.address.city.clone().map(String::from),
            province: d.address.province.clone().map(String::from),
            region: d.address.region.clone().map(String::from),
            country: d.address.country.clone().map(String::from),
            email: d.email.clone().map(String::from),
            phone: d.phone.clone().map(String::from),
            validity_date: p.validity_date,
            switch_to_expired: p.switch_to_expired,
            pay_stand_in: p.pay_stand_in,
            status: p.status.as_str().to_owned(),
            inserted_date: p.inserted_date,
            publish_date: p.publish_date,
            last_updated_date: p.last_updated_date,
            payment_date: p.payment_date,
            min_due_date: p.min_due_date().unwrap_or(never),
            max_due_date: p.max_due_date().unwrap_or(never),
            version: p.version,
        }
    }
}

impl OptionRecord {
    pub fn from_domain(position_id: i64, org: &OrgFiscalCode, o: &PaymentOption) -> Self {
        OptionRecord {
            payment_position_id: position_id,
            organization_fiscal_code: org.to_string(),
            iuv: o.iuv.to_string(),
            nav: o.nav.to_string(),
            payment_plan_id: o.plan_id.clone(),
            amount: o.amount.cents(),
            description: o.description.to_string(),
            is_partial_payment: o.is_partial_payment,
            due_date: o.due_date,
            retention_date: o.retention_date,
            validity_date: o.validity_date,
            switch_to_expired: o.switch_to_expired,
            notification_fee: o.notification_fee.cents(),
            status: o.status.as_str().to_owned(),
            payment_date: o.payment.payment_date,
            payment_method: o.payment.payment_method.clone(),
            psp_code: o.payment.psp_code.clone(),
            psp_tax_code: o.payment.psp_tax_code.clone(),
            psp_company: o.payment.psp_company.clone(),
            id_receipt: o.payment.id_receipt.clone(),
            fee: o.payment.fee.cents(),
            reporting_date: o.reporting_date,
            id_flow_reporting: o.id_flow_reporting.clone(),
            metadata: metadata_json(&o.metadata),
            inserted_date: o.inserted_date,
            last_updated_date: o.last_updated_date,
            last_updated_date_notification_fee: o.last_updated_date_notification_fee,
        }
    }
}

impl TransferRecord {
    pub fn from_domain(option_id: i64, t: &Transfer) -> Self {
        let (iban, postal_iban, stamp) = match &t.beneficiary {
            Beneficiary::Iban { iban, postal_iban } => (
                Some(iban.to_string()),
                postal_iban.clone().map(String::from),
                None,
            ),
            Beneficiary::Stamp(stamp) => (None, None, Some(stamp)),
        };
        TransferRecord {
            payment_option_id: option_id,
            transfer_id: i32::from(t.id.get()),
            organization_fiscal_code: t.organization_fiscal_code.to_string(),
            company_name: t.company_name.clone().map(String::from),
            amount: t.amount.cents(),
            remittance_information: t.remittance_information.to_string(),
            category: t.category.to_string(),
            iban,
            postal_iban,
            hash_document: stamp.map(|s| s.hash_document.to_string()),
            stamp_type: stamp.map(|s| s.stamp_type.to_string()),
            provincial_residence: stamp.map(|s| s.provincial_residence.to_string()),
            metadata: metadata_json(&t.metadata),
            status: t.status.as_str().to_owned(),
            inserted_date: t.inserted_date,
            last_updated_date: t.last_updated_date,
        }
    }

    fn into_domain(self) -> Result<Transfer, StoreError> {
        let beneficiary = match (
            self.iban,
            self.hash_document,
            self.stamp_type,
            self.provincial_residence,
        ) {
            (Some(iban), _, _, _) => Beneficiary::Iban {
                iban: stored(Iban::parse("iban", &iban))?,
                postal_iban: stored(
                    self.postal_iban
                        .as_deref()
                        .map(|p| Iban::parse("postal_iban", p))
                        .transpose(),
                )?,
            },
            (None, Some(hash), Some(kind), Some(province)) => Beneficiary::Stamp(Stamp {
                hash_document: stored(StampHash::parse("hash_document", &hash))?,
                stamp_type: stored(StampType::parse("stamp_type", &kind))?,
                provincial_residence: stored(ProvinceCode::parse(
                    "provincial_residence",
                    &province,
                ))?,
            }),
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "transfer {} has no beneficiary",
                    self.transfer_id
                )))
            }
        };
        Ok(Transfer {
            id: TransferId::from_number(self.transfer_id)
                .ok_or_else(|| corrupt("transfer id", &self.transfer_id.to_string()))?,
            amount: amount(self.amount)?,
            organization_fiscal_code: OrgFiscalCode::parse(
                "organizationFiscalCode",
                &self.organization_fiscal_code,
            )?,
            company_name: stored(Text::parse_optional(
                "company_name",
                self.company_name.as_deref(),
            ))?,
            remittance_information: stored(Text::parse(
                "remittance_information",
                &self.remittance_information,
            ))?,
            category: stored(Text::parse("category", &self.category))?,
            beneficiary,
            metadata: parse_metadata(&self.metadata)?,
            status: TransferStatus::parse(&self.status)
                .ok_or_else(|| corrupt("transfer status", &self.status))?,
            inserted_date: self.inserted_date,
            last_updated_date: self.last_updated_date,
        })
    }
}

impl OptionRecord {
    fn into_domain(self, transfers: Vec<Transfer>) -> Result<PaymentOption, StoreError> {
        Ok(PaymentOption {
            iuv: Iuv::parse("iuv", &self.iuv)?,
            nav: NoticeNumber::parse("nav", &self.nav)?,
            plan_id: self.payment_plan_id,
            amount: amount(self.amount)?,
            description: stored(Text::parse("description", &self.description))?,
            is_partial_payment: self.is_partial_payment,
            due_date: self.due_date,
            retention_date: self.retention_date,
            validity_date: self.validity_date,
            switch_to_expired: self.switch_to_expired,
            notification_fee: amount(self.notification_fee)?,
            status: OptionStatus::parse(&self.status)
                .ok_or_else(|| corrupt("option status", &self.status))?,
            payment: PaymentDetails {
                payment_date: self.payment_date,
                payment_method: self.payment_method,
                psp_code: self.psp_code,
                psp_tax_code: self.psp_tax_code,
                psp_company: self.psp_company,
                id_receipt: self.id_receipt,
                fee: amount(self.fee)?,
            },
            reporting_date: self.reporting_date,
            id_flow_reporting: self.id_flow_reporting,
            metadata: parse_metadata(&self.metadata)?,
            transfers,
            inserted_date: self.inserted_date,
            last_updated_date: self.last_updated_date,
            last_updated_date_notification_fee: self.last_updated_date_notification_fee,
        })
    }
}

/// Assembles positions from their rows (options in insertion order, as queried).
pub fn assemble(
    positions: Vec<(i64, PositionRecord)>,
    options: Vec<(i64, OptionRecord)>,
    transfers: Vec<TransferRecord>,
) -> Result<Vec<Position>, StoreError> {
    let mut by_option: std::collections::HashMap<i64, Vec<Transfer>> =
        std::collections::HashMap::new();
    for t in transfers {
        by_option
            .entry(t.payment_option_id)
            .or_default()
            .push(t.into_domain()?);
    }
    let mut by_position: std::collections::HashMap<i64, Vec<PaymentOption>> =
        std::collections::HashMap::new();
    for (option_id, o) in options {
        let mut ts = by_option.remove(&option_id).unwrap_or_default();
        ts.sort_by_key(|t| t.id);
        let position_id = o.payment_position_id;
        by_position
            .entry(position_id)
            .or_default()
            .push(o.into_domain(ts)?);
    }
    let optional =
        |column: &str, value: Option<String>| Text::parse_optional(column, value.as_deref());
    positions
        .into_iter()
        .map(|(id, r)| {
            let opts = by_position.remove(&id).unwrap_or_default();
            Ok(Position {
                id: Some(id),
                organization_fiscal_code: OrgFiscalCode::parse(
                    "organizationFiscalCode",
                    &r.organization_fiscal_code,
                )?,
                iupd: Iupd::parse("iupd", &r.iupd)?,
                debtor: Debtor {
                    kind: DebtorType::parse(&r.debtor_type)
                        .ok_or_else(|| corrupt("debtor type", &r.debtor_type))?,
                    fiscal_code: stored(DebtorFiscalCode::parse("fiscal_code", &r.fiscal_code))?,
                    full_name: stored(Text::parse("full_name", &r.full_name))?,
                    address: Address {
                        street_name: stored(optional("street_name", r.street_name))?,
                        civic_number: stored(optional("civic_number", r.civic_number))?,
                        postal_code: stored(optional("postal_code", r.postal_code))?,
                        city: stored(optional("city", r.city))?,
                        province: stored(optional("province", r.province))?,
                        region: stored(optional("region", r.region))?,
                        country: stored(
                            r.country
                                .map(|c| CountryCode::parse("country", &c))
                                .transpose(),
                        )?,
                    },
                    email: stored(r.email.map(|e| Email::parse("email", &e)).transpose())?,
                    phone: stored(optional("phone", r.phone))?,
                },
                company_name: stored(Text::parse("company_name", &r.company_name))?,
                office_name: stored(Text::parse_optional(
                    "office_name",
                    r.office_name.as_deref(),
                ))?,
                validity_date: r.validity_date,
                switch_to_expired: r.switch_to_expired,
                pay_stand_in: r.pay_stand_in,
                status: PositionStatus::parse(&r.status)
                    .ok_or_else(|| corrupt("position status", &r.status))?,
                inserted_date: r.inserted_date,
                publish_date: r.publish_date,
                last_updated_date: r.last_updated_date,
                payment_date: r.payment_date,
                version: r.version,
                options: opts,
            })
        })
        .collect()
}
