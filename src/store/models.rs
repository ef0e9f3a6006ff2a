//! Rows as stored, and their conversion to and from the domain aggregate.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{payment_options, payment_positions, transfers};
use super::timestamps::{NullableTime, Time};
use super::StoreError;
use crate::domain::{
    Address, Amount, Beneficiary, CountryCode, Debtor, DebtorFiscalCode, DebtorType, DomainError,
    Email, Iban, Iupd, Iuv, Metadata, NoticeNumber, OptionStatus, OrgFiscalCode, PaymentDetails,
    PaymentOption, Position, PositionStatus, ProvinceCode, Stamp, StampHash, StampType, Text,
    Transfer, TransferId, TransferStatus,
};

/// Row -> domain conversions: a stored value the domain refuses is corrupt data (an internal
/// error), never the caller's bad input.
pub(crate) trait OrCorrupt<T> {
    fn or_corrupt(self, what: &str, value: &str) -> Result<T, StoreError>;
}

impl<T> OrCorrupt<T> for Option<T> {
    fn or_corrupt(self, what: &str, value: &str) -> Result<T, StoreError> {
        self.ok_or_else(|| StoreError::Corrupt(format!("unexpected {what} '{value}'")))
    }
}

impl<T, E: std::fmt::Display> OrCorrupt<T> for Result<T, E> {
    fn or_corrupt(self, what: &str, value: &str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Corrupt(format!("unexpected {what} '{value}': {e}")))
    }
}

/// The debtor's columns, embedded in [`PositionRecord`]; `debtor_type` is the domain's `kind`.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    serde::Serialize,
    serde::Deserialize,
)]
#[diesel(table_name = payment_positions, treat_none_as_null = true)]
pub struct DebtorRow {
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
}

fn text<T: ToString>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(T::to_string)
}

fn optional_text<const MAX: usize>(
    what: &str,
    value: Option<String>,
) -> Result<Option<Text<MAX>>, StoreError> {
    stored(Text::parse_optional(what, value.as_deref()))
}

impl DebtorRow {
    pub fn from_domain(d: &Debtor) -> Self {
        let a = &d.address;
        DebtorRow {
            debtor_type: d.kind.as_str().to_owned(),
            fiscal_code: d.fiscal_code.to_string(),
            full_name: d.full_name.to_string(),
            street_name: text(&a.street_name),
            civic_number: text(&a.civic_number),
            postal_code: text(&a.postal_code),
            city: text(&a.city),
            province: text(&a.province),
            region: text(&a.region),
            country: text(&a.country),
            email: text(&d.email),
            phone: text(&d.phone),
        }
    }

    pub fn into_domain(self) -> Result<Debtor, StoreError> {
        Ok(Debtor {
            kind: DebtorType::parse(&self.debtor_type)
                .or_corrupt("debtor type", &self.debtor_type)?,
            fiscal_code: stored(DebtorFiscalCode::parse("fiscal_code", &self.fiscal_code))?,
            full_name: stored(Text::parse("full_name", &self.full_name))?,
            address: Address {
                street_name: optional_text("street_name", self.street_name)?,
                civic_number: optional_text("civic_number", self.civic_number)?,
                postal_code: optional_text("postal_code", self.postal_code)?,
                city: optional_text("city", self.city)?,
                province: optional_text("province", self.province)?,
                region: optional_text("region", self.region)?,
                country: stored(
                    self.country
                        .map(|c| CountryCode::parse("country", &c))
                        .transpose(),
                )?,
            },
            email: stored(self.email.map(|e| Email::parse("email", &e)).transpose())?,
            phone: optional_text("phone", self.phone)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = payment_positions, treat_none_as_null = true)]
pub struct PositionRecord {
    pub organization_fiscal_code: String,
    pub iupd: String,
    pub company_name: String,
    pub office_name: Option<String>,
    #[diesel(embed)]
    pub debtor: DebtorRow,
    #[diesel(deserialize_as = NullableTime)]
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub pay_stand_in: bool,
    pub status: String,
    #[diesel(deserialize_as = Time)]
    pub inserted_date: NaiveDateTime,
    #[diesel(deserialize_as = NullableTime)]
    pub publish_date: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Time)]
    pub last_updated_date: NaiveDateTime,
    #[diesel(deserialize_as = NullableTime)]
    pub payment_date: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Time)]
    pub min_due_date: NaiveDateTime,
    #[diesel(deserialize_as = Time)]
    pub max_due_date: NaiveDateTime,
    pub version: i32,
    pub multiple_plans: bool,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
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
    #[diesel(deserialize_as = Time)]
    pub due_date: NaiveDateTime,
    #[diesel(deserialize_as = NullableTime)]
    pub retention_date: Option<NaiveDateTime>,
    #[diesel(deserialize_as = NullableTime)]
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    pub notification_fee: i64,
    pub status: String,
    #[diesel(deserialize_as = NullableTime)]
    pub payment_date: Option<NaiveDateTime>,
    pub payment_method: Option<String>,
    pub psp_code: Option<String>,
    pub psp_tax_code: Option<String>,
    pub psp_company: Option<String>,
    pub id_receipt: Option<String>,
    pub fee: i64,
    #[diesel(deserialize_as = NullableTime)]
    pub reporting_date: Option<NaiveDateTime>,
    pub id_flow_reporting: Option<String>,
    pub metadata: String,
    #[diesel(deserialize_as = Time)]
    pub inserted_date: NaiveDateTime,
    #[diesel(deserialize_as = Time)]
    pub last_updated_date: NaiveDateTime,
    #[diesel(deserialize_as = NullableTime)]
    pub last_updated_date_notification_fee: Option<NaiveDateTime>,
    pub option_description: Option<String>,
    /// A v3 payment option's own debtor, as JSON.
    pub debtor: Option<String>,
    /// The day of `due_date` and its position's `inserted_date`: the list's per-day streams.
    pub due_day: NaiveDate,
    #[diesel(deserialize_as = Time)]
    pub position_inserted_date: NaiveDateTime,
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
    #[diesel(deserialize_as = Time)]
    pub inserted_date: NaiveDateTime,
    #[diesel(deserialize_as = Time)]
    pub last_updated_date: NaiveDateTime,
}

/// A stored value that fails its domain rule: the data is corrupt, the request is not at fault.
fn stored<T>(parsed: Result<T, DomainError>) -> Result<T, StoreError> {
    parsed.map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn metadata_json(metadata: &[Metadata]) -> Result<String, StoreError> {
    serde_json::to_string(metadata)
        .map_err(|e| StoreError::Corrupt(format!("metadata not serializable: {e}")))
}

fn parse_metadata(text: &str) -> Result<Vec<Metadata>, StoreError> {
    serde_json::from_str(text).or_corrupt("metadata", text)
}

fn debtor_json(debtor: &Debtor) -> Result<String, StoreError> {
    serde_json::to_string(&DebtorRow::from_domain(debtor))
        .map_err(|e| StoreError::Corrupt(format!("debtor not serializable: {e}")))
}

fn parse_debtor(text: &str) -> Result<Debtor, StoreError> {
    serde_json::from_str::<DebtorRow>(text)
        .or_corrupt("debtor", text)?
        .into_domain()
}

fn amount(cents: i64) -> Result<Amount, StoreError> {
    Amount::from_cents(cents).or_corrupt("amount", &cents.to_string())
}

impl PositionRecord {
    /// The row of a position; one without options is refused (it has no due dates).
    pub fn from_domain(p: &Position) -> Result<Self, StoreError> {
        let (Some(min_due_date), Some(max_due_date)) = (p.min_due_date(), p.max_due_date()) else {
            return Err(StoreError::Corrupt(format!(
                "debt position {} has no payment option",
                p.iupd
            )));
        };
        Ok(PositionRecord {
            organization_fiscal_code: p.organization_fiscal_code.to_string(),
            iupd: p.iupd.to_string(),
            company_name: p.company_name.to_string(),
            office_name: text(&p.office_name),
            debtor: DebtorRow::from_domain(&p.debtor),
            validity_date: p.validity_date,
            switch_to_expired: p.switch_to_expired,
            pay_stand_in: p.pay_stand_in,
            status: p.status.as_str().to_owned(),
            inserted_date: p.inserted_date,
            publish_date: p.publish_date,
            last_updated_date: p.last_updated_date,
            payment_date: p.payment_date,
            min_due_date,
            max_due_date,
            version: p.version,
            multiple_plans: p.has_several_plans(),
        })
    }
}

impl OptionRecord {
    pub fn from_domain(
        position_id: i64,
        position: &Position,
        o: &PaymentOption,
    ) -> Result<Self, StoreError> {
        Ok(OptionRecord {
            payment_position_id: position_id,
            organization_fiscal_code: position.organization_fiscal_code.to_string(),
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
            metadata: metadata_json(&o.metadata)?,
            inserted_date: o.inserted_date,
            last_updated_date: o.last_updated_date,
            last_updated_date_notification_fee: o.last_updated_date_notification_fee,
            option_description: text(&o.option_description),
            debtor: o.debtor.as_ref().map(debtor_json).transpose()?,
            due_day: o.due_date.date(),
            position_inserted_date: position.inserted_date,
        })
    }
}

impl TransferRecord {
    pub fn from_domain(option_id: i64, t: &Transfer) -> Result<Self, StoreError> {
        let (iban, postal_iban, stamp) = match &t.beneficiary {
            Beneficiary::Iban { iban, postal_iban } => (
                Some(iban.to_string()),
                postal_iban.clone().map(String::from),
                None,
            ),
            Beneficiary::Stamp(stamp) => (None, None, Some(stamp)),
        };
        Ok(TransferRecord {
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
            metadata: metadata_json(&t.metadata)?,
            status: t.status.as_str().to_owned(),
            inserted_date: t.inserted_date,
            last_updated_date: t.last_updated_date,
        })
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
                .or_corrupt("transfer id", &self.transfer_id.to_string())?,
            amount: amount(self.amount)?,
            organization_fiscal_code: OrgFiscalCode::parse("fc", &self.organization_fiscal_code)
                .or_corrupt("fiscal code", &self.organization_fiscal_code)?,
            company_name: optional_text("company_name", self.company_name)?,
            remittance_information: stored(Text::parse(
                "remittance_information",
                &self.remittance_information,
            ))?,
            category: stored(Text::parse("category", &self.category))?,
            beneficiary,
            metadata: parse_metadata(&self.metadata)?,
            status: TransferStatus::parse(&self.status)
                .or_corrupt("transfer status", &self.status)?,
            inserted_date: self.inserted_date,
            last_updated_date: self.last_updated_date,
        })
    }
}

impl OptionRecord {
    fn into_domain(self, transfers: Vec<Transfer>) -> Result<PaymentOption, StoreError> {
        Ok(PaymentOption {
            iuv: Iuv::parse("iuv", &self.iuv).or_corrupt("IUV", &self.iuv)?,
            nav: NoticeNumber::parse("nav", &self.nav).or_corrupt("notice number", &self.nav)?,
            plan_id: self.payment_plan_id,
            amount: amount(self.amount)?,
            description: stored(Text::parse("description", &self.description))?,
            is_partial_payment: self.is_partial_payment,
            due_date: self.due_date,
            retention_date: self.retention_date,
            validity_date: self.validity_date,
            switch_to_expired: self.switch_to_expired,
            notification_fee: amount(self.notification_fee)?,
            status: OptionStatus::parse(&self.status).or_corrupt("option status", &self.status)?,
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
            option_description: optional_text("option_description", self.option_description)?,
            debtor: self.debtor.as_deref().map(parse_debtor).transpose()?,
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
    positions
        .into_iter()
        .map(|(id, r)| {
            let opts = by_position.remove(&id).unwrap_or_default();
            Ok(Position {
                id: Some(id),
                organization_fiscal_code: OrgFiscalCode::parse("fc", &r.organization_fiscal_code)
                    .or_corrupt("fiscal code", &r.organization_fiscal_code)?,
                iupd: Iupd::parse("iupd", &r.iupd).or_corrupt("IUPD", &r.iupd)?,
                debtor: r.debtor.into_domain()?,
                company_name: stored(Text::parse("company_name", &r.company_name))?,
                office_name: optional_text("office_name", r.office_name)?,
                validity_date: r.validity_date,
                switch_to_expired: r.switch_to_expired,
                pay_stand_in: r.pay_stand_in,
                status: PositionStatus::parse(&r.status)
                    .or_corrupt("position status", &r.status)?,
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
