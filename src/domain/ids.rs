//! Validated identifiers: fiscal codes, IUPD, IUV, notice numbers (NAV), transfer ids.

use std::fmt;

use super::error::{DomainError, FieldError};

/// The common impls of a string newtype: `as_str`, `into_string`, `Display`, `Deref<Target = str>`,
/// `AsRef<str>`, `Serialize` (as the plain string) and `From<T> for String`.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}
pub(crate) use string_newtype;

fn invalid(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::Validation(FieldError::new(field, message))
}

/// Fiscal code of a creditor institution (11 digits for public bodies; up to 16 alphanumerics accepted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgFiscalCode(String);
string_newtype!(OrgFiscalCode);

impl OrgFiscalCode {
    pub fn parse(field: &str, value: &str) -> Result<Self, DomainError> {
        let ok = (11..=16).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid(
                field,
                format!("'{value}' is not a valid organization fiscal code (11 to 16 digits or capital letters)"),
            ))
        }
    }

    /// A beneficiary institution's fiscal code as pagoPA carries it in transfers (11 digits).
    pub fn parse_beneficiary(field: &str, value: &str) -> Result<Self, DomainError> {
        if value.len() != 11 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(field, format!("'{value}' must be 11 digits")));
        }
        Self::parse(field, value)
    }
}

/// Identifier of a debt position chosen by the institution, unique per institution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iupd(String);
string_newtype!(Iupd);

pub const IUPD_MAX_LEN: usize = 140;

impl Iupd {
    pub fn parse(field: &str, value: &str) -> Result<Self, DomainError> {
        if value.trim().is_empty() {
            return Err(invalid(field, "must not be blank"));
        }
        if value.chars().count() > IUPD_MAX_LEN {
            return Err(invalid(
                field,
                format!("must be at most {IUPD_MAX_LEN} characters"),
            ));
        }
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*' | '.' | ' ');
        if !value.chars().all(allowed) {
            return Err(invalid(
                field,
                "may contain only letters, digits, spaces and the characters _ - * .",
            ));
        }
        Ok(Self(value.to_owned()))
    }
}

/// IUV (identificativo univoco di versamento): identifies one payment option of an institution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iuv(String);
string_newtype!(Iuv);

impl Iuv {
    pub fn parse(field: &str, value: &str) -> Result<Self, DomainError> {
        let ok =
            (1..=35).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid(
                field,
                format!("'{value}' is not a valid IUV (1 to 35 letters or digits)"),
            ))
        }
    }

    /// The first two characters: the segregation code when the aux digit is 3.
    pub fn segregation_code(&self) -> &str {
        &self.0[..self.0.len().min(2)]
    }

    pub fn is_numeric(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Notice number (NAV, numero avviso): always 18 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoticeNumber(String);
string_newtype!(NoticeNumber);

pub const NOTICE_NUMBER_LEN: usize = 18;

impl NoticeNumber {
    pub fn parse(field: &str, value: &str) -> Result<Self, DomainError> {
        if value.len() == NOTICE_NUMBER_LEN && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid(
                field,
                format!("'{value}' is not a notice number (exactly 18 digits)"),
            ))
        }
    }

    /// Builds a notice number known to be well formed (18 digits).
    pub(crate) fn from_trusted(value: String) -> Self {
        debug_assert!(value.len() == NOTICE_NUMBER_LEN);
        Self(value)
    }

    pub fn aux_digit(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }
}

/// Id of a transfer within a payment option: 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(u8);

pub const MAX_TRANSFERS: usize = 5;

impl TransferId {
    pub const FIRST: TransferId = TransferId(1);

    pub fn parse(field: &str, value: &str) -> Result<Self, DomainError> {
        match value.parse::<u8>() {
            Ok(n) if (1..=MAX_TRANSFERS as u8).contains(&n) && value.len() == 1 => Ok(Self(n)),
            _ => Err(invalid(
                field,
                format!("'{value}' is not a transfer id (1 to 5)"),
            )),
        }
    }

    pub fn from_number(n: i32) -> Option<Self> {
        (1..=MAX_TRANSFERS as i32)
            .contains(&n)
            .then_some(Self(n as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Two-digit segregation code of an intermediary (aux digit 3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SegregationCode(String);
string_newtype!(SegregationCode);

impl SegregationCode {
    pub fn parse(field: &str, value: &str) -> Result<Self, DomainError> {
        if value.len() == 2 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid(
                field,
                format!("'{value}' is not a segregation code (2 digits)"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_fiscal_code() {
        assert!(OrgFiscalCode::parse("f", "77777777777").is_ok());
        assert!(OrgFiscalCode::parse("f", "700123456789001").is_ok());
        assert!(OrgFiscalCode::parse("f", "7777").is_err());
        assert!(OrgFiscalCode::parse("f", "7777777777a").is_err());
        assert!(OrgFiscalCode::parse_beneficiary("f", "77777777777").is_ok());
        for bad in ["700123456789001", "abc", "7777777777A"] {
            assert_eq!(
                OrgFiscalCode::parse_beneficiary("f", bad)
                    .unwrap_err()
                    .to_string(),
                format!("f: '{bad}' must be 11 digits")
            );
        }
    }

    #[test]
    fn iupd_rules() {
        assert!(Iupd::parse("iupd", "77777777777_GET_PP_BY_IUV").is_ok());
        assert!(Iupd::parse("iupd", "  ").is_err());
        assert!(Iupd::parse("iupd", "a/b").is_err());
        assert!(Iupd::parse("iupd", &"x".repeat(141)).is_err());
    }

    #[test]
    fn notice_number_and_transfer_id() {
        assert_eq!(
            NoticeNumber::parse("nav", "302123456789012356")
                .unwrap()
                .aux_digit(),
            3
        );
        assert!(NoticeNumber::parse("nav", "30212345678901235").is_err());
        assert!(NoticeNumber::parse("nav", "ABCDEF").is_err());
        assert_eq!(TransferId::parse("t", "5").unwrap().get(), 5);
        assert!(TransferId::parse("t", "6").is_err());
        assert!(TransferId::parse("t", "0").is_err());
        assert!(TransferId::parse("t", "01").is_err());
    }

    #[test]
    fn iuv_segregation_code() {
        let iuv = Iuv::parse("iuv", "02123456789012356").unwrap();
        assert_eq!(iuv.segregation_code(), "02");
        assert!(Iuv::parse("iuv", "").is_err());
        assert!(Iuv::parse("iuv", &"1".repeat(36)).is_err());
    }
}
