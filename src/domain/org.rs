//! Creditor institutions (enti creditori) and what their configuration implies.

use super::error::DomainError;
use super::ids::{Iuv, OrgFiscalCode, SegregationCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub fiscal_code: OrgFiscalCode,
    pub name: String,
    pub office_name: Option<String>,
    /// First digit of the notice numbers the institution issues (0 to 3; 3 by default).
    pub aux_digit: u8,
    /// Application code, needed only with aux digit 0.
    pub application_code: Option<String>,
    /// When not empty, only IUVs starting with one of these codes are accepted.
    pub segregation_codes: Vec<SegregationCode>,
}

pub const DEFAULT_AUX_DIGIT: u8 = 3;

impl Organization {
    pub fn new(
        fiscal_code: OrgFiscalCode,
        name: &str,
        office_name: Option<&str>,
        aux_digit: u8,
        application_code: Option<&str>,
        segregation_codes: Vec<SegregationCode>,
    ) -> Result<Self, DomainError> {
        if name.trim().is_empty() || name.chars().count() > 140 {
            return Err(DomainError::invalid("name", "must be 1 to 140 characters"));
        }
        if office_name.is_some_and(|o| o.trim().is_empty() || o.chars().count() > 140) {
            return Err(DomainError::invalid(
                "office",
                "must be 1 to 140 characters",
            ));
        }
        if aux_digit > 3 {
            return Err(DomainError::invalid("aux-digit", "must be 0, 1, 2 or 3"));
        }
        let code_ok = |c: &str| c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit());
        match (aux_digit, application_code) {
            (0, Some(code)) if code_ok(code) => {}
            (0, _) => {
                return Err(DomainError::invalid(
                    "application-code",
                    "aux digit 0 needs a 2-digit application code",
                ))
            }
            (_, Some(_)) => {
                return Err(DomainError::invalid(
                    "application-code",
                    "only aux digit 0 uses an application code",
                ))
            }
            _ => {}
        }
        if !segregation_codes.is_empty() && aux_digit != 3 {
            return Err(DomainError::invalid(
                "segregation-code",
                "segregation codes apply only to aux digit 3",
            ));
        }
        let mut segregation_codes = segregation_codes;
        segregation_codes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        segregation_codes.dedup();
        Ok(Self {
            fiscal_code,
            name: name.to_owned(),
            office_name: office_name.map(str::to_owned),
            aux_digit,
            application_code: application_code.map(str::to_owned),
            segregation_codes,
        })
    }

    pub fn accepts_iuv(&self, iuv: &Iuv) -> bool {
        self.segregation_codes.is_empty()
            || self
                .segregation_codes
                .iter()
                .any(|c| c.as_str() == iuv.segregation_code())
    }

    /// Segregation codes as stored: comma separated, sorted.
    pub fn segregation_codes_text(&self) -> String {
        self.segregation_codes
            .iter()
            .map(SegregationCode::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}
