//! The contract of a service's callback: what we POST to the institution for a demand, and the
//! answer it gives (GPD's field names for the debtor and the transfers).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::datetime::option as opt_date;
use super::debtor::DebtorModel;
use super::input::metadata;
use super::json::cents;
use super::request::{MetadataModel, TransferModel};
use crate::domain::service::demand::Priced;
use crate::domain::{Amount, DomainError, Text140};

/// POSTed to the service's `callbackUrl`, signed like webhooks (`X-GPD-Signature`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallbackRequestModel {
    pub organization_fiscal_code: String,
    pub service_id: String,
    /// Unique per call; the same demand repeated by the Nodo is answered without calling again.
    pub request_id: String,
    /// What the citizen typed, by property name, as typed.
    pub properties: BTreeMap<String, String>,
}

/// The callback's `200` answer: the amount, and optionally what the position should say.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallbackAnswerModel {
    /// Euro-cents, at least 1.
    #[serde(deserialize_with = "cents::deserialize")]
    pub amount: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, with = "opt_date")]
    pub due_date: Option<NaiveDateTime>,
    #[serde(default)]
    pub debtor: Option<DebtorModel>,
    /// Up to 5; by default one transfer of the whole amount to the service's account.
    #[serde(default)]
    pub transfers: Option<Vec<TransferModel>>,
    #[serde(default)]
    pub metadata: Option<Vec<MetadataModel>>,
}

impl CallbackAnswerModel {
    /// The answer in domain terms; the position built from it is checked when it is created.
    pub fn to_priced(&self) -> Result<Priced, DomainError> {
        Ok(Priced {
            amount: Amount::positive("amount", self.amount)?,
            description: Text140::parse_optional("description", self.description.as_deref())?,
            due_date: self.due_date,
            debtor: self
                .debtor
                .as_ref()
                .map(|d| d.to_domain().map_err(|e| e.within("debtor")))
                .transpose()?,
            transfers: self
                .transfers
                .as_ref()
                .map(|ts| {
                    ts.iter()
                        .enumerate()
                        .map(|(i, t)| t.to_input(&format!("transfers[{i}]")))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
            metadata: metadata("metadata", &self.metadata)?,
        })
    }
}
