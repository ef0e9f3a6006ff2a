//! Generated IUVs: a counter value made into an IUV and its notice number, in the shape the
//! institution's configuration gives (SACI; `../shared/spec/README.md` §10):
//!
//! | aux | notice number (18 digits)                     | IUV                        |
//! |-----|-----------------------------------------------|----------------------------|
//! | 0   | `0` + application code + base(13) + check(2)  | base(13) + check (15)      |
//! | 1   | `1` + base(17)                                | base (17), no check digits |
//! | 2   | `2` + base(15) + check(2)                     | base(15) + check (17)      |
//! | 3   | `3` + segregation code + base(13) + check(2)  | code + base + check (17)   |
//!
//! The base is the counter, zero-padded; the check digits are mod 93 of every digit before them.
//! Which counter a value comes from is the store's business (one per institution and segregation
//! code); this module only decides the shape, and the segregation code a request may use.

use std::collections::HashSet;

use super::error::DomainError;
use super::ids::{Iuv, NoticeNumber, SegregationCode};
use super::notice::check_digits;
use super::org::Organization;
use super::position::{Position, PositionInput};

/// The request field naming the segregation code of a generated IUV.
pub const SEGREGATION_FIELD: &str = "segregationCode";

/// How the IUVs generated for one institution (and segregation code) look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IuvScheme {
    aux_digit: u8,
    /// The application code (aux 0) or the segregation code (aux 3); empty otherwise.
    code: String,
}

fn code_list(codes: &[SegregationCode]) -> String {
    codes
        .iter()
        .map(SegregationCode::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl IuvScheme {
    /// The scheme of `org`'s generated IUVs, with the segregation code `asked` for (aux digit 3
    /// only). With none asked, the institution's only code is used; errors name `field`.
    pub fn resolve(
        org: &Organization,
        field: &str,
        asked: Option<&SegregationCode>,
    ) -> Result<Self, DomainError> {
        let codes = &org.segregation_codes;
        let configure = format!(
            "configure one with `gpd-gateway org update --fiscal-code {} --segregation-code NN`",
            org.fiscal_code
        );
        let code = match (org.aux_digit, asked) {
            (3, Some(asked)) if codes.contains(asked) => asked.as_str().to_owned(),
            (3, Some(asked)) if codes.is_empty() => {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "'{asked}' is not a segregation code of the organization, which has none: {configure}"
                    ),
                ))
            }
            (3, Some(asked)) => {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "'{asked}' is not one of the organization's segregation codes: {}",
                        code_list(codes)
                    ),
                ))
            }
            (3, None) => match codes.as_slice() {
                [only] => only.as_str().to_owned(),
                [] => {
                    return Err(DomainError::invalid(
                        field,
                        format!(
                            "the organization (aux digit 3) has no segregation code to generate IUVs with: {configure}"
                        ),
                    ))
                }
                several => {
                    return Err(DomainError::invalid(
                        field,
                        format!(
                            "required: the organization has several segregation codes: {}",
                            code_list(several)
                        ),
                    ))
                }
            },
            (aux, Some(_)) => {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "the organization uses aux digit {aux}, whose IUVs have no segregation code"
                    ),
                ))
            }
            (0, None) => match org.application_code.as_deref() {
                Some(app) if app.len() == 2 && app.bytes().all(|b| b.is_ascii_digit()) => {
                    app.to_owned()
                }
                _ => {
                    return Err(DomainError::Conflict(
                        "the organization has aux digit 0 but no 2-digit application code"
                            .to_owned(),
                    ))
                }
            },
            (1 | 2, None) => String::new(),
            (aux, None) => {
                return Err(DomainError::Conflict(format!(
                    "the organization has aux digit {aux}: only 0 to 3 exist"
                )))
            }
        };
        Ok(Self {
            aux_digit: org.aux_digit,
            code,
        })
    }

    pub fn aux_digit(&self) -> u8 {
        self.aux_digit
    }

    /// The segregation code of the generated IUVs; "" when the aux digit has none. With the
    /// institution, it names the counter the values come from.
    pub fn segregation_key(&self) -> &str {
        if self.aux_digit == 3 {
            &self.code
        } else {
            ""
        }
    }

    /// Digits of the base the counter fills.
    pub fn base_digits(&self) -> u32 {
        match self.aux_digit {
            1 => 17,
            2 => 15,
            _ => 13,
        }
    }

    /// The largest counter value the base holds.
    pub fn max_counter(&self) -> u64 {
        10u64.pow(self.base_digits()) - 1
    }

    /// The IUV and notice number of counter value `counter`.
    pub fn generate(&self, counter: u64) -> Result<(Iuv, NoticeNumber), DomainError> {
        if counter > self.max_counter() {
            let code = match self.segregation_key() {
                "" => String::new(),
                code => format!(" and segregation code {code}"),
            };
            return Err(DomainError::Conflict(format!(
                "no IUV left: counter value {counter} does not fit the {}-digit base of aux digit {}{code} (at most {})",
                self.base_digits(),
                self.aux_digit,
                self.max_counter()
            )));
        }
        let base = format!("{counter:0width$}", width = self.base_digits() as usize);
        let aux = self.aux_digit;
        let (iuv, nav) = match aux {
            0 => {
                let iuv = format!("{base}{}", check_digits(0, &format!("{}{base}", self.code)));
                let nav = format!("0{}{iuv}", self.code);
                (iuv, nav)
            }
            1 => (base.clone(), format!("1{base}")),
            _ => {
                let body = format!("{}{base}", self.segregation_key());
                let iuv = format!("{body}{}", check_digits(aux, &body));
                let nav = format!("{aux}{iuv}");
                (iuv, nav)
            }
        };
        Ok((Iuv::parse("iuv", &iuv)?, NoticeNumber::parse("nav", &nav)?))
    }

    /// `count` stand-in IUVs, from the top of the counter's range down, none of them (nor its
    /// notice number) in `taken`: they let a new position be checked by every rule before its
    /// real IUVs are generated, and are replaced by [`PendingIuvs::assign`].
    pub fn stand_ins(&self, count: usize, taken: &HashSet<String>) -> Vec<Iuv> {
        (0..=self.max_counter())
            .rev()
            .filter_map(|counter| self.generate(counter).ok())
            .filter(|(iuv, nav)| !taken.contains(iuv.as_str()) && !taken.contains(nav.as_str()))
            .map(|(iuv, _)| iuv)
            .take(count)
            .collect()
    }
}

/// The options of a new position whose IUVs are generated in the transaction that stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIuvs {
    pub scheme: IuvScheme,
    /// Indexes of those options, in order.
    pub options: Vec<usize>,
}

impl PendingIuvs {
    /// The IUVs and notice numbers of the position's other options, which generated values
    /// must avoid.
    pub fn taken(&self, position: &Position) -> HashSet<String> {
        position
            .options
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.options.contains(i))
            .flat_map(|(_, o)| [o.iuv.to_string(), o.nav.to_string()])
            .collect()
    }

    /// Puts the generated IUVs and notice numbers (one per pending option, in order) in place
    /// of the stand-ins.
    pub fn assign(
        &self,
        position: &mut Position,
        generated: Vec<(Iuv, NoticeNumber)>,
    ) -> Result<(), DomainError> {
        if generated.len() != self.options.len() {
            return Err(DomainError::Conflict(format!(
                "{} IUVs generated for {} options",
                generated.len(),
                self.options.len()
            )));
        }
        for (&index, (iuv, nav)) in self.options.iter().zip(generated) {
            let option = position.options.get_mut(index).ok_or_else(|| {
                DomainError::Conflict(format!("no payment option {index} to give an IUV"))
            })?;
            option.iuv = iuv;
            option.nav = nav;
        }
        Ok(())
    }
}

/// A position to create; some of its options may get generated IUVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPosition {
    /// The input, with stand-in IUVs for the pending options.
    pub input: PositionInput,
    pub pending: Option<PendingIuvs>,
}

impl From<PositionInput> for NewPosition {
    fn from(input: PositionInput) -> Self {
        Self {
            input,
            pending: None,
        }
    }
}

#[cfg(test)]
#[path = "iuv_tests.rs"]
mod tests;
