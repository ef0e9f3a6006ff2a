//! The debtor's twelve fields, written once: flattened into the position and option models.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{
    Address, CountryCode, Debtor, DebtorFiscalCode, DebtorType, DomainError, Email, Text, Text140,
};

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

impl From<DebtorTypeModel> for DebtorType {
    fn from(kind: DebtorTypeModel) -> Self {
        match kind {
            DebtorTypeModel::F => DebtorType::Person,
            DebtorTypeModel::G => DebtorType::LegalPerson,
        }
    }
}

/// The debtor of a position (`type` F for a person, G for a legal person).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DebtorModel {
    #[serde(rename = "type")]
    pub debtor_type: DebtorTypeModel,
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
}

impl DebtorModel {
    pub fn from_domain(d: &Debtor) -> Self {
        let text = |v: Option<&str>| v.map(str::to_owned);
        let a = &d.address;
        DebtorModel {
            debtor_type: d.kind.into(),
            fiscal_code: d.fiscal_code.to_string(),
            full_name: d.full_name.to_string(),
            street_name: text(a.street_name.as_deref()),
            civic_number: text(a.civic_number.as_deref()),
            postal_code: text(a.postal_code.as_deref()),
            city: text(a.city.as_deref()),
            province: text(a.province.as_deref()),
            region: text(a.region.as_deref()),
            country: text(a.country.as_deref()),
            email: text(d.email.as_deref()),
            phone: text(d.phone.as_deref()),
        }
    }

    /// Checks every field; errors name it as the API does (`fullName`).
    pub fn to_domain(&self) -> Result<Debtor, DomainError> {
        let text = |path: &str, v: &Option<String>| Text::parse_optional(path, v.as_deref());
        Ok(Debtor {
            kind: self.debtor_type.into(),
            fiscal_code: DebtorFiscalCode::parse("fiscalCode", &self.fiscal_code)?,
            full_name: Text140::parse("fullName", &self.full_name)?,
            address: Address {
                street_name: text("streetName", &self.street_name)?,
                civic_number: text("civicNumber", &self.civic_number)?,
                postal_code: text("postalCode", &self.postal_code)?,
                city: text("city", &self.city)?,
                province: text("province", &self.province)?,
                region: text("region", &self.region)?,
                country: (self.country.as_deref())
                    .map(|c| CountryCode::parse("country", c))
                    .transpose()?,
            },
            email: (self.email.as_deref())
                .map(|e| Email::parse("email", e))
                .transpose()?,
            phone: text("phone", &self.phone)?,
        })
    }
}
