//! JSON models of GPD's v1 API (same field names), and their conversion to domain input.

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use crate::domain::{
    Amount, Beneficiary, Debtor, DebtorType, DomainError, Iupd, Iuv, Metadata, NoticeNumber,
    OptionInput, OrgFiscalCode, PaymentOption, Position, PositionInput, PositionStatus, Stamp,
    Transfer, TransferId, TransferInput,
};

/// Date-times as GPD writes them: ISO-8601 in UTC without offset (`2026-05-28T10:00:00.123`).
pub mod datetime {
    use super::*;

    pub use crate::domain::time::{format_datetime as format, parse_date, parse_datetime as parse};

    pub fn serialize<S: Serializer>(value: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{text}' is not a date-time like 2026-05-28T10:00:00 (UTC)"
            ))
        })
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_str(&format(v)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<NaiveDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => parse(&text).map(Some).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "'{text}' is not a date-time like 2026-05-28T10:00:00 (UTC)"
                    ))
                }),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum DebtorTypeModel {
    F,
    G,
}

impl From<DebtorType> for DebtorTypeModel {
    fn from(kind: DebtorType) -> Self {
        match kind {
            DebtorType::Person => DebtorTypeModel::F,
            DebtorType::LegalPerson => DebtorTypeModel::G,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetadataModel {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StampModel {
    pub hash_document: String,
    pub stamp_type: String,
    pub provincial_residence: String,
}

/// A transfer of a payment option (at most 5 per option).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferModel {
    /// "1" to "5".
    pub id_transfer: String,
    /// Euro-cents, at least 1.
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_fiscal_code: Option<String>,
    pub remittance_information: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<StampModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_metadata: Option<Vec<MetadataModel>>,
}

/// A payment option: a single payment or an installment (`isPartialPayment`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOptionModel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nav: Option<String>,
    pub iuv: String,
    /// Euro-cents, at least 1; equal to the sum of the transfers.
    pub amount: i64,
    pub description: String,
    pub is_partial_payment: bool,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
    pub due_date: NaiveDateTime,
    #[serde(
        default,
        with = "datetime::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retention_date: Option<NaiveDateTime>,
    /// Read-only.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub fee: Option<i64>,
    /// Read-only.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub notification_fee: Option<i64>,
    #[serde(default)]
    pub transfer: Option<Vec<TransferModel>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_option_metadata: Option<Vec<MetadataModel>>,
}

/// A debt position as created or updated (GPD `PaymentPositionModel`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPositionModel {
    pub iupd: String,
    #[serde(rename = "type")]
    pub debtor_type: DebtorTypeModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_stand_in: Option<bool>,
    pub fiscal_code: String,
    pub full_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civic_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub switch_to_expired: bool,
    pub company_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    #[serde(
        default,
        with = "datetime::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub validity_date: Option<NaiveDateTime>,
    /// Read-only.
    #[serde(
        default,
        skip_deserializing,
        with = "datetime::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_date: Option<NaiveDateTime>,
    /// Read-only.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub payment_option: Option<Vec<PaymentOptionModel>>,
}

// ---------- input checks (field paths use the API's names) ----------

fn required_text(path: &str, value: &str, max: usize) -> Result<String, DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid(path, "must not be blank"));
    }
    optional_text(path, Some(value), max).map(|v| v.unwrap_or_default())
}

fn optional_text(
    path: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, DomainError> {
    match value {
        Some(v) if v.chars().count() > max => Err(DomainError::invalid(
            path,
            format!(
                "must be at most {max} characters, got {}",
                v.chars().count()
            ),
        )),
        Some(v) if v.chars().any(char::is_control) => Err(DomainError::invalid(
            path,
            "must not contain control characters",
        )),
        Some(v) => Ok(Some(v.to_owned())),
        None => Ok(None),
    }
}

fn alphanumeric(path: &str, value: &str, max: usize) -> Result<String, DomainError> {
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(DomainError::invalid(
            path,
            format!("must be 1 to {max} letters or digits"),
        ));
    }
    Ok(value.to_owned())
}

/// The debtor's tax code or VAT number, as pagoPA carries it (2 to 16 letters or digits).
fn debtor_code(path: &str, value: &str) -> Result<String, DomainError> {
    if (2..=16).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(
            path,
            format!("'{value}' must be 2 to 16 letters or digits"),
        ))
    }
}

/// A beneficiary institution's fiscal code as pagoPA carries it in transfers (11 digits).
fn transfer_org(path: &str, value: &str) -> Result<OrgFiscalCode, DomainError> {
    if value.len() != 11 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid(
            path,
            format!("'{value}' must be 11 digits"),
        ));
    }
    OrgFiscalCode::parse(path, value)
}

fn stamp_hash(path: &str, value: &str) -> Result<String, DomainError> {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || b"+/=".contains(&b);
    if (4..=72).contains(&value.len()) && value.bytes().all(base64) {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(
            path,
            "must be the base64 digest of the document (4 to 72 characters)",
        ))
    }
}

fn country_code(path: &str, value: &str) -> Result<String, DomainError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(
            path,
            format!("'{value}' must be two capital letters"),
        ))
    }
}

/// The e-mail pattern of pagoPA's XSD (`stEMail`), so every stored address can be sent to the Nodo.
fn email(path: &str, value: &str) -> Result<String, DomainError> {
    let local_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
    };
    let domain_ok = |s: &str| {
        s.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    match value.split_once('@') {
        Some((local, domain)) if value.len() <= 256 && local_ok(local) && domain_ok(domain) => {
            Ok(value.to_owned())
        }
        _ => Err(DomainError::invalid(
            path,
            format!("'{value}' is not a valid e-mail address"),
        )),
    }
}

fn positive_amount(path: &str, cents: i64) -> Result<Amount, DomainError> {
    if cents < 1 {
        return Err(DomainError::invalid(
            path,
            format!("must be at least 1 euro-cent, got {cents}"),
        ));
    }
    Amount::from_cents(cents).map_err(|_| {
        DomainError::invalid(
            path,
            format!("must be at most 99999999999 euro-cents, got {cents}"),
        )
    })
}

fn metadata(
    path: &str,
    entries: &Option<Vec<MetadataModel>>,
) -> Result<Vec<Metadata>, DomainError> {
    let entries = entries.as_deref().unwrap_or_default();
    entries
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(Metadata {
                key: required_text(&format!("{path}[{i}].key"), &m.key, 140)?,
                value: required_text(&format!("{path}[{i}].value"), &m.value, 140)?,
            })
        })
        .collect()
}

impl TransferModel {
    fn to_input(&self, path: &str) -> Result<TransferInput, DomainError> {
        let postal_iban = match self.postal_iban.as_deref() {
            None | Some("") => None,
            Some(p) => Some(alphanumeric(&format!("{path}.postalIban"), p, 35)?),
        };
        let beneficiary = match (&self.iban, &self.stamp) {
            (Some(iban), None) => Beneficiary::Iban {
                iban: alphanumeric(&format!("{path}.iban"), iban, 35)?,
                postal_iban,
            },
            (None, Some(stamp)) => {
                if postal_iban.is_some() {
                    return Err(DomainError::invalid(
                        format!("{path}.postalIban"),
                        "is not allowed with a stamp",
                    ));
                }
                Beneficiary::Stamp(Stamp {
                    hash_document: stamp_hash(
                        &format!("{path}.stamp.hashDocument"),
                        &stamp.hash_document,
                    )?,
                    stamp_type: match stamp.stamp_type.as_str() {
                        "01" => stamp.stamp_type.clone(),
                        _ => {
                            return Err(DomainError::invalid(
                                format!("{path}.stamp.stampType"),
                                "must be exactly 2 characters: 01, the only digital stamp duty of pagoPA",
                            ))
                        }
                    },
                    provincial_residence: country_code(
                        &format!("{path}.stamp.provincialResidence"),
                        &stamp.provincial_residence,
                    )?,
                })
            }
            (Some(_), Some(_)) => {
                return Err(DomainError::invalid(
                    path,
                    "give either iban or stamp, not both",
                ))
            }
            (None, None) => {
                return Err(DomainError::invalid(path, "an iban or a stamp is required"))
            }
        };
        Ok(TransferInput {
            id: TransferId::parse(&format!("{path}.idTransfer"), &self.id_transfer)?,
            amount: positive_amount(&format!("{path}.amount"), self.amount)?,
            organization_fiscal_code: match self.organization_fiscal_code.as_deref() {
                None | Some("") => None,
                Some(fc) => Some(transfer_org(&format!("{path}.organizationFiscalCode"), fc)?),
            },
            company_name: optional_text(
                &format!("{path}.companyName"),
                self.company_name.as_deref(),
                140,
            )?,
            remittance_information: required_text(
                &format!("{path}.remittanceInformation"),
                &self.remittance_information,
                140,
            )?,
            category: required_text(&format!("{path}.category"), &self.category, 140)?,
            beneficiary,
            metadata: metadata(&format!("{path}.transferMetadata"), &self.transfer_metadata)?,
        })
    }
}

impl PaymentOptionModel {
    fn to_input(&self, path: &str) -> Result<OptionInput, DomainError> {
        let transfers = self.transfer.as_deref().unwrap_or_default();
        Ok(OptionInput {
            iuv: Iuv::parse(&format!("{path}.iuv"), &self.iuv)?,
            nav: match self.nav.as_deref() {
                None | Some("") => None,
                Some(nav) => Some(NoticeNumber::parse(&format!("{path}.nav"), nav)?),
            },
            amount: positive_amount(&format!("{path}.amount"), self.amount)?,
            description: required_text(&format!("{path}.description"), &self.description, 140)?,
            is_partial_payment: self.is_partial_payment,
            due_date: self.due_date,
            retention_date: self.retention_date,
            metadata: metadata(
                &format!("{path}.paymentOptionMetadata"),
                &self.payment_option_metadata,
            )?,
            transfers: transfers
                .iter()
                .enumerate()
                .map(|(j, t)| t.to_input(&format!("{path}.transfer[{j}]")))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl PaymentPositionModel {
    /// Checks every field and builds the domain input; errors name the offending field.
    pub fn to_input(&self) -> Result<PositionInput, DomainError> {
        let opt = |path: &str, v: &Option<String>, max| optional_text(path, v.as_deref(), max);
        let options = self.payment_option.as_deref().unwrap_or_default();
        Ok(PositionInput {
            iupd: Iupd::parse("iupd", &self.iupd)?,
            debtor: Debtor {
                kind: match self.debtor_type {
                    DebtorTypeModel::F => DebtorType::Person,
                    DebtorTypeModel::G => DebtorType::LegalPerson,
                },
                fiscal_code: debtor_code("fiscalCode", &self.fiscal_code)?,
                full_name: required_text("fullName", &self.full_name, 140)?,
                street_name: opt("streetName", &self.street_name, 255)?,
                civic_number: opt("civicNumber", &self.civic_number, 255)?,
                postal_code: opt("postalCode", &self.postal_code, 255)?,
                city: opt("city", &self.city, 255)?,
                province: opt("province", &self.province, 255)?,
                region: opt("region", &self.region, 255)?,
                country: self
                    .country
                    .as_deref()
                    .map(|c| country_code("country", c))
                    .transpose()?,
                email: self
                    .email
                    .as_deref()
                    .map(|e| email("email", e))
                    .transpose()?,
                phone: opt("phone", &self.phone, 255)?,
            },
            company_name: required_text("companyName", &self.company_name, 140)?,
            office_name: opt("officeName", &self.office_name, 140)?,
            validity_date: self.validity_date,
            switch_to_expired: self.switch_to_expired,
            pay_stand_in: self.pay_stand_in.unwrap_or(true),
            options: options
                .iter()
                .enumerate()
                .map(|(i, o)| o.to_input(&format!("paymentOption[{i}]")))
                .collect::<Result<_, _>>()?,
        })
    }
}

// ---------- responses ----------

fn metadata_models(metadata: &[Metadata]) -> Vec<MetadataModel> {
    metadata
        .iter()
        .map(|m| MetadataModel {
            key: m.key.clone(),
            value: m.value.clone(),
        })
        .collect()
}

fn transfer_model(t: &Transfer) -> TransferModel {
    let (iban, postal_iban, stamp) = match &t.beneficiary {
        Beneficiary::Iban { iban, postal_iban } => (Some(iban.clone()), postal_iban.clone(), None),
        Beneficiary::Stamp(s) => (
            None,
            None,
            Some(StampModel {
                hash_document: s.hash_document.clone(),
                stamp_type: s.stamp_type.clone(),
                provincial_residence: s.provincial_residence.clone(),
            }),
        ),
    };
    TransferModel {
        id_transfer: t.id.to_string(),
        amount: t.amount.cents(),
        organization_fiscal_code: Some(t.organization_fiscal_code.to_string()),
        remittance_information: t.remittance_information.clone(),
        category: t.category.clone(),
        iban,
        postal_iban,
        stamp,
        company_name: t.company_name.clone(),
        transfer_metadata: Some(metadata_models(&t.metadata)),
    }
}

impl PaymentPositionModel {
    pub fn from_domain(p: &Position, status: PositionStatus) -> Self {
        let d = &p.debtor;
        PaymentPositionModel {
            iupd: p.iupd.to_string(),
            debtor_type: d.kind.into(),
            pay_stand_in: Some(p.pay_stand_in),
            fiscal_code: d.fiscal_code.clone(),
            full_name: d.full_name.clone(),
            street_name: d.street_name.clone(),
            civic_number: d.civic_number.clone(),
            postal_code: d.postal_code.clone(),
            city: d.city.clone(),
            province: d.province.clone(),
            region: d.region.clone(),
            country: d.country.clone(),
            email: d.email.clone(),
            phone: d.phone.clone(),
            switch_to_expired: p.switch_to_expired,
            company_name: p.company_name.clone(),
            office_name: p.office_name.clone(),
            validity_date: p.validity_date,
            payment_date: p.payment_date,
            status: Some(status.as_str().to_owned()),
            payment_option: Some(
                p.options
                    .iter()
                    .map(|o| PaymentOptionModel {
                        nav: Some(o.nav.to_string()),
                        iuv: o.iuv.to_string(),
                        amount: o.amount.cents(),
                        description: o.description.clone(),
                        is_partial_payment: o.is_partial_payment,
                        due_date: o.due_date,
                        retention_date: o.retention_date,
                        fee: Some(o.payment.fee.cents()),
                        notification_fee: Some(o.notification_fee.cents()),
                        transfer: Some(o.transfers.iter().map(transfer_model).collect()),
                        payment_option_metadata: Some(metadata_models(&o.metadata)),
                    })
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_iban: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp: Option<StampModel>,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
    pub inserted_date: NaiveDateTime,
    /// T_UNREPORTED or T_REPORTED.
    pub status: String,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
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
            iban: m.iban,
            postal_iban: m.postal_iban,
            stamp: m.stamp,
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
    #[schema(value_type = String, format = DateTime)]
    pub due_date: NaiveDateTime,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retention_date: Option<NaiveDateTime>,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_date: Option<NaiveDateTime>,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reporting_date: Option<NaiveDateTime>,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
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
    #[schema(value_type = String, format = DateTime)]
    pub last_updated_date: NaiveDateTime,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
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
            description: o.description.clone(),
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
    #[schema(value_type = String, format = DateTime)]
    pub inserted_date: NaiveDateTime,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub publish_date: Option<NaiveDateTime>,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub validity_date: Option<NaiveDateTime>,
    #[serde(
        with = "datetime::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_date: Option<NaiveDateTime>,
    pub status: String,
    #[serde(with = "datetime")]
    #[schema(value_type = String, format = DateTime)]
    pub last_updated_date: NaiveDateTime,
    pub payment_option: Vec<PaymentOptionModelResponse>,
}

impl PaymentPositionModelBaseResponse {
    pub fn from_domain(p: &Position, status: PositionStatus) -> Self {
        PaymentPositionModelBaseResponse {
            iupd: p.iupd.to_string(),
            organization_fiscal_code: p.organization_fiscal_code.to_string(),
            debtor_type: p.debtor.kind.into(),
            company_name: p.company_name.clone(),
            office_name: p.office_name.clone(),
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
    #[serde(rename = "type")]
    pub debtor_type: DebtorTypeModel,
    pub fiscal_code: String,
    pub full_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub civic_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    pub debt_position_status: String,
}

impl PaymentsWithDebtorInfoModelResponse {
    pub fn from_domain(p: &Position, index: usize, status: PositionStatus) -> Self {
        let d = &p.debtor;
        PaymentsWithDebtorInfoModelResponse {
            option: PaymentOptionModelResponse::from_domain(
                &p.organization_fiscal_code,
                &p.options[index],
            ),
            pay_stand_in: p.pay_stand_in,
            iupd: p.iupd.to_string(),
            debtor_type: d.kind.into(),
            fiscal_code: d.fiscal_code.clone(),
            full_name: d.full_name.clone(),
            street_name: d.street_name.clone(),
            civic_number: d.civic_number.clone(),
            postal_code: d.postal_code.clone(),
            city: d.city.clone(),
            province: d.province.clone(),
            region: d.region.clone(),
            country: d.country.clone(),
            email: d.email.clone(),
            phone: d.phone.clone(),
            company_name: p.company_name.clone(),
            office_name: p.office_name.clone(),
            debt_position_status: status.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PageInfo {
    pub page: i64,
    pub limit: i64,
    /// Total number of positions matching the filter (GPD counts only this page).
    pub items_found: i64,
    pub total_pages: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentPositionsInfo {
    pub payment_position_list: Vec<PaymentPositionModelBaseResponse>,
    pub page_info: PageInfo,
}

/// Body of the bulk create: 1 to 100 positions, stored all or none.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MultiplePaymentPositionModel {
    pub payment_positions: Vec<PaymentPositionModel>,
}

/// Body of the notification fee update (euro-cents, 0 or more).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationFeeUpdateModel {
    pub notification_fee: i64,
}

/// Body of "mark as already paid".
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlreadyPaidPaymentOptionModel {
    #[serde(default, with = "datetime::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_date: Option<NaiveDateTime>,
}

/// Body of "pay" (receipt data from a PSP).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayPaymentOptionModel {
    #[serde(default, with = "datetime::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_date: Option<NaiveDateTime>,
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub psp_code: Option<String>,
    #[serde(default)]
    pub psp_tax_code: Option<String>,
    pub psp_company: String,
    pub id_receipt: String,
    /// Euro-cents as a string (as GPD has it), default "0".
    #[serde(default)]
    pub fee: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTransferIbanMassiveModel {
    pub new_iban: String,
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

pub(crate) fn payment_from_pay_model(
    m: &PayPaymentOptionModel,
) -> Result<crate::domain::PaymentDetails, DomainError> {
    let fee_text = m.fee.as_deref().unwrap_or("0");
    let fee = fee_text
        .parse::<i64>()
        .ok()
        .and_then(|c| Amount::from_cents(c).ok())
        .ok_or_else(|| {
            DomainError::invalid(
                "fee",
                format!("'{fee_text}' is not an amount in euro-cents"),
            )
        })?;
    Ok(crate::domain::PaymentDetails {
        payment_date: m.payment_date,
        payment_method: optional_text("paymentMethod", m.payment_method.as_deref(), 35)?,
        psp_code: optional_text("pspCode", m.psp_code.as_deref(), 35)?,
        psp_tax_code: optional_text("pspTaxCode", m.psp_tax_code.as_deref(), 70)?,
        psp_company: Some(required_text("pspCompany", &m.psp_company, 140)?),
        id_receipt: Some(required_text("idReceipt", &m.id_receipt, 255)?),
        fee,
    })
}

pub(crate) fn check_iban(path: &str, value: &str) -> Result<String, DomainError> {
    alphanumeric(path, value, 35)
}
