//! Notice numbers (NAV) and IUV check digits, per pagoPA's SACI rules.

use super::error::{DomainError, FieldError};
use super::ids::{Iuv, NoticeNumber};

/// Remainder mod 93 of a string of digits, computed without overflow.
fn mod93(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 93)
}

/// Check digits (2): mod 93 of the aux digit followed by `prefix_and_base` (for aux digit 3:
/// `3` + segregation code + 13-digit IUV base).
pub fn check_digits(aux_digit: u8, prefix_and_base: &str) -> String {
    format!("{:02}", mod93(&format!("{aux_digit}{prefix_and_base}")))
}

/// Builds a complete 17-digit IUV for aux digit 3: segregation code + base (13 digits) + check.
pub fn iuv_with_check_digits(segregation_code: &str, base13: &str) -> Option<String> {
    let ok = segregation_code.len() == 2
        && base13.len() == 13
        && segregation_code
            .bytes()
            .chain(base13.bytes())
            .all(|b| b.is_ascii_digit());
    ok.then(|| {
        let body = format!("{segregation_code}{base13}");
        let check = check_digits(3, &body);
        format!("{body}{check}")
    })
}

/// True when a notice number with aux digit 2 or 3 carries correct check digits.
pub fn has_valid_check_digits(nav: &NoticeNumber) -> bool {
    let s = nav.as_str();
    match nav.aux_digit() {
        2 | 3 => check_digits(nav.aux_digit(), &s[1..16]) == s[16..],
        0 => check_digits(0, &s[1..16]) == s[16..],
        _ => true,
    }
}

/// The notice number the institution's configuration gives an IUV when none is supplied.
/// Aux digits 1, 2 and 3 prefix a 17-digit IUV; aux digit 0 also needs the application code.
pub fn default_notice_number(
    field: &str,
    aux_digit: u8,
    application_code: Option<&str>,
    iuv: &Iuv,
) -> Result<NoticeNumber, DomainError> {
    let numeric = iuv.is_numeric();
    let value = match (aux_digit, application_code) {
        (0, Some(code)) if numeric && iuv.as_str().len() == 15 => format!("0{code}{iuv}"),
        (0, _) => {
            return Err(DomainError::Validation(FieldError::new(
                field,
                "with aux digit 0 the IUV must be 15 digits and the institution needs an application code; or give an explicit nav",
            )))
        }
        (1..=3, _) if numeric && iuv.as_str().len() == 17 => format!("{aux_digit}{iuv}"),
        _ => {
            return Err(DomainError::Validation(FieldError::new(
                field,
                format!(
                    "'{iuv}' must be 17 digits to form the notice number {aux_digit}+IUV; or give an explicit 18-digit nav"
                ),
            )))
        }
    };
    Ok(NoticeNumber::from_trusted(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        assert_eq!(
            iuv_with_check_digits("02", "1234567890123").unwrap(),
            "02123456789012356"
        );
        let nav = NoticeNumber::parse("nav", "302123456789012356").unwrap();
        assert!(has_valid_check_digits(&nav));
        let wrong = NoticeNumber::parse("nav", "311111111112222222").unwrap();
        assert!(!has_valid_check_digits(&wrong));
    }

    #[test]
    fn default_nav() {
        let iuv = Iuv::parse("iuv", "02123456789012356").unwrap();
        assert_eq!(
            default_notice_number("nav", 3, None, &iuv)
                .unwrap()
                .as_str(),
            "302123456789012356"
        );
        let short = Iuv::parse("iuv", "ABC").unwrap();
        assert!(default_notice_number("nav", 3, None, &short).is_err());
        let iuv15 = Iuv::parse("iuv", "123456789012345").unwrap();
        assert_eq!(
            default_notice_number("nav", 0, Some("01"), &iuv15)
                .unwrap()
                .as_str(),
            "001123456789012345"
        );
    }
}
