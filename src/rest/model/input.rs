//! Request models to domain input: every field parsed into its domain type, errors named with
//! the API's field paths (`paymentOption[0].transfer[1].iban`). The rules live in the domain.

use super::request::{
    MetadataModel, PayPaymentOptionModel, PaymentOptionModel, PaymentPositionModel, TransferModel,
};
use std::collections::HashSet;

use crate::domain::{
    Amount, DomainError, Iban, Iupd, Iuv, IuvScheme, Metadata, NewPosition, NoticeNumber,
    OptionInput, OrgFiscalCode, Organization, PaymentDetails, PendingIuvs, PositionInput, Text,
    Text140, Text255, Text35, Text70, TransferId, TransferInput,
};

pub(super) fn metadata(
    path: &str,
    entries: &Option<Vec<MetadataModel>>,
) -> Result<Vec<Metadata>, DomainError> {
    let entries = entries.as_deref().unwrap_or_default();
    entries
        .iter()
        .enumerate()
        .map(|(i, m)| Metadata::parse(&format!("{path}[{i}]"), &m.key, &m.value))
        .collect()
}

/// Refuses a list of the request whose length is not 1 to `max`: `path: 1 to {max} {what} are
/// accepted, got {len}`.
pub(crate) fn count_within(
    path: &str,
    len: usize,
    max: usize,
    what: &str,
) -> Result<(), DomainError> {
    if (1..=max).contains(&len) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            path,
            format!("1 to {max} {what} are accepted, got {len}"),
        ))
    }
}

/// An optional value where GPD treats `""` as absent.
pub(super) fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

impl TransferModel {
    pub(super) fn to_input(&self, path: &str) -> Result<TransferInput, DomainError> {
        let beneficiary = self.beneficiary.to_domain(path)?;
        let at = |field: &str| format!("{path}.{field}");
        Ok(TransferInput {
            id: TransferId::parse(&at("idTransfer"), &self.id_transfer)?,
            amount: Amount::positive(&at("amount"), self.amount)?,
            organization_fiscal_code: given(&self.organization_fiscal_code)
                .map(|fc| OrgFiscalCode::parse_beneficiary(&at("organizationFiscalCode"), fc))
                .transpose()?,
            company_name: Text::parse_optional(&at("companyName"), self.company_name.as_deref())?,
            remittance_information: Text140::parse(
                &at("remittanceInformation"),
                &self.remittance_information,
            )?,
            category: Text140::parse(&at("category"), &self.category)?,
            beneficiary,
            metadata: metadata(&at("transferMetadata"), &self.transfer_metadata)?,
        })
    }
}

impl PaymentOptionModel {
    fn to_input(&self, path: &str, iuv: Iuv) -> Result<OptionInput, DomainError> {
        let transfers = self.transfer.as_deref().unwrap_or_default();
        let at = |field: &str| format!("{path}.{field}");
        Ok(OptionInput {
            iuv,
            nav: given(&self.nav)
                .map(|nav| NoticeNumber::parse(&at("nav"), nav))
                .transpose()?,
            amount: Amount::positive(&at("amount"), self.amount)?,
            description: Text140::parse(&at("description"), &self.description)?,
            is_partial_payment: self.is_partial_payment,
            due_date: self.due_date,
            retention_date: self.retention_date,
            group: None,
            metadata: metadata(&at("paymentOptionMetadata"), &self.payment_option_metadata)?,
            transfers: transfers
                .iter()
                .enumerate()
                .map(|(j, t)| t.to_input(&at(&format!("transfer[{j}]"))))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The IUV given, checked.
    fn given_iuv(&self, path: &str) -> Result<Option<Iuv>, DomainError> {
        self.iuv
            .as_deref()
            .map(|iuv| Iuv::parse(&format!("{path}.iuv"), iuv))
            .transpose()
    }
}

impl PaymentPositionModel {
    /// Checks every field and builds the domain input; errors name the offending field. Every
    /// option must have its `iuv` (update).
    pub fn to_input(&self) -> Result<PositionInput, DomainError> {
        self.to_input_with(|_, path, option| {
            let iuv = option
                .given_iuv(path)?
                .ok_or_else(|| DomainError::invalid(format!("{path}.iuv"), "is required"))?;
            option.to_input(path, iuv)
        })
    }

    /// The input of a create: an option without `iuv` (nor `nav`) is left pending, to get a
    /// generated IUV when the position is stored; until then it holds a stand-in that the
    /// domain rules accept. The segregation code is the institution's only one.
    pub fn to_new_input(&self, org: &Organization) -> Result<NewPosition, DomainError> {
        let mut scheme: Option<IuvScheme> = None;
        let mut pending = Vec::new();
        let mut input = self.to_input_with(|i, path, option| {
            let iuv = match option.given_iuv(path)? {
                Some(iuv) => iuv,
                None => {
                    let field = format!("{path}.iuv");
                    if given(&option.nav).is_some() {
                        return Err(DomainError::invalid(
                            field,
                            "is required when nav is given (without both, the gateway generates both)",
                        ));
                    }
                    let scheme = match &mut scheme {
                        Some(scheme) => scheme,
                        empty => empty.insert(IuvScheme::resolve(org, &field, None)?),
                    };
                    pending.push(i);
                    scheme.generate(scheme.max_counter())?.0
                }
            };
            option.to_input(path, iuv)
        })?;
        let Some(scheme) = scheme else {
            return Ok(input.into());
        };
        let taken: HashSet<String> = input
            .options
            .iter()
            .enumerate()
            .filter(|(i, _)| !pending.contains(i))
            .flat_map(|(_, o)| {
                let nav = o.nav.as_ref().map(|n| n.to_string());
                std::iter::once(o.iuv.to_string()).chain(nav)
            })
            .collect();
        for (&i, stand_in) in pending.iter().zip(scheme.stand_ins(pending.len(), &taken)) {
            input.options[i].iuv = stand_in;
        }
        Ok(NewPosition {
            input,
            pending: Some(PendingIuvs {
                scheme,
                options: pending,
            }),
        })
    }

    fn to_input_with(
        &self,
        mut option: impl FnMut(usize, &str, &PaymentOptionModel) -> Result<OptionInput, DomainError>,
    ) -> Result<PositionInput, DomainError> {
        let options = self.payment_option.as_deref().unwrap_or_default();
        Ok(PositionInput {
            iupd: Iupd::parse("iupd", &self.iupd)?,
            debtor: self.debtor.to_domain()?,
            company_name: Text140::parse("companyName", &self.company_name)?,
            office_name: Text::parse_optional("officeName", self.office_name.as_deref())?,
            validity_date: self.validity_date,
            switch_to_expired: self.switch_to_expired,
            pay_stand_in: self.pay_stand_in.unwrap_or(true),
            options: options
                .iter()
                .enumerate()
                .map(|(i, o)| option(i, &format!("paymentOption[{i}]"), o))
                .collect::<Result<_, _>>()?,
        })
    }
}

pub(crate) fn payment_from_pay_model(
    m: &PayPaymentOptionModel,
) -> Result<PaymentDetails, DomainError> {
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
    let text = |path: &str, v: &Option<String>| -> Result<Option<String>, DomainError> {
        Ok(Text35::parse_optional(path, v.as_deref())?.map(String::from))
    };
    Ok(PaymentDetails {
        payment_date: m.payment_date,
        payment_method: text("paymentMethod", &m.payment_method)?,
        psp_code: text("pspCode", &m.psp_code)?,
        psp_tax_code: Text70::parse_optional("pspTaxCode", m.psp_tax_code.as_deref())?
            .map(String::from),
        psp_company: Some(Text140::parse("pspCompany", &m.psp_company)?.into_string()),
        id_receipt: Some(Text255::parse("idReceipt", &m.id_receipt)?.into_string()),
        fee,
    })
}

/// An IBAN given outside a position (the massive IBAN update).
pub(crate) fn check_iban(path: &str, value: &str) -> Result<String, DomainError> {
    Iban::parse(path, value).map(Iban::into_string)
}
