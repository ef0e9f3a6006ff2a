//! Where a transfer's money goes, as GPD's transfer models carry it: `iban` (and `postalIban`)
//! or `stamp`. Written once, flattened into the transfer models of requests and responses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::given;
use crate::domain::{Beneficiary, DomainError, Iban, ProvinceCode, Stamp, StampHash, StampType};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StampModel {
    pub hash_document: String,
    pub stamp_type: String,
    pub provincial_residence: String,
}

/// Either an `iban` (with an optional `postalIban`) or a `stamp`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BeneficiaryModel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<StampModel>,
}

impl StampModel {
    fn to_domain(&self, path: &str) -> Result<Stamp, DomainError> {
        Ok(Stamp {
            hash_document: StampHash::parse(&format!("{path}.hashDocument"), &self.hash_document)?,
            stamp_type: StampType::parse(&format!("{path}.stampType"), &self.stamp_type)?,
            provincial_residence: ProvinceCode::parse(
                &format!("{path}.provincialResidence"),
                &self.provincial_residence,
            )?,
        })
    }
}

impl BeneficiaryModel {
    pub fn from_domain(beneficiary: &Beneficiary) -> Self {
        match beneficiary {
            Beneficiary::Iban { iban, postal_iban } => BeneficiaryModel {
                iban: Some(iban.to_string()),
                postal_iban: postal_iban.as_deref().map(str::to_owned),
                stamp: None,
            },
            Beneficiary::Stamp(s) => BeneficiaryModel {
                iban: None,
                postal_iban: None,
                stamp: Some(StampModel {
                    hash_document: s.hash_document.to_string(),
                    stamp_type: s.stamp_type.to_string(),
                    provincial_residence: s.provincial_residence.to_string(),
                }),
            },
        }
    }

    /// Checks the beneficiary of the transfer at `path` (`paymentOption[0].transfer[1]`).
    pub fn to_domain(&self, path: &str) -> Result<Beneficiary, DomainError> {
        let postal_iban = given(&self.postal_iban)
            .map(|p| Iban::parse(&format!("{path}.postalIban"), p))
            .transpose()?;
        match (&self.iban, &self.stamp) {
            (Some(iban), None) => Ok(Beneficiary::Iban {
                iban: Iban::parse(&format!("{path}.iban"), iban)?,
                postal_iban,
            }),
            (None, Some(_)) if postal_iban.is_some() => Err(DomainError::invalid(
                format!("{path}.postalIban"),
                "is not allowed with a stamp",
            )),
            (None, Some(stamp)) => Ok(Beneficiary::Stamp(
                stamp.to_domain(&format!("{path}.stamp"))?,
            )),
            (Some(_), Some(_)) => Err(DomainError::invalid(
                path,
                "give either iban or stamp, not both",
            )),
            (None, None) => Err(DomainError::invalid(path, "an iban or a stamp is required")),
        }
    }
}
