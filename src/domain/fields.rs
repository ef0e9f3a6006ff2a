//! Validated fields of a position: the lengths and formats pagoPA's schemas accept, so that every
//! stored value can go to the Nodo as is. Each parses with `parse(path, value)`, where `path`
//! names the field in the API's words (`paymentOption[0].description`).

use std::fmt;
use std::ops::Deref;

use super::error::DomainError;
use super::ids::string_newtype;

/// Text of at most `MAX` characters without control characters. A required text is not blank
/// ([`Text::parse`]); an optional one may be ([`Text::parse_optional`]), as GPD accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text<const MAX: usize>(String);

pub type Text35 = Text<35>;
pub type Text70 = Text<70>;
pub type Text140 = Text<140>;
pub type Text255 = Text<255>;

impl<const MAX: usize> Text<MAX> {
    /// A required text: present and not blank.
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        if value.trim().is_empty() {
            return Err(DomainError::invalid(path, "must not be blank"));
        }
        Self::check(path, value)
    }

    /// An optional text: absent, or present (blank allowed).
    pub fn parse_optional(path: &str, value: Option<&str>) -> Result<Option<Self>, DomainError> {
        value.map(|v| Self::check(path, v)).transpose()
    }

    fn check(path: &str, value: &str) -> Result<Self, DomainError> {
        let count = value.chars().count();
        if count > MAX {
            return Err(DomainError::invalid(
                path,
                format!("must be at most {MAX} characters, got {count}"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                path,
                "must not contain control characters",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> Deref for Text<MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> AsRef<str> for Text<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> serde::Serialize for Text<MAX> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(value: Text<MAX>) -> String {
        value.0
    }
}

fn letters_or_digits(value: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The debtor's tax code or VAT number, as pagoPA carries it (2 to 16 letters or digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DebtorFiscalCode(String);
string_newtype!(DebtorFiscalCode);

impl DebtorFiscalCode {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        if letters_or_digits(value, 2..=16) {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                format!("'{value}' must be 2 to 16 letters or digits"),
            ))
        }
    }
}

/// A bank or postal account number (IBAN) as pagoPA carries it: 1 to 35 letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iban(String);
string_newtype!(Iban);

pub const IBAN_MAX_LEN: usize = 35;

impl Iban {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        if letters_or_digits(value, 1..=IBAN_MAX_LEN) {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                format!("must be 1 to {IBAN_MAX_LEN} letters or digits"),
            ))
        }
    }
}

fn two_capitals(path: &str, value: &str) -> Result<String, DomainError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(
            path,
            format!("'{value}' must be two capital letters"),
        ))
    }
}

/// An ISO 3166 country code: two capital letters (`IT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountryCode(String);
string_newtype!(CountryCode);

impl CountryCode {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        two_capitals(path, value).map(Self)
    }
}

/// An Italian province code: two capital letters (`RM`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProvinceCode(String);
string_newtype!(ProvinceCode);

impl ProvinceCode {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        two_capitals(path, value).map(Self)
    }
}

/// An e-mail address matching pagoPA's XSD pattern (`stEMail`), so the Nodo accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);
string_newtype!(Email);

pub const EMAIL_MAX_LEN: usize = 256;

impl Email {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
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
            Some((local, domain))
                if value.len() <= EMAIL_MAX_LEN && local_ok(local) && domain_ok(domain) =>
            {
                Ok(Self(value.to_owned()))
            }
            _ => Err(DomainError::invalid(
                path,
                format!("'{value}' is not a valid e-mail address"),
            )),
        }
    }
}

/// The base64 digest of the document a digital stamp is bought for (4 to 72 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StampHash(String);
string_newtype!(StampHash);

impl StampHash {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        let base64 = |b: u8| b.is_ascii_alphanumeric() || b"+/=".contains(&b);
        if (4..=72).contains(&value.len()) && value.bytes().all(base64) {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                "must be the base64 digest of the document (4 to 72 characters)",
            ))
        }
    }
}

/// The kind of digital stamp duty: `01`, the only one pagoPA has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StampType(String);
string_newtype!(StampType);

impl StampType {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        if value == "01" {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                "must be exactly 2 characters: 01, the only digital stamp duty of pagoPA",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message of a refused value, as the API shows it.
    fn refused<T: fmt::Debug>(result: Result<T, DomainError>) -> String {
        result.expect_err("should be refused").to_string()
    }

    #[test]
    fn required_and_optional_text() {
        assert_eq!(
            Text140::parse("f", "Mario Rossi").unwrap().as_str(),
            "Mario Rossi"
        );
        assert_eq!(Text::<3>::parse("f", "àèì").unwrap().to_string(), "àèì");
        assert_eq!(refused(Text140::parse("f", " ")), "f: must not be blank");
        assert_eq!(refused(Text140::parse("f", "")), "f: must not be blank");
        assert_eq!(
            refused(Text::<3>::parse("f", "abcd")),
            "f: must be at most 3 characters, got 4"
        );
        assert_eq!(
            refused(Text140::parse("f", "a\nb")),
            "f: must not contain control characters"
        );
        assert_eq!(Text255::parse_optional("f", None).unwrap(), None);
        assert_eq!(
            Text255::parse_optional("f", Some(""))
                .unwrap()
                .unwrap()
                .as_str(),
            ""
        );
        assert_eq!(
            refused(Text35::parse_optional("f", Some(&"x".repeat(36)))),
            "f: must be at most 35 characters, got 36"
        );
        assert_eq!(
            refused(Text70::parse_optional("f", Some("\u{7}"))),
            "f: must not contain control characters"
        );
    }

    #[test]
    fn debtor_fiscal_code() {
        assert!(DebtorFiscalCode::parse("fiscalCode", "RSSMRA80A01H501U").is_ok());
        assert!(DebtorFiscalCode::parse("fiscalCode", "12").is_ok());
        for bad in ["R", "RSSMRA80A01H501UX", "RSS-MRA", ""] {
            assert_eq!(
                refused(DebtorFiscalCode::parse("fiscalCode", bad)),
                format!("fiscalCode: '{bad}' must be 2 to 16 letters or digits")
            );
        }
    }

    #[test]
    fn iban() {
        assert!(Iban::parse("iban", "IT60X0542811101000000123456").is_ok());
        assert!(Iban::parse("iban", &"1".repeat(35)).is_ok());
        for bad in ["", "IT60 X054", "IT60-X054", &"1".repeat(36)] {
            assert_eq!(
                refused(Iban::parse("iban", bad)),
                "iban: must be 1 to 35 letters or digits"
            );
        }
    }

    #[test]
    fn country_and_province_codes() {
        assert_eq!(CountryCode::parse("country", "IT").unwrap().as_str(), "IT");
        assert_eq!(ProvinceCode::parse("p", "RM").unwrap().as_str(), "RM");
        for bad in ["it", "ITA", "I", "I1", ""] {
            assert_eq!(
                refused(CountryCode::parse("country", bad)),
                format!("country: '{bad}' must be two capital letters")
            );
            assert_eq!(
                refused(ProvinceCode::parse("p", bad)),
                format!("p: '{bad}' must be two capital letters")
            );
        }
    }

    #[test]
    fn email() {
        for good in ["mario.rossi@example.org", "a_b+c-d@x-y.it", "a@b"] {
            assert!(Email::parse("email", good).is_ok(), "{good}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        for bad in [
            "not-an-email",
            "@example.org",
            "mario@",
            "mario@example..org",
            "mario rossi@example.org",
            "mario@exa_mple.org",
            "a@b@c",
            long.as_str(),
        ] {
            assert_eq!(
                refused(Email::parse("email", bad)),
                format!("email: '{bad}' is not a valid e-mail address")
            );
        }
    }

    #[test]
    fn stamp_hash_and_type() {
        let hash = "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=";
        assert_eq!(StampHash::parse("h", hash).unwrap().as_str(), hash);
        for bad in ["abc", "not base64!", &"A".repeat(73)] {
            assert_eq!(
                refused(StampHash::parse("h", bad)),
                "h: must be the base64 digest of the document (4 to 72 characters)"
            );
        }
        assert_eq!(StampType::parse("t", "01").unwrap().as_str(), "01");
        for bad in ["1", "02", "001", ""] {
            assert_eq!(
                refused(StampType::parse("t", bad)),
                "t: must be exactly 2 characters: 01, the only digital stamp duty of pagoPA"
            );
        }
    }

    #[test]
    fn newtypes_serialize_as_plain_strings() {
        let email = Email::parse("email", "a@b.it").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"a@b.it\"");
        let text = Text140::parse("f", "x").unwrap();
        assert_eq!(serde_json::to_string(&text).unwrap(), "\"x\"");
        assert_eq!(String::from(text), "x");
    }
}
